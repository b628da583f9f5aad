"""One command trains, exports, evaluates and documents every default model.

    python -m flowml.train [--data ../shared/data] [--out models/] [--smoke] [--gateway-rows FILE]

Writes (under --out): feature-spec.json, artifacts/*.onnx, cards/*.card.{md,json}, metrics.json,
manifest.json, fixtures/*.json (golden and parity fixtures for jest), samples/ (replay sample).
--smoke runs the same pipeline on a small subset with tiny models (used by the pytest smoke test).
Besides the three datasets, training uses the IoT-23 captures as a gateway sees them (flowml/gateway_view.py):
their rows come from the built gateway (`cityledger-gateway features`, with Node and softflowd), or from
--gateway-rows, a file that command wrote.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn

from . import cards, fixtures, gateway_view, modeling, samples
from .biflow import FAMILIES
from .canonical import canonical_sha256, file_sha256
from .data import Corpus, default_data_root, load_corpus
from .evaluate import anomaly_report, classifier_report
from .sources import DATASETS
from .spec import build_spec

TRAIN_COMMAND = "models/scripts/train.sh"
# What the default models train on, pick thresholds on and are reported on: the three datasets and the
# gateway's view of IoT-23. Cross-dataset runs use the three datasets only (the gateway view is IoT-23's
# traffic, so it cannot stand in for a held-out dataset).
TRAINING_DATASETS = (*DATASETS, gateway_view.GATEWAY_VIEW_DATASET)


def _with_family_idx(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["family_idx"] = frame["family"].map({f: i for i, f in enumerate(FAMILIES)}).astype(np.int64)
    return frame


def training_set(corpus: Corpus, datasets, cap: int, rng: np.random.Generator):
    frames, xs = [], []
    for ds in datasets:
        frame, X = corpus.part(ds, "train")
        keep = []
        for _, idx in frame.groupby("stratum").indices.items():
            idx = np.sort(idx)
            if len(idx) > cap:
                idx = np.sort(rng.choice(idx, size=cap, replace=False))
            keep.append(idx)
        keep = np.sort(np.concatenate(keep))
        frames.append(frame.iloc[keep])
        xs.append(X[keep])
    return _with_family_idx(pd.concat(frames, ignore_index=True)), np.concatenate(xs)


def _dense_family_labels(family_idx: np.ndarray):
    """HistGradientBoosting needs classes 0..K-1; a training set may miss a family (cross-dataset)."""
    present = np.unique(family_idx)
    if present[0] != 0:
        raise ValueError("training set has no benign rows")
    remap = {int(f): i for i, f in enumerate(present)}
    return np.array([remap[int(f)] for f in family_idx]), present


def fit_pair(corpus: Corpus, datasets, params: modeling.ClassifierParams, cap: int, if_trees: int, seed: int):
    rng = np.random.default_rng(seed)
    frame, X = training_set(corpus, datasets, cap, rng)
    y_dense, present = _dense_family_labels(frame["family_idx"].to_numpy())
    w = modeling.sample_weights(frame["dataset"].to_numpy(), frame["label"].to_numpy())
    clf = modeling.fit_classifier(X, y_dense, w, params)
    benign = frame["label"].to_numpy() == 0
    iso = modeling.fit_anomaly(X[benign], n_estimators=if_trees)
    return clf, iso, present, {"rows": int(len(frame)), "benign_rows": int(benign.sum()),
                               "per_dataset": frame.groupby("dataset").size().to_dict()}


def pooled(corpus: Corpus, datasets, split: str):
    frames, xs = [], []
    for ds in datasets:
        frame, X = corpus.part(ds, split)
        frames.append(frame)
        xs.append(X)
    return _with_family_idx(pd.concat(frames, ignore_index=True)), np.concatenate(xs)


def cross_dataset(corpus: Corpus, params, cap: int, if_trees: int) -> dict:
    out = {}
    for held_out in DATASETS:
        train_sets = [d for d in DATASETS if d != held_out]
        clf, iso, present, info = fit_pair(corpus, train_sets, params, cap, if_trees, modeling.SEED + 1)
        val, Xv = pooled(corpus, train_sets, "val")
        thresholds = modeling.choose_classifier_thresholds(
            modeling.attack_probability(clf, Xv), val["label"].to_numpy(), val["dataset"].to_numpy()
        )
        a_thr = modeling.choose_anomaly_threshold(
            modeling.anomaly_score(iso, Xv), val["label"].to_numpy(), val["dataset"].to_numpy()
        )
        test = corpus.frames[held_out]
        mask = (test["split"] != "excluded").to_numpy()
        test = _with_family_idx(test[mask])
        Xt = corpus.X[held_out][mask]
        p = modeling.attack_probability(clf, Xt)
        fam = present[np.argmax(clf.predict_proba(Xt), axis=1)]
        rep = classifier_report(test, p, fam, modeling.anomaly_score(iso, Xt), thresholds, a_thr)
        out[f"train={'+'.join(train_sets)};test={held_out}"] = {
            "train": train_sets,
            "test": held_out,
            "test_rows": "all observable rows of the held-out dataset",
            "thresholds": thresholds | {"anomaly": a_thr},
            "training": info,
            "classifier": rep,
            "anomaly": anomaly_report(test, modeling.anomaly_score(iso, Xt), a_thr),
        }
    return out


def add_gateway_view(corpus: Corpus, data_root: Path, rows_file: Path | None) -> None:
    """Adds the gateway-view dataset to the corpus, exporting its rows first unless a file is given."""
    with tempfile.TemporaryDirectory() as tmp:
        if rows_file is None:
            rows_file = gateway_view.export_rows(data_root, Path(tmp) / "gateway-rows.jsonl")
        frame, X = gateway_view.load(rows_file, data_root, samples.excerpt_starts_ms(data_root))
    if X.shape[1] != len(corpus.spec["features"]):
        raise RuntimeError(f"gateway rows have {X.shape[1]} features, the spec {len(corpus.spec['features'])}")
    corpus.frames[gateway_view.GATEWAY_VIEW_DATASET] = frame
    corpus.X[gateway_view.GATEWAY_VIEW_DATASET] = X


def run(data_root: Path, out: Path, smoke: bool = False, gateway_rows: Path | None = None) -> dict:
    started = time.time()
    spec = build_spec()
    spec_hash = canonical_sha256(spec)
    out.mkdir(parents=True, exist_ok=True)
    (out / "feature-spec.json").write_text(json.dumps(spec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    corpus = load_corpus(data_root, spec)
    add_gateway_view(corpus, data_root, gateway_rows)
    if smoke:
        params = modeling.ClassifierParams(max_iter=10, max_leaf_nodes=15)
        cap, if_trees = 300, 10
    else:
        params = modeling.ClassifierParams()
        cap, if_trees = modeling.TRAIN_CAP_PER_CLASS, 60

    clf, iso, present, train_info = fit_pair(corpus, TRAINING_DATASETS, params, cap, if_trees, modeling.SEED)
    if list(present) != list(range(len(FAMILIES))):
        raise RuntimeError(f"default training set misses families: {present}")
    n_feat = len(spec["features"])
    art = out / "artifacts"
    art.mkdir(exist_ok=True)
    import onnx

    paths = {"flow-classifier": art / "flow-classifier.onnx", "flow-anomaly": art / "flow-anomaly.onnx"}
    onnx.save(modeling.classifier_to_onnx(clf, n_feat), paths["flow-classifier"])
    onnx.save(modeling.anomaly_to_onnx(iso, n_feat), paths["flow-anomaly"])
    cls_onnx = modeling.OnnxScorer(paths["flow-classifier"])
    iso_onnx = modeling.OnnxScorer(paths["flow-anomaly"])

    def score(X):
        return (
            cls_onnx.run(X, modeling.ATTACK_OUTPUT)[:, 0],
            np.argmax(cls_onnx.run(X, "probabilities"), axis=1),
            iso_onnx.run(X, modeling.ANOMALY_OUTPUT)[:, 0],
        )

    # Sanity: the exported graphs reproduce scikit-learn.
    val, Xv = pooled(corpus, TRAINING_DATASETS, "val")
    p_val, _, a_val = score(Xv)
    max_diff = {
        "classifier": float(np.max(np.abs(p_val - modeling.attack_probability(clf, Xv)))),
        "anomaly": float(np.max(np.abs(a_val - modeling.anomaly_score(iso, Xv)))),
    }
    if max_diff["classifier"] > 1e-4 or max_diff["anomaly"] > 1e-4:
        raise RuntimeError(f"ONNX export differs from scikit-learn: {max_diff}")

    thresholds = modeling.choose_classifier_thresholds(p_val, val["label"].to_numpy(), val["dataset"].to_numpy())
    a_thr = modeling.choose_anomaly_threshold(a_val, val["label"].to_numpy(), val["dataset"].to_numpy())

    cls_splits, iso_splits = {}, {}
    for ds in TRAINING_DATASETS:
        for split in ("val", "test"):
            frame, X = corpus.part(ds, split)
            frame = _with_family_idx(frame)
            p, fam, a = score(X)
            cls_splits[f"{ds}/{split}"] = classifier_report(frame, p, fam, a, thresholds, a_thr)
            iso_splits[f"{ds}/{split}"] = anomaly_report(frame, a, a_thr)

    cross = cross_dataset(corpus, params, cap, if_trees)
    duration = time.time() - started

    env = {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "onnxruntime": modeling.ort.__version__,
        "machine": f"{platform.machine()} {os.cpu_count()} cpus",
    }
    common = {
        "specSha256": spec_hash,
        "trainingCommand": TRAIN_COMMAND,
        "trainingSeconds": round(duration, 1),
        "seed": modeling.SEED,
        "environment": env,
        "smoke": smoke,
    }
    files = {k: {"path": f"artifacts/{v.name}", "sha256": file_sha256(v), "bytes": v.stat().st_size}
             for k, v in paths.items()}
    metrics = {
        **common,
        "thresholds": {"classifier": thresholds, "anomaly": {"threshold": a_thr}},
        "training": train_info,
        "onnxVsSklearnMaxAbsDiff": max_diff,
        "classifier": cls_splits,
        "anomaly": iso_splits,
        "crossDataset": cross,
        "files": files,
    }
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    manifest = cards.write_all(out, spec, metrics, files, clf, iso, params, cap, if_trees)
    fixtures.write_all(out, corpus, spec, cls_onnx, iso_onnx, data_root)
    samples.write_all(out, corpus, data_root, smoke)
    return {"metrics": metrics, "manifest": manifest}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=default_data_root())
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1])
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--gateway-rows", type=Path, default=None,
                        help="feature rows of the IoT-23 pcaps from `cityledger-gateway features` (default: run it)")
    args = parser.parse_args()
    rows = None if args.gateway_rows is None else args.gateway_rows.resolve()
    result = run(args.data.resolve(), args.out.resolve(), smoke=args.smoke, gateway_rows=rows)
    m = result["metrics"]
    print(f"spec sha256 {m['specSha256']}  trained in {m['trainingSeconds']} s")
    print(f"thresholds {json.dumps(m['thresholds'])}")
    for key, rep in m["classifier"].items():
        if key.endswith("/test"):
            print(f"  classifier {key:24s} F1 {rep['f1']:.4f} FPR {rep['fpr']:.4f} AUC {rep['roc_auc']}")
    for key, rep in m["crossDataset"].items():
        c = rep["classifier"]
        print(f"  cross {key:60s} F1 {c['f1']:.4f} FPR {c['fpr']:.4f} AUC {c['roc_auc']}")


if __name__ == "__main__":
    main()
