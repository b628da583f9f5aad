"""Load the three datasets, convert to BiFlow, split, and compute features."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from . import features, sources, splits


@dataclass
class Corpus:
    frames: dict[str, pd.DataFrame]  # per dataset, with `split` column and features in `X`
    X: dict[str, np.ndarray]
    spec: dict

    def part(self, dataset: str, split: str) -> tuple[pd.DataFrame, np.ndarray]:
        frame = self.frames[dataset]
        mask = (frame["split"] == split).to_numpy()
        return frame[mask], self.X[dataset][mask]


def default_data_root() -> Path:
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def load_corpus(data_root: Path, spec: dict) -> Corpus:
    frames = sources.load_all(data_root)
    for name, frame in frames.items():
        if name == sources.IOT23_DATASET:
            frame["split"] = splits.time_split(frame)
        else:
            frame["split"] = splits.stratified_split(frame)
    X = {name: features.extract(frame, spec) for name, frame in frames.items()}
    return Corpus(frames=frames, X=X, spec=spec)
