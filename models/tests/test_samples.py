"""The pcap excerpts of the replay sample: whole packets only, the capture's end, within the size budget."""

import struct

from flowml.samples import pcap_tail_excerpt

HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def packet(seq: int, size: int) -> bytes:
    return struct.pack("<IIII", seq, 0, size, size) + bytes([seq % 256]) * size


def test_tail_excerpt_keeps_the_last_whole_packets_within_the_budget(tmp_path):
    packets = [packet(i, 100) for i in range(10)]  # 116 bytes each
    src, dst = tmp_path / "in.pcap", tmp_path / "out.pcap"
    src.write_bytes(HEADER + b"".join(packets))
    kept = pcap_tail_excerpt(src, dst, 24 + 3 * 116 + 50)
    assert kept == 3
    assert dst.read_bytes() == HEADER + b"".join(packets[-3:])


def test_tail_excerpt_of_a_budget_below_one_packet_is_the_header_alone(tmp_path):
    src, dst = tmp_path / "in.pcap", tmp_path / "out.pcap"
    src.write_bytes(HEADER + packet(1, 100))
    assert pcap_tail_excerpt(src, dst, 100) == 0
    assert dst.read_bytes() == HEADER


def test_tail_excerpt_ignores_a_truncated_last_packet(tmp_path):
    src, dst = tmp_path / "in.pcap", tmp_path / "out.pcap"
    src.write_bytes(HEADER + packet(1, 100) + packet(2, 100)[:50])
    assert pcap_tail_excerpt(src, dst, 10_000) == 1
    assert dst.read_bytes() == HEADER + packet(1, 100)
