"""Host context of a flow: counts and fractions over the recent flows of the same originator address.

The definition lives in feature-spec.json (`context`); the gateway implements it in
gateway/src/features/flow-context.ts and the parity tests compare the two. Summary:

- A flow stream (one gateway, one Zeek log) is processed in order of (end time in ms, position in the
  stream); ties keep the stream's order.
- For flow i, the context holds the last `maxFlowsPerSource` flows of the same originator address that
  were processed up to and including i, restricted to those whose end time e satisfies
  end_i - windowMs <= e <= end_i. Flow i itself is always in it.
- Only counts and fractions are produced, never an address or port value.

Rows without a context key (`ctx_key` column absent or empty) are "isolated": their context is the flow
alone. NF-BoT-IoT-v2 and CIC-IDS2017 rows are isolated on purpose (see spec `context.sources`).
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd

from .biflow import RST

WINDOW_MS = 60_000
MAX_FLOWS_PER_SOURCE = 256
TCP = 6

# Context quantities, in the order of the spec's context features.
QUANTITIES = ("flows", "dst_addrs", "dst_ports", "unanswered", "reset", "same_dst")


def _finite(values: np.ndarray) -> np.ndarray:
    return np.nan_to_num(values.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)


def _flow_bits(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    proto = _finite(frame["protocol"].to_numpy())
    port = _finite(frame["dst_port"].to_numpy())
    unanswered = _finite(frame["rev_pkts"].to_numpy()) <= 0
    flags = _finite(frame["fwd_flags"].to_numpy()).astype(np.int64) | _finite(frame["rev_flags"].to_numpy()).astype(
        np.int64
    )
    reset = (proto == TCP) & ((flags & RST) != 0)
    return proto, port, unanswered, reset


def isolated(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Context of each flow taken alone (a window that holds only the flow itself)."""
    _, _, unanswered, reset = _flow_bits(frame)
    ones = np.ones(len(frame), dtype=np.float64)
    return {
        "flows": ones,
        "dst_addrs": ones,
        "dst_ports": ones,
        "unanswered": unanswered.astype(np.float64),
        "reset": reset.astype(np.float64),
        "same_dst": ones,
    }


def compute(frame: pd.DataFrame, window_ms: int = WINDOW_MS, max_flows: int = MAX_FLOWS_PER_SOURCE) -> dict[str, np.ndarray]:
    """Context quantities per row of a BiFlow frame, in the frame's row order.

    Uses columns ctx_key (originator key; rows with an empty key are isolated), dst_addr, end_ms,
    protocol, dst_port, rev_pkts, fwd_flags, rev_flags. Rows are one stream in frame order.
    """
    out = isolated(frame)
    if "ctx_key" not in frame.columns:
        return out
    keys = frame["ctx_key"].astype(str).to_numpy()
    has_key = keys != ""
    if not has_key.any():
        return out
    proto, port, unanswered, reset = _flow_bits(frame)
    dst = frame["dst_addr"].astype(str).to_numpy()
    end = _finite(frame["end_ms"].to_numpy())
    n = len(frame)
    order = np.lexsort((np.arange(n), end))  # by end time, then position (stable)
    recent: dict[str, deque] = {}
    res = {q: out[q].copy() for q in QUANTITIES}
    for i in order:
        if not has_key[i]:
            continue
        q = recent.get(keys[i])
        if q is None:
            q = recent[keys[i]] = deque(maxlen=max_flows)
        q.append(i)
        lo, hi = end[i] - window_ms, end[i]
        members = [j for j in q if lo <= end[j] <= hi]
        c = len(members)
        res["flows"][i] = c
        res["dst_addrs"][i] = len({dst[j] for j in members})
        res["dst_ports"][i] = len({(proto[j], port[j]) for j in members})
        res["unanswered"][i] = sum(int(unanswered[j]) for j in members) / c
        res["reset"][i] = sum(int(reset[j]) for j in members) / c
        res["same_dst"][i] = sum(1 for j in members if dst[j] == dst[i]) / c
    return res
