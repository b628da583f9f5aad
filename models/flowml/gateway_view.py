"""The IoT-23 captures as a gateway sees them: a training dataset of its own.

The conn-log rows of IoT-23 give host context in end order over Zeek's flows. A gateway instead gets
softflowd's export, which reports a flow when it expires, not when it ends, and computes host context
over the flows in the order they arrive (gateway/src/feature-rows.ts). The same models flag far more
benign flows on that view (bench/real-path.ts), so training also learns from it.

Rows come from `cityledger-gateway features` run over each capture's pcap (Node, the built gateway and
softflowd). Labels are joined from the capture's labelled conn log: a flow takes the labels of the conn
records with the same protocol and endpoints (either direction) that start within its time +-1 s;
malicious if any of them is, benign if all are; a flow no record matches is left out. A capture whose
pcap is another recording than its conn log (no flow matches: 4-1, the benign Philips Hue capture) is
labelled as the capture, benign. Split per capture by end time, 60/20/20 as the conn-log rows; flows
that end at or after the start of a shipped replay excerpt (models/samples) are test rows, so the demo
and the benchmarks replay only held-out traffic.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import numpy as np
import pandas as pd

from . import splits
from .sources import IOT23_CAPTURES, ZEEK_PROTO, _with_family, parse_zeek_line

GATEWAY_VIEW_DATASET = "iot-23-gateway"
MATCH_SLACK_MS = 1_000
BENIGN_CAPTURE_PREFIX = "CTU-Honeypot-"
REPO_DIR = Path(__file__).resolve().parents[2]
GATEWAY_CLI = REPO_DIR / "gateway" / "dist" / "cli.js"


def capture_pcap(data_root: Path, capture: str) -> Path:
    pcaps = sorted((data_root / "iot-23" / capture).glob("*.pcap"))
    if len(pcaps) != 1:
        raise FileNotFoundError(f"expected one pcap in {data_root / 'iot-23' / capture}, found {len(pcaps)}")
    return pcaps[0]


def export_rows(data_root: Path, out_file: Path) -> Path:
    """Runs `cityledger-gateway features` over every IoT-23 capture's pcap into `out_file` (JSONL)."""
    if not GATEWAY_CLI.exists():
        raise RuntimeError(f"{GATEWAY_CLI} is missing: build the gateway first (npx tsc -b gateway)")
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is not on PATH: the gateway view needs the gateway's own feature code")
    pcaps = [str(capture_pcap(data_root, c)) for c in IOT23_CAPTURES]
    subprocess.run([node, str(GATEWAY_CLI), "features", *pcaps, "--out", str(out_file)],
                   check=True, stdout=subprocess.DEVNULL)
    return out_file


def _endpoints(protocol: int, a: str, a_port: int, b: str, b_port: int) -> tuple:
    x, y = (a, a_port), (b, b_port)
    return (protocol, x, y) if x < y else (protocol, y, x)


def _conn_records(path: Path) -> dict[tuple, list[tuple[int, str]]]:
    """(start ms, attack class) of each labelled conn record, by protocol and endpoints."""
    out: dict[tuple, list[tuple[int, str]]] = defaultdict(list)
    with open(path, encoding="utf-8", newline="") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            f = parse_zeek_line(line)
            protocol = ZEEK_PROTO.get(f[6])
            label = f[21].strip().lower() if len(f) > 21 else ""
            if protocol is None or label not in ("benign", "malicious"):
                continue
            attack = "Benign" if label == "benign" else f[22].strip()
            key = _endpoints(protocol, f[2], int(f[3]), f[4], int(f[5]))
            out[key].append((round(float(f[0]) * 1000), attack))
    return out


def _attack_of(row: dict, conn: dict) -> str | None:
    key = _endpoints(row["protocol"], row["srcAddr"], row["srcPort"], row["dstAddr"], row["dstPort"])
    matches = [a for start, a in conn.get(key, ())
               if row["startMs"] - MATCH_SLACK_MS <= start <= row["endMs"] + MATCH_SLACK_MS]
    if not matches:
        return None
    return next((a for a in matches if a != "Benign"), "Benign")


def load(rows_file: Path, data_root: Path, excerpt_starts_ms: dict[str, int]) -> tuple[pd.DataFrame, np.ndarray]:
    """Labelled, split gateway-view rows (a corpus frame and its feature matrix)."""
    by_capture: dict[str, list[dict]] = defaultdict(list)
    with open(rows_file, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                by_capture[Path(row["capture"]).parent.name].append(row)
    frames, xs = [], []
    for capture in IOT23_CAPTURES:
        rows = by_capture.get(capture, [])
        if not rows:
            raise ValueError(f"{rows_file} has no rows of {capture}")
        conn = _conn_records(data_root / "iot-23" / capture / "conn.log.labeled")
        attacks = [_attack_of(r, conn) for r in rows]
        if all(a is None for a in attacks) and capture.startswith(BENIGN_CAPTURE_PREFIX):
            attacks = ["Benign"] * len(rows)
        kept = [(r, a) for r, a in zip(rows, attacks) if a is not None]
        frame = pd.DataFrame({
            "capture": capture,
            "arrival": [r["arrival"] for r, _ in kept],
            "end_ms": np.array([r["endMs"] for r, _ in kept], dtype=np.float64),
            "attack": [a for _, a in kept],
        })
        frame["stratum"] = frame["attack"]
        frame["row_key"] = [f"{GATEWAY_VIEW_DATASET}:{capture}:{r['arrival']}" for r, _ in kept]
        order = frame.sort_values(["end_ms", "arrival"], kind="mergesort").index
        split = pd.Series("", index=frame.index, dtype=object)
        split.loc[order] = splits._assign(len(order), splits.TIME_FRACTIONS)
        cut = excerpt_starts_ms.get(capture)
        if cut is not None:
            split[frame["end_ms"] >= cut] = "test"
        frame["split"] = split
        frames.append(frame)
        xs.append(np.array([r["features"] for r, _ in kept], dtype=np.float32))
    frame = _with_family(pd.concat(frames, ignore_index=True))
    frame["dataset"] = GATEWAY_VIEW_DATASET
    return frame, np.concatenate(xs)
