"""Interpreter of feature-spec.json transforms over a BiFlow frame (the Python side of the contract)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import context


def _col(frame: pd.DataFrame, name: str) -> np.ndarray:
    values = frame[name].to_numpy(np.float64)
    return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)


def _transform(frame: pd.DataFrame, t: dict, ctx: dict | None) -> np.ndarray:
    op = t["op"]
    if op == "context_log1p":
        return np.log1p(ctx[t["input"]])
    if op == "context_fraction":
        return ctx[t["input"]]
    proto = _col(frame, "protocol")
    if op == "log1p":
        x = _col(frame, t["input"])
        if t.get("round") == "half_up":
            x = np.floor(x + 0.5)
        x = np.maximum(x, t["clipMin"])
        if "clipMax" in t:
            x = np.minimum(x, t["clipMax"])
        return np.log1p(x)
    if op == "log1p_ratio":
        num = np.maximum(_col(frame, t["numerator"]), 0)
        den = _col(frame, t["denominator"])
        safe = np.where(den > 0, den, 1.0)
        return np.where(den > 0, np.log1p(num / safe), 0.0)
    if op == "in_set":
        return np.isin(_col(frame, t["input"]), t["values"]).astype(np.float64)
    if op == "not_in_set":
        return (~np.isin(_col(frame, t["input"]), t["values"])).astype(np.float64)
    if op in ("port_none", "port_range"):
        port = _col(frame, t["input"])
        has_ports = np.isin(proto, t["portProtocols"])
        if op == "port_none":
            return (~has_ports | (port < 1) | (port > 65535)).astype(np.float64)
        return (has_ports & (port >= t["min"]) & (port <= t["max"])).astype(np.float64)
    if op == "tcp_flag":
        bits = np.zeros(len(frame), dtype=np.int64)
        for name in t["inputs"]:
            bits |= _col(frame, name).astype(np.int64)
        return ((proto == 6) & ((bits & t["mask"]) != 0)).astype(np.float64)
    raise ValueError(f"unknown transform op {op!r}")


def extract(frame: pd.DataFrame, spec: dict) -> np.ndarray:
    """Feature matrix [N, F] float32 in spec order (computed in float64, rounded once).

    Context features are computed over the whole frame as one flow stream (context.compute)."""
    needs_ctx = any(f["transform"]["op"].startswith("context_") for f in spec["features"])
    ctx = None
    if needs_ctx:
        c = spec["context"]
        ctx = context.compute(frame, c["windowMs"], c["maxFlowsPerSource"])
    cols = [_transform(frame, f["transform"], ctx) for f in spec["features"]]
    return np.stack(cols, axis=1).astype(np.float32)
