"""Adapters: each public dataset's native format -> BiFlow frame (see biflow.py and feature-spec.json `sources`).

Every adapter is vectorised and documented field by field in spec.SOURCES; the TypeScript adapters in
gateway/src/features/sources/ implement the same mapping and are checked against these in jest.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd

from .biflow import ACK, FAMILY_OF_CLASS, FIN, PSH, RST, SYN, URG

NF_DATASET = "nf-bot-iot-v2"
IOT23_DATASET = "iot-23"
CIC_DATASET = "cic-ids2017"
DATASETS = (NF_DATASET, IOT23_DATASET, CIC_DATASET)

# NF-v2 FLOW_DURATION_MILLISECONDS is stored as a wrapped unsigned value for most rows
# (2^32/1000 - duration); values above 2^31/1000 are unwrapped.
NF_DURATION_WRAP = 4294967
NF_DURATION_WRAP_LIMIT = 2147483

ZEEK_FIELDS = (
    "ts uid id.orig_h id.orig_p id.resp_h id.resp_p proto service duration orig_bytes resp_bytes "
    "conn_state local_orig local_resp missed_bytes history orig_pkts orig_ip_bytes resp_pkts "
    "resp_ip_bytes tunnel_parents label detailed-label"
).split()

ZEEK_PROTO = {"tcp": 6, "udp": 17, "icmp": 1}

# Zeek conn `history` letter -> TCP flag bits (upper case: originator, lower case: responder).
ZEEK_HISTORY_FLAGS = {"s": SYN, "h": SYN | ACK, "a": ACK, "d": ACK, "f": FIN, "r": RST}

IOT23_CAPTURES = (
    "CTU-IoT-Malware-Capture-34-1",
    "CTU-IoT-Malware-Capture-42-1",
    "CTU-Honeypot-Capture-4-1",
)


def _with_family(df: pd.DataFrame) -> pd.DataFrame:
    unknown = sorted(set(df["attack"]) - set(FAMILY_OF_CLASS))
    if unknown:
        raise ValueError(f"unknown attack classes: {unknown}")
    df["family"] = df["attack"].map(FAMILY_OF_CLASS)
    df["label"] = (df["family"] != "benign").astype(np.int8)
    return df


# ---------------------------------------------------------------- NF-v2 (NetFlow v2 CSV)


def nf_duration_ms(raw: np.ndarray) -> np.ndarray:
    raw = raw.astype(np.float64)
    return np.where(raw > NF_DURATION_WRAP_LIMIT, NF_DURATION_WRAP - raw, raw)


def biflow_from_nf(df: pd.DataFrame) -> pd.DataFrame:
    """NF-v2 NetFlow columns (nProbe) -> BiFlow. IN = client->server, OUT = server->client."""
    proto = df["PROTOCOL"].to_numpy(np.int64)
    out = pd.DataFrame(
        {
            "duration_ms": nf_duration_ms(df["FLOW_DURATION_MILLISECONDS"].to_numpy()),
            "protocol": proto,
            "dst_port": df["L4_DST_PORT"].to_numpy(np.int64),
            "fwd_bytes": df["IN_BYTES"].to_numpy(np.float64),
            "fwd_pkts": df["IN_PKTS"].to_numpy(np.float64),
            "rev_bytes": df["OUT_BYTES"].to_numpy(np.float64),
            "rev_pkts": df["OUT_PKTS"].to_numpy(np.float64),
            "fwd_flags": np.where(proto == 6, df["CLIENT_TCP_FLAGS"].to_numpy(np.int64), 0),
            "rev_flags": np.where(proto == 6, df["SERVER_TCP_FLAGS"].to_numpy(np.int64), 0),
        }
    )
    return out


def load_nf(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path)
    out = biflow_from_nf(raw)
    out["dataset"] = NF_DATASET
    out["row_key"] = [f"{NF_DATASET}:{i}" for i in range(len(raw))]
    out["stratum"] = raw["Attack"].to_numpy()
    out["attack"] = raw["Attack"].to_numpy()
    out["ts"] = np.nan
    out["src_addr"] = raw["IPV4_SRC_ADDR"].to_numpy()
    out["dst_addr"] = raw["IPV4_DST_ADDR"].to_numpy()
    out["src_port"] = raw["L4_SRC_PORT"].to_numpy(np.int64)
    return _with_family(out)


# ---------------------------------------------------------------- Zeek conn.log (IoT-23 flavour)


def parse_zeek_line(line: str) -> list[str]:
    """One data line of an IoT-23 conn.log.labeled: tabs, except 3 spaces before the last two fields."""
    line = line.rstrip("\r\n")
    head, sep, rest = line.partition("   ")
    if not sep:
        fields = line.split("\t")
    else:
        fields = head.split("\t") + rest.split("   ")
    if len(fields) < 20:
        raise ValueError(f"zeek conn line has {len(fields)} fields: {line[:80]!r}")
    return fields


def zeek_history_flags(history: str) -> tuple[int, int]:
    fwd = 0
    rev = 0
    for ch in history:
        bits = ZEEK_HISTORY_FLAGS.get(ch.lower(), 0)
        if ch.isupper():
            fwd |= bits
        else:
            rev |= bits
    return fwd, rev


def _zeek_num(values: pd.Series) -> np.ndarray:
    return pd.to_numeric(values.replace({"-": "0", "(empty)": "0"}), errors="raise").to_numpy(np.float64)


def whole_ms(ms: np.ndarray) -> np.ndarray:
    """Durations in whole milliseconds, rounded half up (NetFlow v9/IPFIX resolution)."""
    return np.floor(ms + 0.5)


def _zeek_seconds(values: pd.Series) -> np.ndarray:
    # float() per value: correctly rounded, like JavaScript's Number(); pandas' fast parser may differ by an ulp
    return np.array([0.0 if v in ("-", "(empty)") else float(v) for v in values], dtype=np.float64)


def biflow_from_zeek(rows: pd.DataFrame) -> pd.DataFrame:
    """Zeek conn fields (strings, as in the log) -> BiFlow. Unset ('-') numbers count as 0."""
    proto = rows["proto"].map(lambda p: ZEEK_PROTO.get(p, 0)).to_numpy(np.int64)
    flags = [zeek_history_flags(h if h != "-" else "") for h in rows["history"]]
    fwd_flags = np.array([f for f, _ in flags], dtype=np.int64)
    rev_flags = np.array([r for _, r in flags], dtype=np.int64)
    duration_ms = whole_ms(_zeek_seconds(rows["duration"]) * 1000.0)
    return pd.DataFrame(
        {
            "duration_ms": duration_ms,
            "protocol": proto,
            "dst_port": _zeek_num(rows["id.resp_p"]).astype(np.int64),
            "fwd_bytes": _zeek_num(rows["orig_ip_bytes"]),
            "fwd_pkts": _zeek_num(rows["orig_pkts"]),
            "rev_bytes": _zeek_num(rows["resp_ip_bytes"]),
            "rev_pkts": _zeek_num(rows["resp_pkts"]),
            "fwd_flags": np.where(proto == 6, fwd_flags, 0),
            "rev_flags": np.where(proto == 6, rev_flags, 0),
            # host context (feature-spec.json `context.sources.zeek_conn`); addresses are not features
            "ctx_key": rows["id.orig_h"].to_numpy(),
            "dst_addr": rows["id.resp_h"].to_numpy(),
            "end_ms": whole_ms(_zeek_seconds(rows["ts"]) * 1000.0) + duration_ms,
        }
    )


def read_zeek(path: Path) -> pd.DataFrame:
    rows = []
    with open(path, encoding="utf-8", newline="") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            rows.append(parse_zeek_line(line)[: len(ZEEK_FIELDS)])
    return pd.DataFrame(rows, columns=ZEEK_FIELDS)


def load_iot23(root: Path) -> pd.DataFrame:
    """All IoT-23 captures. Rows with no packet in either direction are marked observable=False."""
    frames = []
    for capture in IOT23_CAPTURES:
        rows = read_zeek(root / capture / "conn.log.labeled")
        out = biflow_from_zeek(rows)
        out["dataset"] = IOT23_DATASET
        out["capture"] = capture
        out["line_index"] = np.arange(len(rows))
        out["row_key"] = [f"{IOT23_DATASET}:{capture}:{i}" for i in range(len(rows))]
        benign = rows["label"].str.lower() == "benign"
        out["attack"] = np.where(benign, "Benign", rows["detailed-label"].to_numpy())
        out["stratum"] = out["attack"]
        out["ts"] = _zeek_seconds(rows["ts"])
        out["src_addr"] = rows["id.orig_h"].to_numpy()
        out["src_port"] = _zeek_num(rows["id.orig_p"]).astype(np.int64)
        frames.append(out)
    df = pd.concat(frames, ignore_index=True)
    df["observable"] = (df["fwd_pkts"] + df["rev_pkts"]) > 0
    # One conn log = one flow stream; flows without packets never reach a gateway, so they are not context.
    df["ctx_key"] = np.where(df["observable"], df["capture"] + "|" + df["ctx_key"].astype(str), "")
    return _with_family(df)


# ---------------------------------------------------------------- CICFlowMeter CSV (CIC-IDS2017 improved)

CIC_IP_HEADER_BYTES = 20


def biflow_from_cic(df: pd.DataFrame) -> pd.DataFrame:
    """CICFlowMeter columns -> BiFlow.

    Bytes: L4 payload + L4 header + 20 B IPv4 header per packet (CIC counts payload only).
    Flags: CIC gives SYN/ACK/FIN as counts over both directions, RST/PSH/URG per direction; the
    per-direction bits are derived as documented in feature-spec.json sources.cicflowmeter.
    """
    proto = df["Protocol"].to_numpy(np.int64)
    fpk = df["Total Fwd Packet"].to_numpy(np.float64)
    bpk = df["Total Bwd packets"].to_numpy(np.float64)
    fhdr = np.maximum(df["Fwd Header Length"].to_numpy(np.float64), 0)
    bhdr = np.maximum(df["Bwd Header Length"].to_numpy(np.float64), 0)
    syn = df["SYN Flag Count"].to_numpy(np.int64)
    ack = df["ACK Flag Count"].to_numpy(np.int64)
    fin = df["FIN Flag Count"].to_numpy(np.int64)
    has_rev = bpk > 0
    fwd = (
        np.where(syn >= 1, SYN, 0)
        | np.where(ack > bpk, ACK, 0)
        | np.where(fin >= 1, FIN, 0)
        | np.where(df["Fwd RST Flags"].to_numpy() > 0, RST, 0)
        | np.where(df["Fwd PSH Flags"].to_numpy() > 0, PSH, 0)
        | np.where(df["Fwd URG Flags"].to_numpy() > 0, URG, 0)
    )
    rev = (
        np.where((syn >= 2) & has_rev, SYN, 0)
        | np.where((ack >= 1) & has_rev, ACK, 0)
        | np.where((fin >= 2) & has_rev, FIN, 0)
        | np.where(df["Bwd RST Flags"].to_numpy() > 0, RST, 0)
        | np.where(df["Bwd PSH Flags"].to_numpy() > 0, PSH, 0)
        | np.where(df["Bwd URG Flags"].to_numpy() > 0, URG, 0)
    )
    return pd.DataFrame(
        {
            "duration_ms": whole_ms(np.maximum(df["Flow Duration"].to_numpy(np.float64), 0) / 1000.0),
            "protocol": proto,
            "dst_port": df["Dst Port"].to_numpy(np.int64),
            "fwd_bytes": df["Total Length of Fwd Packet"].to_numpy(np.float64) + fhdr + CIC_IP_HEADER_BYTES * fpk,
            "fwd_pkts": fpk,
            "rev_bytes": df["Total Length of Bwd Packet"].to_numpy(np.float64) + bhdr + CIC_IP_HEADER_BYTES * bpk,
            "rev_pkts": bpk,
            "fwd_flags": np.where(proto == 6, fwd, 0).astype(np.int64),
            "rev_flags": np.where(proto == 6, rev, 0).astype(np.int64),
        }
    )


def load_cic(folder: Path) -> pd.DataFrame:
    frames = []
    for path in sorted(folder.glob("*.csv")):
        raw = pd.read_csv(path)
        out = biflow_from_cic(raw)
        out["dataset"] = CIC_DATASET
        out["row_key"] = [f"{CIC_DATASET}:{path.name}:{i}" for i in range(len(raw))]
        out["attack"] = raw["Label"].to_numpy()
        out["stratum"] = out["attack"]
        out["ts"] = pd.to_datetime(raw["Timestamp"]).astype("int64").to_numpy() / 1e9
        out["src_addr"] = raw["Src IP"].to_numpy()
        out["dst_addr"] = raw["Dst IP"].to_numpy()
        out["src_port"] = raw["Src Port"].to_numpy(np.int64)
        frames.append(out)
    return _with_family(pd.concat(frames, ignore_index=True))


def data_paths(data_root: Path) -> dict[str, Path]:
    return {
        NF_DATASET: data_root / "nf-bot-iot-v2-reduced" / "botiot_reduced.csv.gz",
        IOT23_DATASET: data_root / "iot-23",
        CIC_DATASET: data_root / "cic-ids2017-improved-sampled" / "rnd_5000",
    }


def load_all(data_root: Path) -> dict[str, pd.DataFrame]:
    paths = data_paths(data_root)
    return {
        NF_DATASET: load_nf(paths[NF_DATASET]),
        IOT23_DATASET: load_iot23(paths[IOT23_DATASET]),
        CIC_DATASET: load_cic(paths[CIC_DATASET]),
    }


def open_text(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


# ---------------------------------------------------------------- BiFlow JSON (gateway/src/flow/biflow.ts)


def biflow_from_records(records: list[dict]) -> pd.DataFrame:
    """BiFlow objects (camelCase, as the gateway's collector produces them) -> BiFlow frame."""
    def col(name: str) -> np.ndarray:
        return np.array([float(r[name]) for r in records], dtype=np.float64)

    return pd.DataFrame(
        {
            "duration_ms": np.maximum(col("endMs") - col("startMs"), 0.0),
            "protocol": col("protocol"),
            "dst_port": col("dstPort"),
            "fwd_bytes": col("fwdBytes"),
            "fwd_pkts": col("fwdPackets"),
            "rev_bytes": col("revBytes"),
            "rev_pkts": col("revPackets"),
            "fwd_flags": col("fwdTcpFlags"),
            "rev_flags": col("revTcpFlags"),
            "ctx_key": [str(r["srcAddr"]) for r in records],
            "dst_addr": [str(r["dstAddr"]) for r in records],
            "end_ms": col("endMs"),
        }
    )


def biflow_records(frame: pd.DataFrame) -> list[dict]:
    """BiFlow frame rows (with bookkeeping columns) -> BiFlow objects with integer millisecond times."""
    out = []
    for row in frame.itertuples(index=False):
        # whole ms rounded half up, as the Zeek adapters do (end = start + duration keeps the Zeek endMs)
        start = 0 if not np.isfinite(row.ts) else int(np.floor(row.ts * 1000 + 0.5))
        out.append(
            {
                "exporter": f"dataset:{row.dataset}",
                "startMs": start,
                "endMs": start + int(round(row.duration_ms)),
                "protocol": int(row.protocol),
                "srcAddr": str(row.src_addr),
                "dstAddr": str(row.dst_addr),
                "srcPort": int(row.src_port),
                "dstPort": int(row.dst_port),
                "fwdBytes": int(row.fwd_bytes),
                "fwdPackets": int(row.fwd_pkts),
                "revBytes": int(row.rev_bytes),
                "revPackets": int(row.rev_pkts),
                "fwdTcpFlags": int(row.fwd_flags),
                "revTcpFlags": int(row.rev_flags),
            }
        )
    return out
