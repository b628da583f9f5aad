import { FEATURE_COUNT, FEATURE_SPEC_SHA256, type ModelEntry, type ModelManifest } from '../features';
import { type ModelFile } from './model-file';
import { type ScoringPoolOptions } from './pool';
import { DEFAULT_OUTPUTS, type ModelKey } from './protocol';

/** The model-related part of ScoringPoolOptions. */
export type ScoringModels = Pick<
  ScoringPoolOptions,
  'classifier' | 'anomaly' | 'featureSpecSha256' | 'featureCount' | 'thresholds'
>;

const OUTPUT_KEYS: Readonly<Record<ModelKey, string>> = {
  classifier: 'attackProbability',
  anomaly: 'anomalyScore',
};

function modelFile(key: ModelKey, entry: ModelEntry): ModelFile {
  return {
    path: entry.file,
    sha256: entry.sha256,
    featureSpecSha256: entry.specSha256,
    output: entry.outputs[OUTPUT_KEYS[key]] ?? DEFAULT_OUTPUTS[key],
  };
}

/**
 * Pool options for the models of a manifest (`loadModelManifest()` of gateway/src/features, i.e.
 * models/manifest.json): files with their registered sha256 and spec hash, the registered thresholds,
 * and the feature spec this gateway implements (FEATURE_SPEC_SHA256, FEATURE_COUNT).
 */
export function scoringModelsFromManifest(manifest: ModelManifest): ScoringModels {
  const { suspicious, malicious, anomaly } = manifest.thresholds;
  return {
    classifier: modelFile('classifier', manifest.classifier),
    ...(manifest.anomaly === undefined ? {} : { anomaly: modelFile('anomaly', manifest.anomaly) }),
    featureSpecSha256: FEATURE_SPEC_SHA256,
    featureCount: FEATURE_COUNT,
    thresholds: { classifier: { suspicious, malicious }, ...(anomaly === undefined ? {} : { anomaly }) },
  };
}
