"""Committed replay sample: real flows from the held-out test splits in BiFlow form, plus a short pcap excerpt."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pandas as pd

from .data import Corpus
from .sources import DATASETS, NF_DATASET, biflow_records

SAMPLE_SEED = 4242
ROWS_PER_DATASET = 1000
PCAP_SOURCE = ("CTU-IoT-Malware-Capture-34-1", "2018-12-21-15-50-14-192.168.1.195.irc.pcap")
PCAP_EXCERPT = "iot23-34-1-irc-tail.pcap"
PCAP_MAX_BYTES = 900_000
# Benign traffic for the demo's batches: the end of the benign Philips Hue capture, i.e. its held-out
# (latest 20 %) part, never the part the models were trained on.
BENIGN_PCAP_SOURCE = ("CTU-Honeypot-Capture-4-1", "2018-09-14-13-40-25-Philips-Hue-Bridge.pcap")
BENIGN_PCAP_EXCERPT = "iot23-4-1-hue-tail.pcap"
BENIGN_PCAP_MAX_BYTES = 480_000


def sample_frame(corpus: Corpus, dataset: str, n: int) -> pd.DataFrame:
    frame, _ = corpus.part(dataset, "test")
    rng = np.random.default_rng(SAMPLE_SEED)
    if dataset == NF_DATASET:
        benign = np.flatnonzero(frame["label"].to_numpy() == 0)
        attack = np.flatnonzero(frame["label"].to_numpy() == 1)
        if len(benign) > n // 2:
            benign = rng.choice(benign, size=n // 2, replace=False)
        take = np.concatenate([benign, rng.choice(attack, size=n - len(benign), replace=False)])
    else:
        take = rng.choice(len(frame), size=min(n, len(frame)), replace=False)
    return frame.iloc[np.sort(take)]


def sample_rows(corpus: Corpus, n: int = ROWS_PER_DATASET) -> list[dict]:
    rows = []
    for ds in DATASETS:
        frame = sample_frame(corpus, ds, n)
        for rec, meta in zip(biflow_records(frame), frame.itertuples(index=False)):
            rows.append(
                {
                    "flow": rec,
                    "dataset": ds,
                    "rowKey": meta.row_key,
                    "label": int(meta.label),
                    "attack": str(meta.attack),
                    "family": str(meta.family),
                }
            )
    return rows


def _packet_spans(data: bytes, source: Path) -> list[tuple[int, int]]:
    """(start, end) of every whole packet record of a classic pcap, after its 24-byte global header."""
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise ValueError(f"{source} is not a classic pcap file")
    spans, pos = [], 24
    while pos + 16 <= len(data):
        end = pos + 16 + struct.unpack(endian + "I", data[pos + 8 : pos + 12])[0]
        if end > len(data):
            break
        spans.append((pos, end))
        pos = end
    return spans


def _tail_start(spans: list[tuple[int, int]], max_bytes: int) -> int:
    """Index of the first packet of the longest tail that fits in max_bytes with the global header."""
    budget, start = max_bytes - 24, len(spans)
    while start > 0 and spans[-1][1] - spans[start - 1][0] <= budget:
        start -= 1
    return start


def pcap_tail_excerpt(src: Path, dst: Path, max_bytes: int) -> int:
    """Copies the global header and whole trailing packets of a classic pcap, up to max_bytes in all."""
    data = src.read_bytes()
    spans = _packet_spans(data, src)
    start = _tail_start(spans, max_bytes)
    body = data[spans[start][0] : spans[-1][1]] if start < len(spans) else b""
    dst.write_bytes(data[:24] + body)
    return len(spans) - start


def tail_start_ms(src: Path, max_bytes: int) -> int:
    """Capture time (ms, rounded down) of the first packet pcap_tail_excerpt keeps."""
    data = src.read_bytes()
    spans = _packet_spans(data, src)
    start = _tail_start(spans, max_bytes)
    if start >= len(spans):
        raise ValueError(f"{src} has no packet that fits in {max_bytes} bytes")
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nanos = data[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    sec, frac = struct.unpack(endian + "II", data[spans[start][0] : spans[start][0] + 8])
    return sec * 1000 + (frac // 1_000_000 if nanos else frac // 1000)


def excerpt_starts_ms(data_root: Path) -> dict[str, int]:
    """Per IoT-23 capture, when its shipped replay excerpt starts: training keeps out what follows."""
    return {
        capture: tail_start_ms(data_root / "iot-23" / capture / name, limit)
        for (capture, name), limit in ((PCAP_SOURCE, PCAP_MAX_BYTES), (BENIGN_PCAP_SOURCE, BENIGN_PCAP_MAX_BYTES))
    }


README = """# Replay sample

Real flows for demos and tests, so the product runs without `../shared/data`.

- `flows-sample.jsonl`: {n} flows, one JSON object per line: `flow` (a BiFlow, as
  `gateway/src/flow/biflow.ts` defines it), `dataset`, `rowKey` (dataset row it came from), `label` (0 benign,
  1 attack), `attack` (the dataset's class) and `family` (CityLedger's common family). Up to {per} flows per
  dataset, drawn with seed {seed} from the held-out **test** splits only (never training data); for
  NF-BoT-IoT-v2 every benign test flow is included (up to half the dataset's rows). Times are integer milliseconds: IoT-23 flows keep their
  Zeek start time, CIC-IDS2017 flows their (timezone-naive) CICFlowMeter timestamp read as UTC, and NF-BoT-IoT-v2
  flows, which carry no timestamp, start at 0. Bytes and flags follow the source mappings of
  `models/feature-spec.json` (`biflow[].sources`). Replayed through a gateway, these flows get host context
  from the other sample flows only (a thin random draw; all NF-BoT-IoT-v2 flows at time 0), so their scores
  differ from the model cards', which come from the full splits.
- `{pcap}`: the last {pcap_packets} packets ({pcap_bytes} bytes) of IoT-23 capture 34-1's IRC subset
  (`{pcap_src}`): Mirai C&C traffic between 192.168.1.195 and 185.244.25.235:6667, from the capture's
  last hours (held out from training: validation and test periods of the conn-log rows, test period of
  the gateway-view rows). Replay it through a flow
  exporter, e.g. `softflowd -r {pcap} -n 127.0.0.1:<collector port> -v 9`; ground truth: anything to
  185.244.25.235:6667 is C&C.
- `{benign_pcap}`: the last {benign_packets} packets ({benign_bytes} bytes) of IoT-23's benign capture 4-1
  (`{benign_src}`): a Philips Hue bridge's own traffic, labelled benign throughout. The pcap is another recording than the
  capture's labelled conn log (pcap: 2018-09-14 on 192.168.100.0/24; conn log: 2018-10-25/26 on
  192.168.1.0/24). Training uses the pcap's earlier flows as the gateway sees them (`flowml/gateway_view.py`);
  every flow that ends after this excerpt starts is a test row, so none of the excerpt was trained on. The
  demo replays it so that benign flows are logged and anchored in Merkle batches.

Regenerated by `models/scripts/train.sh` (deterministic).

## Attribution

- NF-BoT-IoT-v2: M. Sarhan, S. Layeghy, M. Portmann, "Towards a Standard Feature Set for Network Intrusion
  Detection System Datasets", Mobile Networks and Applications 2022, doi:10.1007/s11036-021-01843-0; reduced
  subset by Bertoli et al., Computers & Security 2023, doi:10.1016/j.cose.2023.103106. Research use.
- IoT-23: S. Garcia, A. Parmisano, M. J. Erquiaga, "IoT-23: A labeled dataset with malicious and benign IoT
  network traffic", Stratosphere Laboratory 2020, doi:10.5281/zenodo.4743746 (believed CC BY 4.0, not verified).
- CIC-IDS2017: I. Sharafaldin, A. H. Lashkari, A. A. Ghorbani, ICISSP 2018; improved release: G. Engelen,
  V. Rimmer, W. Joosen, IEEE SPW/WTMC 2021, and L. Liu, G. Engelen, T. Lynar, D. Essam, W. Joosen, IEEE CNS 2022.
  Research use with citation; the improved archive's licence was not found: keep internal until confirmed.
"""


def write_all(out: Path, corpus: Corpus, data_root: Path, smoke: bool) -> None:
    folder = out / "samples"
    folder.mkdir(exist_ok=True)
    rows = sample_rows(corpus, 50 if smoke else ROWS_PER_DATASET)
    with open(folder / "flows-sample.jsonl", "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, separators=(",", ":")) + "\n")
    src = data_root / "iot-23" / PCAP_SOURCE[0] / PCAP_SOURCE[1]
    packets = pcap_tail_excerpt(src, folder / PCAP_EXCERPT, PCAP_MAX_BYTES)
    benign_src = data_root / "iot-23" / BENIGN_PCAP_SOURCE[0] / BENIGN_PCAP_SOURCE[1]
    benign_packets = pcap_tail_excerpt(benign_src, folder / BENIGN_PCAP_EXCERPT, BENIGN_PCAP_MAX_BYTES)
    (folder / "README.md").write_text(
        README.format(
            n=len(rows), per=ROWS_PER_DATASET, seed=SAMPLE_SEED, pcap=PCAP_EXCERPT, pcap_packets=packets,
            pcap_bytes=(folder / PCAP_EXCERPT).stat().st_size, pcap_src="/".join(PCAP_SOURCE),
            benign_pcap=BENIGN_PCAP_EXCERPT, benign_packets=benign_packets,
            benign_bytes=(folder / BENIGN_PCAP_EXCERPT).stat().st_size, benign_src="/".join(BENIGN_PCAP_SOURCE),
        ),
        encoding="utf-8",
    )

