"""Feature extraction from each input format against hand-checked real rows."""

import io
import math

import numpy as np
import pandas as pd
import pytest
import rows

from flowml import features
from flowml.biflow import ACK, FIN, PSH, RST, SYN
from flowml.sources import (
    ZEEK_FIELDS,
    biflow_from_cic,
    biflow_from_nf,
    biflow_from_records,
    biflow_from_zeek,
    nf_duration_ms,
    parse_zeek_line,
    zeek_history_flags,
)
from flowml.spec import feature_names

L = math.log1p


def vec(spec, **nonzero) -> np.ndarray:
    """Expected feature vector: every flow feature 0 except those given; the host context is that of the
    flow alone (spec context.isolated): 1 flow, 1 address, 1 port, same destination, and unanswered/reset
    from the flow itself unless given."""
    names = feature_names(spec)
    unknown = set(nonzero) - set(names)
    assert not unknown, unknown
    alone = {
        "ctx_flows_log": L(1),
        "ctx_dst_addrs_log": L(1),
        "ctx_dst_ports_log": L(1),
        "ctx_same_dst_frac": 1.0,
        "ctx_unanswered_frac": 0.0 if nonzero.get("rev_pkts_log") else 1.0,
        "ctx_reset_frac": 1.0 if nonzero.get("proto_tcp") and (nonzero.get("rst_fwd") or nonzero.get("rst_rev")) else 0.0,
    }
    return np.array([nonzero.get(n, alone.get(n, 0.0)) for n in names], dtype=np.float32)


def one(frame: pd.DataFrame, spec) -> np.ndarray:
    X = features.extract(frame, spec)
    assert X.shape == (1, len(spec["features"])) and X.dtype == np.float32
    return X[0]


def csv_frame(header: str, line: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(header + "\n" + line + "\n"))


def zeek_frame(line: str) -> pd.DataFrame:
    return pd.DataFrame([parse_zeek_line(line)[: len(ZEEK_FIELDS)]], columns=ZEEK_FIELDS)


# ------------------------------------------------------------------ NF-v2 NetFlow CSV


def test_nf_tcp_row_with_wrapped_duration(spec):
    b = biflow_from_nf(csv_frame(rows.NF_HEADER, rows.NF_DOS_TCP)).iloc[0]
    # FLOW_DURATION_MILLISECONDS 4293498 is stored wrapped: 4294967 - 4293498 = 1469 ms (= DURATION_IN)
    assert b.duration_ms == 1469
    assert (b.fwd_bytes, b.fwd_pkts, b.rev_bytes, b.rev_pkts) == (280, 2, 40, 1)
    assert (b.fwd_flags, b.rev_flags) == (SYN, ACK | RST)  # CLIENT 2, SERVER 20
    x = one(biflow_from_nf(csv_frame(rows.NF_HEADER, rows.NF_DOS_TCP)), spec)
    expected = vec(spec, duration_log=L(1469), proto_tcp=1, dport_well_known=1, fwd_bytes_log=L(280),
                   rev_bytes_log=L(40), fwd_pkts_log=L(2), rev_pkts_log=L(1), fwd_bytes_per_pkt_log=L(140),
                   rev_bytes_per_pkt_log=L(40), syn_fwd=1, ack_rev=1, rst_rev=1)
    np.testing.assert_array_equal(x, expected)


def test_nf_udp_row_has_no_flags_and_no_reverse(spec):
    x = one(biflow_from_nf(csv_frame(rows.NF_HEADER, rows.NF_DDOS_UDP)), spec)
    expected = vec(spec, duration_log=L(1547), proto_udp=1, dport_well_known=1, fwd_bytes_log=L(84),
                   fwd_pkts_log=L(3), fwd_bytes_per_pkt_log=L(28))
    np.testing.assert_array_equal(x, expected)


def test_nf_duration_unwrap_keeps_small_values():
    np.testing.assert_array_equal(nf_duration_ms(np.array([0, 1469, 2147483, 2147484, 4294966])),
                                  [0, 1469, 2147483, 4294967 - 2147484, 1])


# ------------------------------------------------------------------ Zeek conn


def test_zeek_syn_only_attempt(spec):
    x = one(biflow_from_zeek(zeek_frame(rows.ZEEK_SYN_ONLY)), spec)
    expected = vec(spec, duration_log=L(3139), proto_tcp=1, dport_well_known=1, fwd_bytes_log=L(180),
                   fwd_pkts_log=L(3), fwd_bytes_per_pkt_log=L(60), syn_fwd=1)
    np.testing.assert_allclose(x, expected, rtol=1e-6)


def test_zeek_unset_fields_count_as_zero(spec):
    b = biflow_from_zeek(zeek_frame(rows.ZEEK_UNSET)).iloc[0]
    assert b.duration_ms == 0 and b.fwd_pkts == 1 and b.fwd_bytes == 60
    x = one(biflow_from_zeek(zeek_frame(rows.ZEEK_UNSET)), spec)
    expected = vec(spec, proto_tcp=1, dport_well_known=1, fwd_bytes_log=L(60), fwd_pkts_log=L(1),
                   fwd_bytes_per_pkt_log=L(60), syn_fwd=1)
    np.testing.assert_array_equal(x, expected)


def test_zeek_udp_history_letters_are_not_tcp_flags(spec):
    x = one(biflow_from_zeek(zeek_frame(rows.ZEEK_NTP_UDP)), spec)
    expected = vec(spec, duration_log=L(114), proto_udp=1, dport_well_known=1, fwd_bytes_log=L(76),
                   rev_bytes_log=L(76), fwd_pkts_log=L(1), rev_pkts_log=L(1), fwd_bytes_per_pkt_log=L(76),
                   rev_bytes_per_pkt_log=L(76))
    np.testing.assert_allclose(x, expected, rtol=1e-6)


def test_zeek_full_tcp_session_with_crlf(spec):
    b = biflow_from_zeek(zeek_frame(rows.ZEEK_HTTP_DOWNLOAD)).iloc[0]
    # history ShADadttFf: orig S,A,D,F ; resp h,a,d,t,t,f ; IP bytes, not payload bytes
    assert (b.fwd_flags, b.rev_flags) == (SYN | ACK | FIN, SYN | ACK | FIN)
    assert (b.fwd_bytes, b.fwd_pkts, b.rev_bytes, b.rev_pkts) == (3371, 54, 69224, 50)
    x = one(biflow_from_zeek(zeek_frame(rows.ZEEK_HTTP_DOWNLOAD)), spec)
    expected = vec(spec, duration_log=L(3909), proto_tcp=1, dport_well_known=1, fwd_bytes_log=L(3371),
                   rev_bytes_log=L(69224), fwd_pkts_log=L(54), rev_pkts_log=L(50),
                   fwd_bytes_per_pkt_log=L(3371 / 54), rev_bytes_per_pkt_log=L(69224 / 50), syn_fwd=1,
                   syn_rev=1, ack_fwd=1, ack_rev=1, fin_any=1)
    np.testing.assert_allclose(x, expected, rtol=1e-6)


def test_durations_are_whole_milliseconds_rounded_half_up():
    from flowml.sources import whole_ms

    np.testing.assert_array_equal(whole_ms(np.array([0.0, 0.049, 0.5, 1.4999, 2.5, 4018.946])), [0, 0, 1, 1, 3, 4019])


def test_zeek_history_mapping():
    assert zeek_history_flags("ShAdDaFr") == (SYN | ACK | FIN, SYN | ACK | RST)
    assert zeek_history_flags("^hR") == (RST, SYN | ACK)
    assert zeek_history_flags("CcTtWwGgIiQq") == (0, 0)


def test_zeek_line_with_tabs_only():
    fields = parse_zeek_line(rows.ZEEK_SYN_ONLY.replace("   ", "\t"))
    assert fields[:2] == ["1545403816.962094", "CrDn63WjJEmrWGjqf"] and fields[-2:] == ["Benign", "-"]


# ------------------------------------------------------------------ CICFlowMeter CSV


def test_cic_portscan_derives_flags_per_direction(spec):
    b = biflow_from_cic(csv_frame(rows.CIC_HEADER, rows.CIC_PORTSCAN)).iloc[0]
    # payload 0 + header 24 + 20 IP = 44 ; reverse 0 + 20 + 20 = 40 ; SYN 1 ACK 1 (= Bwd packets) Bwd RST 1
    assert (b.fwd_bytes, b.rev_bytes) == (44, 40)
    assert (b.fwd_flags, b.rev_flags) == (SYN, ACK | RST)
    x = one(biflow_from_cic(csv_frame(rows.CIC_HEADER, rows.CIC_PORTSCAN)), spec)
    expected = vec(spec, proto_tcp=1, dport_registered=1, fwd_bytes_log=L(44),
                   rev_bytes_log=L(40), fwd_pkts_log=L(1), rev_pkts_log=L(1), fwd_bytes_per_pkt_log=L(44),
                   rev_bytes_per_pkt_log=L(40), syn_fwd=1, ack_rev=1, rst_rev=1)
    np.testing.assert_allclose(x, expected, rtol=1e-6)


def test_cic_benign_dns(spec):
    x = one(biflow_from_cic(csv_frame(rows.CIC_HEADER, rows.CIC_BENIGN_DNS)), spec)
    # fwd 70 + 16 + 2*20 = 126 over 2 packets ; rev 102 + 16 + 40 = 158
    expected = vec(spec, proto_udp=1, dport_well_known=1, fwd_bytes_log=L(126),
                   rev_bytes_log=L(158), fwd_pkts_log=L(2), rev_pkts_log=L(2), fwd_bytes_per_pkt_log=L(63),
                   rev_bytes_per_pkt_log=L(79))
    np.testing.assert_allclose(x, expected, rtol=1e-6)


def test_cic_ftp_patator_session(spec):
    b = biflow_from_cic(csv_frame(rows.CIC_HEADER, rows.CIC_FTP_PATATOR)).iloc[0]
    # SYN 2 -> both ways; ACK 11 > 6 Bwd packets -> forward ACK too; PSH per direction
    assert (b.fwd_flags, b.rev_flags) == (SYN | ACK | PSH, SYN | ACK | PSH)
    x = one(biflow_from_cic(csv_frame(rows.CIC_HEADER, rows.CIC_FTP_PATATOR)), spec)
    expected = vec(spec, duration_log=L(4019), proto_tcp=1, dport_well_known=1, fwd_bytes_log=L(350),
                   rev_bytes_log=L(396), fwd_pkts_log=L(6), rev_pkts_log=L(6), fwd_bytes_per_pkt_log=L(350 / 6),
                   rev_bytes_per_pkt_log=L(66), syn_fwd=1, syn_rev=1, ack_fwd=1, ack_rev=1)
    np.testing.assert_allclose(x, expected, rtol=1e-6)


# ------------------------------------------------------------------ BiFlow (NetFlow v9 / IPFIX via the collector)


def flow(**kw):
    base = {"srcAddr": "10.0.0.1", "dstAddr": "10.0.0.2", "startMs": 0, "endMs": 0, "protocol": 6, "dstPort": 443,
            "fwdBytes": 0, "fwdPackets": 0,
            "revBytes": 0, "revPackets": 0, "fwdTcpFlags": 0, "revTcpFlags": 0}
    return base | kw


@pytest.mark.parametrize(
    "record, nonzero",
    [
        (flow(endMs=7_200_000, fwdBytes=52, fwdPackets=1, fwdTcpFlags=SYN),
         {"duration_log": L(3_600_000), "proto_tcp": 1, "dport_well_known": 1, "fwd_bytes_log": L(52),
          "fwd_pkts_log": L(1), "fwd_bytes_per_pkt_log": L(52), "syn_fwd": 1}),
        (flow(protocol=1, dstPort=2048, startMs=10, endMs=5, fwdBytes=84, fwdPackets=1, fwdTcpFlags=0xFF),
         {"proto_icmp": 1, "dport_none": 1, "fwd_bytes_log": L(84), "fwd_pkts_log": L(1),
          "fwd_bytes_per_pkt_log": L(84)}),
        (flow(protocol=17, dstPort=0), {"proto_udp": 1, "dport_none": 1}),
        (flow(protocol=132, dstPort=50000), {"proto_other": 1, "dport_dynamic": 1}),
        (flow(protocol=47, dstPort=80), {"proto_other": 1, "dport_none": 1}),
        (flow(dstPort=70000, revBytes=40, revPackets=1, revTcpFlags=RST | ACK, fwdTcpFlags=FIN),
         {"proto_tcp": 1, "dport_none": 1, "rev_bytes_log": L(40), "rev_pkts_log": L(1),
          "rev_bytes_per_pkt_log": L(40), "ack_rev": 1, "rst_rev": 1, "fin_any": 1}),
        (flow(dstPort=1024, fwdBytes=-5, fwdPackets=2), {"proto_tcp": 1, "dport_registered": 1,
                                                         "fwd_pkts_log": L(2)}),
    ],
)
def test_biflow_records(spec, record, nonzero):
    x = one(biflow_from_records([record]), spec)
    np.testing.assert_allclose(x, vec(spec, **nonzero), rtol=1e-6)


def test_nan_inputs_count_as_zero(spec):
    frame = biflow_from_records([flow(fwdBytes=float("nan"), fwdPackets=1)])
    x = one(frame, spec)
    assert np.all(np.isfinite(x)) and x[feature_names(spec).index("fwd_bytes_log")] == 0


# ------------------------------------------------------------------ host context


def test_zeek_stream_context_hand_checked(spec):
    """Two real 34-1 records of one host, 7.2 s apart, both unanswered SYNs to 185.244.25.235:80."""
    frame = biflow_from_zeek(pd.concat([zeek_frame(rows.ZEEK_UNSET), zeek_frame(rows.ZEEK_SYN_ONLY)],
                                       ignore_index=True))
    # end = floor(ts * 1000 + 0.5) + whole-ms duration
    assert frame["end_ms"].tolist() == [1545403824181, 1545403816962 + 3139]
    X = features.extract(frame, spec)
    names = feature_names(spec)
    ctx = {n: X[:, names.index(n)].tolist() for n in names if n.startswith("ctx_")}
    # the SYN_ONLY row ends first, so it is alone; the UNSET row sees both
    assert ctx["ctx_flows_log"] == pytest.approx([L(2), L(1)])
    assert ctx["ctx_dst_addrs_log"] == pytest.approx([L(1), L(1)])
    assert ctx["ctx_unanswered_frac"] == [1.0, 1.0]
    assert ctx["ctx_same_dst_frac"] == [1.0, 1.0]


def test_biflow_stream_context_window_and_order(spec):
    base = {"startMs": 0, "protocol": 6, "srcAddr": "10.0.0.1", "dstAddr": "10.0.0.9", "dstPort": 6667,
            "fwdBytes": 60, "fwdPackets": 1, "revBytes": 0, "revPackets": 0, "fwdTcpFlags": SYN, "revTcpFlags": 0}
    records = [
        base | {"endMs": 5_000},
        base | {"endMs": 1_000},
        base | {"endMs": 2_000, "dstAddr": "10.0.0.8", "protocol": 17, "dstPort": 53, "revPackets": 1,
                "fwdTcpFlags": 0},
        base | {"endMs": 3_000, "srcAddr": "10.0.0.2"},
        base | {"endMs": 4_000, "revPackets": 1, "revTcpFlags": RST | ACK},
        base | {"endMs": 62_001},
    ]
    X = features.extract(biflow_from_records(records), spec)
    names = feature_names(spec)
    col = {n: X[:, names.index(n)] for n in names}
    # row 0 (end 5000): flows at 1000, 2000, 4000 and itself; 2 addresses, 2 (proto, port) pairs
    assert col["ctx_flows_log"][0] == pytest.approx(L(4))
    assert col["ctx_dst_addrs_log"][0] == pytest.approx(L(2))
    assert col["ctx_dst_ports_log"][0] == pytest.approx(L(2))
    assert col["ctx_unanswered_frac"][0] == pytest.approx(2 / 4)
    assert col["ctx_reset_frac"][0] == pytest.approx(1 / 4)
    assert col["ctx_same_dst_frac"][0] == pytest.approx(3 / 4)
    # the other source is alone; at 62001 only 4000, 5000 and itself are within 60 s
    assert col["ctx_flows_log"][3] == pytest.approx(L(1))
    assert col["ctx_flows_log"][5] == pytest.approx(L(3))


def test_nf_and_cic_rows_are_isolated(spec):
    frame = biflow_from_cic(pd.concat([csv_frame(rows.CIC_HEADER, rows.CIC_PORTSCAN)] * 3, ignore_index=True))
    X = features.extract(frame, spec)
    assert (X[:, feature_names(spec).index("ctx_flows_log")] == np.float32(L(1))).all()
