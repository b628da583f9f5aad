"""Metrics at the chosen thresholds (same definitions as test/unit/models/metrics.ts)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score


def _r(x: float) -> float:
    return float(round(float(x), 6))


def binary_metrics(y: np.ndarray, flagged: np.ndarray) -> dict:
    y = y.astype(bool)
    tp = int(np.sum(flagged & y))
    fp = int(np.sum(flagged & ~y))
    tn = int(np.sum(~flagged & ~y))
    fn = int(np.sum(~flagged & y))
    n = tp + fp + tn + fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 0.0
    fpr = fp / (fp + tn) if fp + tn else 0.0
    return {
        "accuracy": _r((tp + tn) / n if n else 0.0),
        "precision": _r(precision),
        "recall": _r(recall),
        "f1": _r(f1),
        "fpr": _r(fpr),
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
    }


def auc(y: np.ndarray, score: np.ndarray) -> float | None:
    if len(np.unique(y)) < 2:
        return None
    return _r(roc_auc_score(y, score))


def per_class_recall(frame: pd.DataFrame, flagged: np.ndarray) -> dict:
    out = {}
    for cls, idx in frame.groupby("attack").indices.items():
        label = int(frame["label"].iloc[idx[0]])
        rate = float(np.mean(flagged[idx]))
        # for benign classes the "recall" of interest is the share correctly left unflagged
        out[str(cls)] = {"n": int(len(idx)), "recall": _r(rate if label == 1 else 1.0 - rate)}
    return out


def classifier_report(frame: pd.DataFrame, p: np.ndarray, family_pred: np.ndarray, anomaly: np.ndarray | None,
                      thresholds: dict, anomaly_threshold: float | None) -> dict:
    y = frame["label"].to_numpy()
    malicious = p.astype(np.float64) >= float(thresholds["malicious"])
    suspicious = p.astype(np.float64) >= float(thresholds["suspicious"])
    rep = binary_metrics(y, malicious)
    rep["roc_auc"] = auc(y, p)
    rep["n"] = int(len(y))
    rep["n_attack"] = int(y.sum())
    rep["n_benign"] = int(len(y) - y.sum())
    rep["threshold"] = "malicious"
    rep["at_suspicious"] = binary_metrics(y, suspicious)
    rep["per_class_recall"] = per_class_recall(frame, malicious)
    if anomaly is not None and anomaly_threshold is not None:
        flagged = suspicious | (anomaly.astype(np.float64) >= float(anomaly_threshold))
        rep["verdict_flagged"] = binary_metrics(y, flagged)
        rep["verdict_flagged"]["per_class_recall"] = per_class_recall(frame, flagged)
    attacks = y == 1
    if attacks.any():
        fam_true = frame["family_idx"].to_numpy()[attacks]
        rep["family_accuracy_on_attacks"] = _r(np.mean(family_pred[attacks] == fam_true))
    return rep


def anomaly_report(frame: pd.DataFrame, score: np.ndarray, threshold: float) -> dict:
    y = frame["label"].to_numpy()
    flagged = score.astype(np.float64) >= float(threshold)
    rep = binary_metrics(y, flagged)
    rep["roc_auc"] = auc(y, score)
    rep["n"] = int(len(y))
    rep["n_attack"] = int(y.sum())
    rep["n_benign"] = int(len(y) - y.sum())
    rep["per_class_recall"] = per_class_recall(frame, flagged)
    return rep
