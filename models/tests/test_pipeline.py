"""Fast training smoke test (small subset, tiny models) and consistency of the committed artifacts."""

import json

import numpy as np
import onnxruntime as ort
from conftest import MODELS_DIR

from flowml import train
from flowml.canonical import file_sha256
from flowml.sources import DATASETS


def test_training_smoke(tmp_path, data_root):
    result = train.run(data_root, tmp_path, smoke=True)
    manifest = result["manifest"]
    for entry in manifest["models"]:
        path = tmp_path / entry["file"]
        assert path.stat().st_size > 0 and file_sha256(path) == entry["sha256"]
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        assert [i.name for i in session.get_inputs()] == ["features"]
    for model in ("flow-classifier", "flow-anomaly"):
        card = json.loads((tmp_path / "cards" / f"{model}.card.json").read_text())
        for ds in DATASETS:
            assert {"f1", "fpr"} <= set(card["metrics"][f"{ds}/test"])
        assert len(card["crossDataset"]["results"]) == 3
        assert all({"f1", "fpr"} <= set(r) for r in card["crossDataset"]["results"].values())
        assert (tmp_path / "cards" / f"{model}.card.md").read_text().startswith("# Model card")
    m = result["metrics"]
    # even tiny models must beat chance on the easy held-out splits, or the pipeline is broken
    assert m["classifier"]["nf-bot-iot-v2/test"]["roc_auc"] > 0.9
    assert m["classifier"]["cic-ids2017/test"]["roc_auc"] > 0.9
    t = m["thresholds"]["classifier"]
    assert 0 < t["suspicious"] < t["malicious"] < 1
    lines = (tmp_path / "samples" / "flows-sample.jsonl").read_text().splitlines()
    assert len(lines) == 150 and {"flow", "label", "dataset"} <= set(json.loads(lines[0]))
    golden = json.loads((tmp_path / "fixtures" / "golden.json").read_text())
    assert len(golden["features"]) == len(golden["classifier"]["attack_probability"]) == 18


def test_committed_artifacts_match_manifest_and_golden():
    manifest = json.loads((MODELS_DIR / "manifest.json").read_text())
    golden = json.loads((MODELS_DIR / "fixtures" / "golden.json").read_text())
    X = np.array(golden["features"], dtype=np.float32)
    for entry in manifest["models"]:
        path = MODELS_DIR / entry["file"]
        assert file_sha256(path) == entry["sha256"], f"{path} differs from manifest.json"
        assert path.stat().st_size < 5_000_000
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        if entry["kind"] == "classifier":
            got = session.run(["attack_probability"], {"features": X})[0][:, 0]
            np.testing.assert_allclose(got, golden["classifier"]["attack_probability"], atol=1e-6)
        else:
            got = session.run(["anomaly_score"], {"features": X})[0][:, 0]
            np.testing.assert_allclose(got, golden["anomaly"]["anomaly_score"], atol=1e-6)
