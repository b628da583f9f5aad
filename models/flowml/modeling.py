"""Model fitting, ONNX export and threshold selection."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType
from sklearn.ensemble import HistGradientBoostingClassifier, IsolationForest

from .biflow import FAMILIES

SEED = 20260124
TARGET_OPSET = {"": 17, "ai.onnx.ml": 3}
INPUT_NAME = "features"
ATTACK_OUTPUT = "attack_probability"
ANOMALY_OUTPUT = "anomaly_score"

# Per-class caps on training rows taken from one dataset (keeps NF-BoT-IoT's 278k flows from dominating
# and keeps training inside the 15-minute / 2-core budget). Rows are taken in split-hash order.
TRAIN_CAP_PER_CLASS = 20_000


@dataclass
class ClassifierParams:
    max_iter: int = 150
    learning_rate: float = 0.1
    max_leaf_nodes: int = 31
    min_samples_leaf: int = 20
    l2_regularization: float = 1.0


def sample_weights(datasets: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Each (dataset, benign|attack) cell gets the same total weight; mean weight is 1."""
    w = np.zeros(len(labels), dtype=np.float64)
    cells = [(d, y) for d in np.unique(datasets) for y in (0, 1)]
    present = [(d, y) for d, y in cells if np.any((datasets == d) & (labels == y))]
    for d, y in present:
        mask = (datasets == d) & (labels == y)
        w[mask] = len(labels) / (len(present) * mask.sum())
    return w


def fit_classifier(X: np.ndarray, family_idx: np.ndarray, weights: np.ndarray, params: ClassifierParams):
    model = HistGradientBoostingClassifier(
        max_iter=params.max_iter,
        learning_rate=params.learning_rate,
        max_leaf_nodes=params.max_leaf_nodes,
        min_samples_leaf=params.min_samples_leaf,
        l2_regularization=params.l2_regularization,
        early_stopping=False,
        random_state=SEED,
    )
    model.fit(X, family_idx, sample_weight=weights)
    return model


ANOMALY_MAX_SAMPLES = 1024
ANOMALY_MAX_FEATURES = 1.0  # skl2onnx cannot convert max_features < 1


def fit_anomaly(X_benign: np.ndarray, n_estimators: int = 60):
    model = IsolationForest(
        n_estimators=n_estimators,
        max_samples=min(ANOMALY_MAX_SAMPLES, len(X_benign)),
        max_features=ANOMALY_MAX_FEATURES,
        random_state=SEED,
        n_jobs=1,
    )
    model.fit(X_benign)
    return model


def attack_probability(model, X: np.ndarray) -> np.ndarray:
    proba = model.predict_proba(X)
    benign_col = list(model.classes_).index(0)
    return 1.0 - proba[:, benign_col]


def anomaly_score(model, X: np.ndarray) -> np.ndarray:
    """The isolation-forest anomaly score s(x) in (0, 1] of Liu et al. (sklearn: -score_samples)."""
    return -model.score_samples(X)


def _append_nodes(model: onnx.ModelProto, nodes, initializers, outputs) -> onnx.ModelProto:
    graph = model.graph
    graph.node.extend(nodes)
    graph.initializer.extend(initializers)
    # The contract output goes first: onnxruntime-node 1.23.2 mislabels a fetch of a subset of the
    # outputs of a multi-output model, and a first-position output is the least exposed to that.
    existing = list(graph.output)
    del graph.output[:]
    graph.output.extend(list(outputs) + existing)
    onnx.checker.check_model(model)
    return model


def classifier_to_onnx(model, n_features: int) -> onnx.ModelProto:
    if list(model.classes_) != list(range(len(model.classes_))) or model.classes_[0] != 0:
        raise ValueError(f"classifier classes must be 0..K-1 with 0 = benign, got {model.classes_}")
    onx = to_onnx(
        model,
        initial_types=[(INPUT_NAME, FloatTensorType([None, n_features]))],
        options={id(model): {"zipmap": False}},
        target_opset=TARGET_OPSET,
    )
    nodes = [
        helper.make_node("Gather", ["probabilities", "cl_benign_index"], ["cl_benign_p"], axis=1),
        helper.make_node("Sub", ["cl_one", "cl_benign_p"], [ATTACK_OUTPUT]),
    ]
    inits = [
        numpy_helper.from_array(np.array([0], dtype=np.int64), "cl_benign_index"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "cl_one"),
    ]
    outs = [helper.make_tensor_value_info(ATTACK_OUTPUT, TensorProto.FLOAT, [None, 1])]
    onx = _append_nodes(onx, nodes, inits, outs)
    onx.doc_string = "CityLedger flow classifier; classes " + ",".join(FAMILIES[: len(model.classes_)])
    return onx


def anomaly_to_onnx(model, n_features: int) -> onnx.ModelProto:
    onx = to_onnx(
        model,
        initial_types=[(INPUT_NAME, FloatTensorType([None, n_features]))],
        target_opset=TARGET_OPSET,
    )
    names = [o.name for o in onx.graph.output]
    if "scores" not in names:
        raise ValueError(f"unexpected IsolationForest ONNX outputs {names}")
    # skl2onnx's `scores` is decision_function = score_samples - offset_; s(x) = -score_samples.
    nodes = [helper.make_node("Sub", ["an_minus_offset", "scores"], [ANOMALY_OUTPUT])]
    inits = [numpy_helper.from_array(np.array(-model.offset_, dtype=np.float32), "an_minus_offset")]
    outs = [helper.make_tensor_value_info(ANOMALY_OUTPUT, TensorProto.FLOAT, [None, 1])]
    onx = _append_nodes(onx, nodes, inits, outs)
    onx.doc_string = "CityLedger flow anomaly detector (IsolationForest on benign flows): s(x) in (0, 1]"
    return onx


class OnnxScorer:
    def __init__(self, path, threads: int = 2):
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), sess_options=opts, providers=["CPUExecutionProvider"])

    def run(self, X: np.ndarray, output: str) -> np.ndarray:
        return self.session.run([output], {INPUT_NAME: X.astype(np.float32)})[0]


# ------------------------------------------------------------------ thresholds

MALICIOUS_MAX_FPR = 0.01
SUSPICIOUS_MAX_FPR = 0.03
ANOMALY_TARGET_FPR = 0.01


def _round_threshold(t: float) -> float:
    # 6 decimals; rounded up so that ">= threshold" flags no more rows than the chosen candidate did.
    return float(np.ceil(t * 1e6) / 1e6)


def choose_classifier_thresholds(p: np.ndarray, y: np.ndarray, groups: np.ndarray) -> dict:
    """Thresholds from validation data only.

    malicious: maximises the mean over datasets of F1, subject to every dataset's benign FPR <= 1%.
    suspicious: the lowest threshold at which every dataset's benign FPR <= 3% (never above malicious).
    """
    p = p.astype(np.float64)
    cand = np.unique(np.concatenate([np.quantile(p, np.linspace(0, 1, 2001)), p[y == 0]]))
    cand = np.unique([_round_threshold(c) for c in cand if 0 < c < 1])
    names = np.unique(groups)
    best = None
    lowest_susp = None
    for t in cand:
        flag = p >= t
        fprs, f1s = [], []
        for g in names:
            m = groups == g
            neg = m & (y == 0)
            fprs.append(flag[neg].mean() if neg.any() else 0.0)
            tp = np.sum(flag & m & (y == 1))
            fp = np.sum(flag & neg)
            fn = np.sum(~flag & m & (y == 1))
            f1s.append(2 * tp / max(2 * tp + fp + fn, 1))
        max_fpr = max(fprs)
        if max_fpr <= SUSPICIOUS_MAX_FPR and lowest_susp is None:
            lowest_susp = float(t)
        if max_fpr <= MALICIOUS_MAX_FPR:
            score = float(np.mean(f1s))
            if best is None or score > best[0] + 1e-12:
                best = (score, float(t))
    if best is None:
        raise RuntimeError("no threshold meets the validation FPR constraint")
    malicious = best[1]
    suspicious = lowest_susp if lowest_susp is not None else malicious
    if suspicious >= malicious:  # the registry requires suspicious < malicious
        suspicious = float(np.floor((malicious - 1e-6) * 1e6) / 1e6)
    return {"suspicious": suspicious, "malicious": malicious}


def choose_anomaly_threshold(scores: np.ndarray, y: np.ndarray, groups: np.ndarray) -> float:
    """The highest of the per-dataset (1 - 1%) quantiles of benign validation scores: every dataset's
    benign validation FPR is then <= 1%."""
    per_group = [
        float(np.quantile(scores[(groups == g) & (y == 0)], 1.0 - ANOMALY_TARGET_FPR, method="higher"))
        for g in np.unique(groups[y == 0])
    ]
    return _round_threshold(max(per_group))
