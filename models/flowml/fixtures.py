"""Fixtures for the jest tests: golden model outputs, Python-vs-node parity rows, feature parity records."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from . import features, modeling, samples
from .data import Corpus
from .sources import (
    CIC_DATASET,
    DATASETS,
    IOT23_CAPTURES,
    NF_DATASET,
    biflow_from_cic,
    biflow_from_nf,
    biflow_from_records,
    biflow_from_zeek,
    parse_zeek_line,
    ZEEK_FIELDS,
)

FIXTURE_SEED = 777
PARITY_ROWS = 1000
FEATURE_ROWS_PER_FORMAT = 150

# Hand-made BiFlows that exercise edge cases (no reverse direction, no ports, out-of-range values).
EDGE_FLOWS = [
    {"protocol": 6, "dstPort": 23, "startMs": 1000, "endMs": 1000, "fwdBytes": 60, "fwdPackets": 1,
     "revBytes": 0, "revPackets": 0, "fwdTcpFlags": 0x02, "revTcpFlags": 0},
    {"protocol": 1, "dstPort": 2048, "startMs": 0, "endMs": 5, "fwdBytes": 84, "fwdPackets": 1,
     "revBytes": 84, "revPackets": 1, "fwdTcpFlags": 0x12, "revTcpFlags": 0x01},
    {"protocol": 17, "dstPort": 0, "startMs": 10, "endMs": 5, "fwdBytes": 0, "fwdPackets": 0,
     "revBytes": 0, "revPackets": 0, "fwdTcpFlags": 0, "revTcpFlags": 0},
    {"protocol": 132, "dstPort": 49152, "startMs": 0, "endMs": 7_200_000, "fwdBytes": 123456789,
     "fwdPackets": 100000, "revBytes": 1, "revPackets": 1, "fwdTcpFlags": 0, "revTcpFlags": 0},
    {"protocol": 47, "dstPort": 80, "startMs": 0, "endMs": 1, "fwdBytes": 100, "fwdPackets": 1,
     "revBytes": 0, "revPackets": 0, "fwdTcpFlags": 0, "revTcpFlags": 0},
    {"protocol": 6, "dstPort": 65535, "startMs": 5, "endMs": 3_600_005, "fwdBytes": 40, "fwdPackets": 1,
     "revBytes": 40, "revPackets": 1, "fwdTcpFlags": 0x04, "revTcpFlags": 0x14},
    {"protocol": 6, "dstPort": 70000, "startMs": 0, "endMs": 1, "fwdBytes": 0, "fwdPackets": 0,
     "revBytes": 52, "revPackets": 1, "fwdTcpFlags": 0, "revTcpFlags": 0x12},
    {"protocol": 6, "dstPort": 8080, "startMs": 1000.25, "endMs": 1002.75, "fwdBytes": 120, "fwdPackets": 2,
     "revBytes": 60, "revPackets": 1, "fwdTcpFlags": 0x1B, "revTcpFlags": 0x12},
    {"protocol": 58, "dstPort": 0, "startMs": 0, "endMs": 0, "fwdBytes": 0.5, "fwdPackets": 3,
     "revBytes": 0, "revPackets": 0, "fwdTcpFlags": 0x3F, "revTcpFlags": 0xFF},
]


def _floats(a: np.ndarray) -> list:
    return np.asarray(a, dtype=np.float32).astype(np.float64).tolist()


def _dump(path: Path, obj: dict) -> None:
    path.write_text(json.dumps(obj, separators=(",", ":")) + "\n", encoding="utf-8")


def _pick(n_total: int, n: int, rng: np.random.Generator) -> np.ndarray:
    return np.sort(rng.choice(n_total, size=min(n, n_total), replace=False))


def golden_and_parity(out: Path, corpus: Corpus, cls: modeling.OnnxScorer, iso: modeling.OnnxScorer) -> None:
    rng = np.random.default_rng(FIXTURE_SEED)
    rows, meta = [], []
    for ds in DATASETS:
        frame, X = corpus.part(ds, "test")
        for label in (0, 1):
            idx = np.flatnonzero(frame["label"].to_numpy() == label)
            take = rng.choice(idx, size=min(3, len(idx)), replace=False)
            rows.append(X[take])
            meta += [{"dataset": ds, "rowKey": k, "attack": a}
                     for k, a in zip(frame["row_key"].iloc[take], frame["attack"].iloc[take])]
    Xg = np.concatenate(rows)
    golden = {
        "description": "Golden inputs (test-split rows) and the outputs onnxruntime (Python) gave for them",
        "rows": meta,
        "features": [_floats(r) for r in Xg],
        "classifier": {
            "attack_probability": _floats(cls.run(Xg, modeling.ATTACK_OUTPUT)[:, 0]),
            "probabilities": [_floats(r) for r in cls.run(Xg, "probabilities")],
            "label": [int(v) for v in cls.run(Xg, "label")],
        },
        "anomaly": {"anomaly_score": _floats(iso.run(Xg, modeling.ANOMALY_OUTPUT)[:, 0])},
    }
    _dump(out / "golden.json", golden)

    per = PARITY_ROWS // len(DATASETS)
    parts = []
    for i, ds in enumerate(DATASETS):
        _, X = corpus.part(ds, "test")
        n = per if i < len(DATASETS) - 1 else PARITY_ROWS - per * (len(DATASETS) - 1)
        parts.append(X[_pick(len(X), n, rng)])
    Xp = np.concatenate(parts)
    parity = {
        "description": f"{len(Xp)} test-split feature rows with Python onnxruntime scores",
        "features": [_floats(r) for r in Xp],
        "attack_probability": _floats(cls.run(Xp, modeling.ATTACK_OUTPUT)[:, 0]),
        "anomaly_score": _floats(iso.run(Xp, modeling.ANOMALY_OUTPUT)[:, 0]),
    }
    _dump(out / "parity-1000.json", parity)


def _lines(path: Path) -> list[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        return [line.rstrip("\r\n") for line in fh]


def feature_parity(out: Path, corpus: Corpus, spec: dict, data_root: Path) -> None:
    rng = np.random.default_rng(FIXTURE_SEED + 1)
    n = FEATURE_ROWS_PER_FORMAT
    cases = {}

    nf_lines = _lines(data_root / "nf-bot-iot-v2-reduced" / "botiot_reduced.csv.gz")
    nf_header, nf_body = nf_lines[0], nf_lines[1:]
    nf_frame = corpus.frames[NF_DATASET]
    nf_take = np.concatenate([
        rng.choice(np.flatnonzero(nf_frame["stratum"].to_numpy() == s), size=min(n // 5, (nf_frame["stratum"] == s).sum()),
                   replace=False)
        for s in sorted(nf_frame["stratum"].unique())
    ])
    nf_rows = [nf_body[i] for i in np.sort(nf_take)]
    raw = pd.read_csv(io.StringIO("\n".join([nf_header, *nf_rows]) + "\n"))
    cases["nf_v2"] = {"header": nf_header, "rows": nf_rows,
                      "features": [_floats(r) for r in features.extract(biflow_from_nf(raw), spec)]}

    cic_dir = data_root / "cic-ids2017-improved-sampled" / "rnd_5000"
    cic_rows, cic_header = [], None
    files = sorted(cic_dir.glob("*.csv"))
    for path in files:
        lines = _lines(path)
        cic_header = lines[0]
        body = [x for x in lines[1:] if x]
        k = max(1, n // len(files))
        cic_rows += [body[i] for i in _pick(len(body), k, rng)]
    raw = pd.read_csv(io.StringIO("\n".join([cic_header, *cic_rows]) + "\n"))
    cases["cicflowmeter"] = {"header": cic_header, "rows": cic_rows,
                             "features": [_floats(r) for r in features.extract(biflow_from_cic(raw), spec)]}

    # Contiguous runs of each log (one stream), so that the host-context features see real neighbours.
    zeek_rows = []
    for capture in IOT23_CAPTURES:
        body = [x for x in _lines(data_root / "iot-23" / capture / "conn.log.labeled") if x and not x.startswith("#")]
        k = n // len(IOT23_CAPTURES)
        start = int(rng.integers(0, max(1, len(body) - k)))
        zeek_rows += body[start : start + k]
    parsed = pd.DataFrame([parse_zeek_line(x)[: len(ZEEK_FIELDS)] for x in zeek_rows], columns=ZEEK_FIELDS)
    cases["zeek_conn"] = {"rows": zeek_rows,
                          "features": [_floats(r) for r in features.extract(biflow_from_zeek(parsed), spec)]}

    flows = [r["flow"] for r in samples.sample_rows(corpus, n // len(DATASETS))]
    flows += [{"exporter": "edge-case", "srcAddr": "10.0.0.1", "dstAddr": "10.0.0.2", "srcPort": 40000} | e
              for e in EDGE_FLOWS]
    cases["biflow"] = {"rows": flows,
                       "features": [_floats(r) for r in features.extract(biflow_from_records(flows), spec)]}

    _dump(out / "feature-parity.json", {
        "description": "Raw records per input format and the feature vectors Python computed from them. "
        "zeek_conn and biflow rows form one flow stream each (host context over the listed rows, in "
        "(endMs, position) order); nf_v2 and cicflowmeter rows are isolated (spec context.sources)",
        "featureNames": [f["name"] for f in spec["features"]],
        "cases": cases,
    })


def write_all(out: Path, corpus: Corpus, spec: dict, cls, iso, data_root: Path) -> None:
    folder = out / "fixtures"
    folder.mkdir(exist_ok=True)
    golden_and_parity(folder, corpus, cls, iso)
    feature_parity(folder, corpus, spec, data_root)
