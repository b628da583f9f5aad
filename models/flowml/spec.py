"""The feature spec: the contract between training (this package) and the gateway (gateway/src/features).

`build_spec()` returns the document written to models/feature-spec.json. Its sha256 over the RFC 8785
canonical JSON (canonical.canonical_sha256) is the value registered on chain and compiled into the
gateway as FEATURE_SPEC_SHA256. Python computes features by interpreting `features[].transform`
(features.py); the gateway implements the same transforms in TypeScript, checked by parity tests.
Only integers and strings appear in the document, so its canonical form is unambiguous.
"""

from __future__ import annotations

from .biflow import ACK, FIN, RST, SYN
from .context import MAX_FLOWS_PER_SOURCE, WINDOW_MS

SPEC_NAME = "cityledger-flow-core"
SPEC_VERSION = 2
PORT_PROTOCOLS = [6, 17, 132]
MAX_DURATION_MS = 3_600_000

FORMATS = {
    "biflow": "CityLedger BiFlow (gateway/src/flow/biflow.ts): two NetFlow v9 / IPFIX unidirectional records "
    "paired by the flow collector; forward = the direction seen first (initiator)",
    "zeek_conn": "Zeek conn.log record (IoT-23 conn.log.labeled); orig = forward, resp = reverse",
    "nf_v2": "NetFlow v2 CSV of the NF-*-v2 datasets (nProbe fields); IN = client->server = forward, "
    "OUT = server->client = reverse",
    "cicflowmeter": "CICFlowMeter CSV (CIC-IDS2017 improved release); Fwd = direction of the first packet = forward",
}

# BiFlow quantities every feature is computed from, with their source field per input format.
BIFLOW_FIELDS = [
    {
        "name": "duration_ms",
        "unit": "ms",
        "definition": "time from the first to the last packet of either direction, in whole milliseconds "
        "(the resolution of NetFlow v9/IPFIX exporters): finer sources are rounded half up, floor(x + 0.5)",
        "sources": {
            "biflow": "endMs - startMs (negative -> 0; the feature transform rounds it to whole ms)",
            "zeek_conn": "floor(duration (s) * 1000 + 0.5); '-' -> 0",
            "nf_v2": "FLOW_DURATION_MILLISECONDS, unwrapped: v > 2147483 ? 4294967 - v : v (most NF-v2 rows "
            "store 2^32/1000 - duration)",
            "cicflowmeter": "floor(max(Flow Duration (us), 0) / 1000 + 0.5)",
        },
    },
    {
        "name": "protocol",
        "unit": "IANA protocol number",
        "definition": "IP protocol of the flow",
        "sources": {
            "biflow": "protocol",
            "zeek_conn": "proto: tcp -> 6, udp -> 17, icmp -> 1, anything else -> 0",
            "nf_v2": "PROTOCOL",
            "cicflowmeter": "Protocol",
        },
    },
    {
        "name": "dst_port",
        "unit": "port number",
        "definition": "responder's transport port (only bucketed, never used raw)",
        "sources": {
            "biflow": "dstPort",
            "zeek_conn": "id.resp_p",
            "nf_v2": "L4_DST_PORT",
            "cicflowmeter": "Dst Port",
        },
    },
    {
        "name": "fwd_bytes",
        "unit": "bytes (IP layer: IP header + payload)",
        "definition": "bytes sent by the initiator",
        "sources": {
            "biflow": "fwdBytes (NetFlow IN_BYTES / IPFIX octetDeltaCount of the forward record)",
            "zeek_conn": "orig_ip_bytes",
            "nf_v2": "IN_BYTES",
            "cicflowmeter": "Total Length of Fwd Packet + max(Fwd Header Length, 0) + 20 * Total Fwd Packet "
            "(CIC counts L4 payload only; add L4 and a 20-byte IPv4 header per packet)",
        },
    },
    {
        "name": "fwd_pkts",
        "unit": "packets",
        "definition": "packets sent by the initiator",
        "sources": {
            "biflow": "fwdPackets",
            "zeek_conn": "orig_pkts",
            "nf_v2": "IN_PKTS",
            "cicflowmeter": "Total Fwd Packet",
        },
    },
    {
        "name": "rev_bytes",
        "unit": "bytes (IP layer)",
        "definition": "bytes sent by the responder (0 when no reverse direction was seen)",
        "sources": {
            "biflow": "revBytes",
            "zeek_conn": "resp_ip_bytes",
            "nf_v2": "OUT_BYTES",
            "cicflowmeter": "Total Length of Bwd Packet + max(Bwd Header Length, 0) + 20 * Total Bwd packets",
        },
    },
    {
        "name": "rev_pkts",
        "unit": "packets",
        "definition": "packets sent by the responder",
        "sources": {
            "biflow": "revPackets",
            "zeek_conn": "resp_pkts",
            "nf_v2": "OUT_PKTS",
            "cicflowmeter": "Total Bwd packets",
        },
    },
    {
        "name": "fwd_flags",
        "unit": "TCP flag bits (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, URG 32)",
        "definition": "OR of the TCP flags of the initiator's packets; 0 unless protocol is 6",
        "sources": {
            "biflow": "fwdTcpFlags",
            "zeek_conn": "from history, upper-case letters: S -> SYN, H -> SYN|ACK, A -> ACK, D -> ACK, "
            "F -> FIN, R -> RST; other letters ignored",
            "nf_v2": "CLIENT_TCP_FLAGS",
            "cicflowmeter": "SYN if SYN Flag Count >= 1; ACK if ACK Flag Count > Total Bwd packets; FIN if "
            "FIN Flag Count >= 1; RST/PSH/URG if Fwd RST/PSH/URG Flags > 0 (CIC sums SYN/ACK/FIN over both "
            "directions: approximation)",
        },
    },
    {
        "name": "rev_flags",
        "unit": "TCP flag bits",
        "definition": "OR of the TCP flags of the responder's packets; 0 unless protocol is 6",
        "sources": {
            "biflow": "revTcpFlags",
            "zeek_conn": "from history, lower-case letters, same mapping as fwd_flags",
            "nf_v2": "SERVER_TCP_FLAGS",
            "cicflowmeter": "only if Total Bwd packets > 0: SYN if SYN Flag Count >= 2; ACK if ACK Flag Count "
            ">= 1; FIN if FIN Flag Count >= 2; RST/PSH/URG if Bwd RST/PSH/URG Flags > 0 (approximation)",
        },
    },
]


def _log1p(name: str, inp: str, unit: str, definition: str, clip_max: int | None = None,
           round_half_up: bool = False) -> dict:
    transform: dict = {"op": "log1p", "input": inp, "clipMin": 0}
    if round_half_up:
        transform["round"] = "half_up"
    if clip_max is not None:
        transform["clipMax"] = clip_max
    return {"name": name, "unit": unit, "definition": definition, "transform": transform}


def _flag(name: str, inp: str, mask: int, flag: str) -> dict:
    side = "initiator" if inp == "fwd_flags" else "responder"
    return {
        "name": name,
        "unit": "0/1",
        "definition": f"1 if the flow is TCP and the {side} sent a packet with {flag} set",
        "transform": {"op": "tcp_flag", "inputs": [inp], "mask": mask},
    }


def build_features() -> list[dict]:
    feats = [
        _log1p(
            "duration_log",
            "duration_ms",
            "log(1 + ms)",
            f"log1p of the flow duration rounded to whole ms, clipped to [0, {MAX_DURATION_MS}] (exporters "
            "split long flows at different timeouts)",
            MAX_DURATION_MS,
            round_half_up=True,
        ),
        {
            "name": "proto_tcp",
            "unit": "0/1",
            "definition": "protocol is TCP (6)",
            "transform": {"op": "in_set", "input": "protocol", "values": [6]},
        },
        {
            "name": "proto_udp",
            "unit": "0/1",
            "definition": "protocol is UDP (17)",
            "transform": {"op": "in_set", "input": "protocol", "values": [17]},
        },
        {
            "name": "proto_icmp",
            "unit": "0/1",
            "definition": "protocol is ICMP or ICMPv6 (1, 58)",
            "transform": {"op": "in_set", "input": "protocol", "values": [1, 58]},
        },
        {
            "name": "proto_other",
            "unit": "0/1",
            "definition": "protocol is none of 6, 17, 1, 58",
            "transform": {"op": "not_in_set", "input": "protocol", "values": [6, 17, 1, 58]},
        },
        {
            "name": "dport_none",
            "unit": "0/1",
            "definition": "no usable responder port: protocol not in portProtocols, or port outside 1..65535",
            "transform": {"op": "port_none", "input": "dst_port", "portProtocols": PORT_PROTOCOLS},
        },
        {
            "name": "dport_well_known",
            "unit": "0/1",
            "definition": "responder port in 1..1023 (IANA system ports)",
            "transform": {
                "op": "port_range",
                "input": "dst_port",
                "portProtocols": PORT_PROTOCOLS,
                "min": 1,
                "max": 1023,
            },
        },
        {
            "name": "dport_registered",
            "unit": "0/1",
            "definition": "responder port in 1024..49151 (IANA user ports)",
            "transform": {
                "op": "port_range",
                "input": "dst_port",
                "portProtocols": PORT_PROTOCOLS,
                "min": 1024,
                "max": 49151,
            },
        },
        {
            "name": "dport_dynamic",
            "unit": "0/1",
            "definition": "responder port in 49152..65535 (IANA dynamic/private ports)",
            "transform": {
                "op": "port_range",
                "input": "dst_port",
                "portProtocols": PORT_PROTOCOLS,
                "min": 49152,
                "max": 65535,
            },
        },
        _log1p("fwd_bytes_log", "fwd_bytes", "log(1 + bytes)", "log1p of the initiator's IP bytes"),
        _log1p("rev_bytes_log", "rev_bytes", "log(1 + bytes)", "log1p of the responder's IP bytes"),
        _log1p("fwd_pkts_log", "fwd_pkts", "log(1 + packets)", "log1p of the initiator's packets"),
        _log1p("rev_pkts_log", "rev_pkts", "log(1 + packets)", "log1p of the responder's packets"),
        {
            "name": "fwd_bytes_per_pkt_log",
            "unit": "log(1 + bytes/packet)",
            "definition": "log1p of the initiator's mean IP packet size; 0 when it sent no packet",
            "transform": {"op": "log1p_ratio", "numerator": "fwd_bytes", "denominator": "fwd_pkts"},
        },
        {
            "name": "rev_bytes_per_pkt_log",
            "unit": "log(1 + bytes/packet)",
            "definition": "log1p of the responder's mean IP packet size; 0 when it sent no packet",
            "transform": {"op": "log1p_ratio", "numerator": "rev_bytes", "denominator": "rev_pkts"},
        },
        _flag("syn_fwd", "fwd_flags", SYN, "SYN"),
        _flag("syn_rev", "rev_flags", SYN, "SYN"),
        _flag("ack_fwd", "fwd_flags", ACK, "ACK"),
        _flag("ack_rev", "rev_flags", ACK, "ACK"),
        {
            "name": "fin_any",
            "unit": "0/1",
            "definition": "1 if the flow is TCP and either side sent FIN (direction of FIN is not reliable in CIC data)",
            "transform": {"op": "tcp_flag", "inputs": ["fwd_flags", "rev_flags"], "mask": FIN},
        },
        _flag("rst_fwd", "fwd_flags", RST, "RST"),
        _flag("rst_rev", "rev_flags", RST, "RST"),
        *[dict(f) for f in CONTEXT_FEATURES],
    ]
    for i, feat in enumerate(feats):
        feat["index"] = i
    return feats


CONTEXT = {
    "description": "Host context: counts and fractions over the recent flows of the same originator (source) "
    "address. Addresses are only compared for equality and counted, never used as values.",
    "windowMs": WINDOW_MS,
    "maxFlowsPerSource": MAX_FLOWS_PER_SOURCE,
    "order": "a flow stream (the flows one gateway receives; one Zeek conn log) is processed in order of "
    "(endMs, position in the stream): ties in endMs keep the stream's order. The gateway processes flows in "
    "the order the collector emits them (roughly end order); training sorts each stream by (endMs, line).",
    "members": "context C(i) of flow i = among the last maxFlowsPerSource flows with the same srcAddr processed "
    "up to and including i (i itself is one of them), those whose endMs e satisfies endMs(i) - windowMs <= e "
    "<= endMs(i). C(i) always contains i, so every count is >= 1 and every fraction is defined",
    "quantities": {
        "flows": "|C(i)|",
        "dst_addrs": "number of distinct dstAddr strings in C(i)",
        "dst_ports": "number of distinct (protocol, dstPort) pairs in C(i)",
        "unanswered": "share of C(i) with revPackets <= 0 (no packet from the responder)",
        "reset": "share of C(i) that is TCP (protocol 6) with RST (0x04) in fwdTcpFlags | revTcpFlags",
        "same_dst": "share of C(i) with dstAddr equal to flow i's dstAddr",
    },
    "isolated": "a flow whose stream gives no usable address or time is scored in isolation: C(i) = {i}, so "
    "flows = dst_addrs = dst_ports = same_dst = 1 and unanswered/reset are the flow's own 0/1",
    "sources": {
        "biflow": "srcAddr, dstAddr (strings as the collector writes them), endMs",
        "zeek_conn": "id.orig_h, id.resp_h; endMs = floor(ts (s) * 1000 + 0.5) + floor(duration (s) * 1000 + "
        "0.5) ('-' duration -> 0); one conn log = one stream; only records with a packet in either direction "
        "(an exporter never reports a flow without packets)",
        "nf_v2": "isolated: the NF-v2 CSV has addresses but no timestamps, and the reduced NF-BoT-IoT-v2 set is "
        "a random 0.7% subsample, so neighbours within a window are neither known nor present",
        "cicflowmeter": "isolated: the CSV has Src IP, Dst IP and Timestamp, but the CIC-IDS2017 set used here is "
        "a per-class capped sample (all of a small attack class, 0.3% of BENIGN), so in-sample context would "
        "encode the class sampling rate (the label), not host behaviour",
    },
    "gatewayDeviation": "the gateway takes a flow's context from the last maxFlowsPerSource flows of its source "
    "in arrival order, keeping those that end within the flow's window. When flows arrive in end order (the "
    "collector emits them roughly so) this is the definition above. Otherwise a flow misses the flows of its "
    "source that arrive after it but end before it (training order would count them). The gateway also "
    "forgets a source whose newest flow ended more than 5 windows before the flow being processed, and the "
    "least recently seen source when it tracks more sources than its configured limit; such a source "
    "restarts with an empty context.",
}


def _context_feature(name: str, quantity: str, definition: str) -> dict:
    if quantity in ("flows", "dst_addrs", "dst_ports"):
        return {"name": name, "unit": "log(1 + count)", "definition": definition,
                "transform": {"op": "context_log1p", "input": quantity}}
    return {"name": name, "unit": "fraction in [0, 1]", "definition": definition,
            "transform": {"op": "context_fraction", "input": quantity}}


CONTEXT_FEATURES = [
    _context_feature("ctx_flows_log", "flows", "log1p of the number of flows in the host context (this flow "
                     "included)"),
    _context_feature("ctx_dst_addrs_log", "dst_addrs", "log1p of the number of distinct responder addresses in "
                     "the host context"),
    _context_feature("ctx_dst_ports_log", "dst_ports", "log1p of the number of distinct (protocol, responder "
                     "port) pairs in the host context"),
    _context_feature("ctx_unanswered_frac", "unanswered", "share of the host context with no responder packet"),
    _context_feature("ctx_reset_frac", "reset", "share of the host context that is TCP with RST seen"),
    _context_feature("ctx_same_dst_frac", "same_dst", "share of the host context to this flow's responder "
                     "address"),
]


VERDICT_RULE = {
    "inputs": {
        "attackProbability": "flow-classifier output 'attack_probability' [N,1] (1 - P(benign))",
        "anomalyScore": "flow-anomaly output 'anomaly_score' [N,1] in (0, 1], higher = more anomalous",
    },
    "thresholds": "classifier.suspicious, classifier.malicious and anomaly.threshold of the model registry entry "
    "(models/manifest.json, model cards, on-chain registry)",
    "rule": [
        "malicious if attackProbability >= classifier.malicious",
        "else suspicious if attackProbability >= classifier.suspicious or anomalyScore >= anomaly.threshold",
        "else benign",
    ],
    "comparison": "score >= threshold in double precision: the float32 score returned by onnxruntime is "
    "widened to a double (exactly) and compared with the threshold as written in the registry entry (a JSON "
    "number); a missing anomaly model or score makes the anomaly clause false",
    "verdicts": ["benign", "suspicious", "malicious"],
}


def build_spec() -> dict:
    return {
        "name": SPEC_NAME,
        "version": SPEC_VERSION,
        "description": "Ordered features of one bidirectional flow and of its host context (recent flows from "
        "the same originator), computable from a plain NetFlow v9 / IPFIX exporter (softflowd) and from Zeek "
        "conn records. Addresses and end times only define the context; no address, raw port or timestamp "
        "is a feature.",
        "hash": "sha256 (hex) of the RFC 8785 canonical JSON of this whole document; registered on chain; the "
        "gateway refuses a model whose registry entry names another spec hash",
        "input": {"name": "features", "dtype": "float32", "shape": ["N", len(build_features())]},
        "formats": FORMATS,
        "biflow": BIFLOW_FIELDS,
        "context": CONTEXT,
        "transforms": {
            "log1p": "x = input (NaN -> 0); if round is 'half_up', x = floor(x + 0.5); clamp to [clipMin, "
            "clipMax] (clipMax optional); ln(1 + x)",
            "log1p_ratio": "denominator > 0 ? ln(1 + max(numerator, 0) / denominator) : 0",
            "in_set": "1 if input is one of values else 0",
            "not_in_set": "1 if input is none of values else 0",
            "port_none": "1 if protocol is not in portProtocols or input is outside 1..65535 else 0",
            "port_range": "1 if protocol is in portProtocols and min <= input <= max else 0",
            "tcp_flag": "1 if protocol == 6 and (OR of inputs) & mask != 0 else 0",
            "context_log1p": "ln(1 + context quantity `input`) (a count >= 1, see context)",
            "context_fraction": "context quantity `input` (a share in [0, 1], computed as count / flows in "
            "double precision, see context)",
        },
        "features": build_features(),
        "verdictRule": VERDICT_RULE,
        "excluded": "IP addresses as values (they only group flows into host contexts), source port, exact destination port (CIC-IDS2017: Dst Port alone nearly "
        "identifies FTP-Patator 21, SSH-Patator 22, DoS/DDoS/Web 80, Botnet 8080), timestamps, flow ids, "
        "exporter-specific fields (TTL, windows, packet-size histograms, IAT statistics, L7 protocol)",
    }


def feature_names(spec: dict) -> list[str]:
    return [f["name"] for f in spec["features"]]
