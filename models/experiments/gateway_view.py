"""Experiment: train the classifier with the flows as the gateway sees them, and measure the real path.

The committed models learnt host context from Zeek conn records in end order; a gateway computes it over
softflowd exports in arrival order (bench/real-path.ts), and flags far more benign flows. This trains the
committed classifier's recipe twice, as committed and with the gateway-view rows of the IoT-23 captures
added to its training set, and scores both on the gateway-view rows of the later part of each capture and
on the committed test splits, at the committed thresholds; and the second again at thresholds chosen the
way train.sh chooses them, on validation rows that include the gateway view. Nothing it computes is
exported or registered.

Models 2.1.0 adopted this recipe (flowml/gateway_view.py, in train.sh). The committed results were written
with 2.0.0 in manifest.json: a run now reads 2.1.0's thresholds as "committed", so its numbers differ.

    npm run bench -- real-path --rows /tmp/gateway-rows.jsonl
    models/.venv/bin/python -m experiments.gateway_view /tmp/gateway-rows.jsonl   (from models/)

writes experiments/gateway-view-results.json and prints it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from flowml import data, modeling, splits, train
from flowml.biflow import FAMILY_OF_CLASS
from flowml.spec import build_spec

GATEWAY_DATASET = "iot-23-gateway"
RESULTS = Path(__file__).resolve().parent / "gateway-view-results.json"


def gateway_rows(path: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows of `bench real-path --rows`, split in time per capture as the IoT-23 records are (60/20/20)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    frame = pd.DataFrame({
        "capture": [r["capture"] for r in rows],
        "end_ms": [r["endMs"] for r in rows],
        "attack": [r["attack"] for r in rows],
    })
    X = np.array([r["features"] for r in rows], dtype=np.float32)
    frame["family"] = frame["attack"].map(FAMILY_OF_CLASS)
    if frame["family"].isna().any():
        raise ValueError(f"unknown attack classes: {sorted(set(frame['attack'][frame['family'].isna()]))}")
    frame["label"] = (frame["family"] != "benign").astype(np.int8)
    frame["dataset"] = GATEWAY_DATASET
    frame["stratum"] = frame["attack"]
    frame["split"] = "excluded"
    for _, group in frame.groupby("capture", sort=True):
        order = group.sort_values("end_ms", kind="mergesort").index
        frame.loc[order, "split"] = splits._assign(len(order), splits.TIME_FRACTIONS)
    return frame, X


def fit(corpus: data.Corpus, extra: tuple[pd.DataFrame, np.ndarray] | None):
    rng = np.random.default_rng(modeling.SEED)
    frame, X = train.training_set(corpus, train.DATASETS, modeling.TRAIN_CAP_PER_CLASS, rng)
    if extra is not None:
        g, Xg = extra
        keep = (g["split"] == "train").to_numpy()
        frame = pd.concat([frame, train._with_family_idx(g[keep].reset_index(drop=True))], ignore_index=True)
        X = np.concatenate([X, Xg[keep]])
    y, _present = train._dense_family_labels(frame["family_idx"].to_numpy())
    w = modeling.sample_weights(frame["dataset"].to_numpy(), frame["label"].to_numpy())
    return modeling.fit_classifier(X, y, w, modeling.ClassifierParams())


def chosen_thresholds(clf, corpus: data.Corpus, g: pd.DataFrame, Xg: np.ndarray) -> dict:
    """Thresholds as `train.sh` chooses them, on the validation rows of every dataset, the gateway view included."""
    val, Xv = train.pooled(corpus, train.DATASETS, "val")
    gv = (g["split"] == "val").to_numpy()
    p = np.concatenate([modeling.attack_probability(clf, Xv), modeling.attack_probability(clf, Xg[gv])])
    y = np.concatenate([val["label"].to_numpy(), g["label"].to_numpy()[gv]])
    groups = np.concatenate([val["dataset"].to_numpy(), g["dataset"].to_numpy()[gv]])
    return modeling.choose_classifier_thresholds(p, y, groups)


def share(mask: np.ndarray) -> float | None:
    return round(float(mask.mean()), 4) if mask.size else None


def report(clf, corpus: data.Corpus, g: pd.DataFrame, Xg: np.ndarray, thresholds: dict) -> dict:
    out: dict = {}
    test = (g["split"] == "test").to_numpy()
    for capture in sorted(g["capture"].unique()):
        m = test & (g["capture"] == capture).to_numpy()
        p = modeling.attack_probability(clf, Xg[m])
        y = g["label"].to_numpy()[m]
        out[f"gateway-view {capture} test"] = {
            "benign": int((y == 0).sum()),
            "benignFlaggedMalicious": share(p[y == 0] >= thresholds["malicious"]),
            "benignFlaggedAtLeastSuspicious": share(p[y == 0] >= thresholds["suspicious"]),
            "malicious": int((y == 1).sum()),
            "maliciousRecall": share(p[y == 1] >= thresholds["malicious"]),
            "maliciousFlaggedAtLeastSuspicious": share(p[y == 1] >= thresholds["suspicious"]),
        }
    for dataset in train.DATASETS:
        frame, X = corpus.part(dataset, "test")
        p = modeling.attack_probability(clf, X)
        y = frame["label"].to_numpy()
        out[f"{dataset} test"] = {
            "fpr": share(p[y == 0] >= thresholds["malicious"]),
            "recall": share(p[y == 1] >= thresholds["malicious"]),
        }
    return out


def main() -> None:
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    g, Xg = gateway_rows(Path(sys.argv[1]))
    corpus = data.load_corpus(data.default_data_root(), build_spec())
    manifest = json.loads((Path(__file__).resolve().parents[1] / "manifest.json").read_text(encoding="utf-8"))
    thresholds = next(m["thresholds"] for m in manifest["models"] if m["kind"] == "classifier")
    with_rows = fit(corpus, (g, Xg))
    chosen = chosen_thresholds(with_rows, corpus, g, Xg)
    results = {
        "thresholds": thresholds,
        "note": "classifier alone (no anomaly model); test = last 20 % by end time",
        "asCommitted": report(fit(corpus, None), corpus, g, Xg, thresholds),
        "withGatewayViewRows": report(with_rows, corpus, g, Xg, thresholds),
        "withGatewayViewRowsThresholdsChosenAgain": {
            "thresholds": chosen,
            **report(with_rows, corpus, g, Xg, chosen),
        },
    }
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
