"""CityLedger flow models: feature spec, dataset adapters, training, ONNX export, evaluation."""
