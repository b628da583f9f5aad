"""Leak-free, reproducible splits (also re-implemented in test/unit/models to re-score the shipped models).

- Stratified, seeded (NF-BoT-IoT-v2, CIC-IDS2017): within each class (`stratum`), rows are ordered by
  sha256(f"{SPLIT_SEED}:{row_key}") as hex; the first floor(70n/100) are train, the next floor(15n/100)
  validation, the rest test. No RNG state is involved, so any language can recompute the split.
- By time (IoT-23): within each capture, observable rows (a packet in either direction) are ordered
  by (ts, line index); the first floor(60n/100) are train, the next floor(20n/100) validation, the
  rest (the latest flows) test.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

SPLIT_SEED = "cityledger-split-v1"
STRATIFIED_FRACTIONS = (70, 15)
TIME_FRACTIONS = (60, 20)


def _assign(n: int, fractions: tuple[int, int]) -> np.ndarray:
    n_train = n * fractions[0] // 100
    n_val = n * fractions[1] // 100
    out = np.full(n, "test", dtype=object)
    out[:n_train] = "train"
    out[n_train : n_train + n_val] = "val"
    return out


def split_key(row_key: str) -> str:
    return hashlib.sha256(f"{SPLIT_SEED}:{row_key}".encode()).hexdigest()


def stratified_split(df: pd.DataFrame) -> pd.Series:
    keys = pd.Series([split_key(k) for k in df["row_key"]], index=df.index)
    split = pd.Series("", index=df.index, dtype=object)
    for _, group in df.groupby("stratum", sort=True):
        order = keys.loc[group.index].sort_values(kind="mergesort").index
        split.loc[order] = _assign(len(order), STRATIFIED_FRACTIONS)
    return split


def time_split(df: pd.DataFrame) -> pd.Series:
    split = pd.Series("excluded", index=df.index, dtype=object)
    for _, group in df[df["observable"]].groupby("capture", sort=True):
        order = group.sort_values(["ts", "line_index"], kind="mergesort").index
        split.loc[order] = _assign(len(order), TIME_FRACTIONS)
    return split
