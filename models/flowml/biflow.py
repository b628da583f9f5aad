"""The canonical bidirectional flow every input format is converted to (mirrors gateway/src/flow/biflow.ts).

A BiFlow frame is a pandas DataFrame with at least these numeric columns:
  duration_ms, protocol, dst_port, fwd_bytes, fwd_pkts, rev_bytes, rev_pkts, fwd_flags, rev_flags
plus bookkeeping columns (dataset, row_key, ts, label, attack, family, src_addr, dst_addr, src_port).
Bytes are IP-layer bytes (IP header + payload), as a NetFlow/IPFIX exporter counts them.
Flags are the cumulative OR of TCP flags seen in that direction (0 for non-TCP).
"""

FIN = 0x01
SYN = 0x02
RST = 0x04
PSH = 0x08
ACK = 0x10
URG = 0x20

CORE_COLUMNS = (
    "duration_ms",
    "protocol",
    "dst_port",
    "fwd_bytes",
    "fwd_pkts",
    "rev_bytes",
    "rev_pkts",
    "fwd_flags",
    "rev_flags",
)

# Common attack-family taxonomy across the three datasets. Index 0 must stay "benign".
FAMILIES = ("benign", "dos", "scan", "c2", "bruteforce", "other")

FAMILY_OF_CLASS = {
    # NF-BoT-IoT-v2 `Attack`
    "Benign": "benign",
    "DoS": "dos",
    "DDoS": "dos",
    "Reconnaissance": "scan",
    "Theft": "other",
    # IoT-23 `detailed-label` (label benign -> "benign")
    "PartOfAHorizontalPortScan": "scan",
    "C&C": "c2",
    "C&C-FileDownload": "c2",
    "FileDownload": "other",
    # CIC-IDS2017 improved `Label`
    "BENIGN": "benign",
    "Botnet": "c2",
    "DoS GoldenEye": "dos",
    "DoS Hulk": "dos",
    "DoS Slowhttptest": "dos",
    "DoS Slowloris": "dos",
    "FTP-Patator": "bruteforce",
    "SSH-Patator": "bruteforce",
    "Web Attack - Brute Force": "bruteforce",
    "Heartbleed": "other",
    "Infiltration": "other",
    "Infiltration - Portscan": "scan",
    "Portscan": "scan",
    "Web Attack - SQL Injection": "other",
    "Web Attack - XSS": "other",
}
