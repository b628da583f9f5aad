/**
 * A bidirectional flow: what the collector produces after pairing the two directions
 * of a conversation, and what the feature extractor consumes. The forward direction is
 * the one seen first (the initiator, as a Zeek conn record's "orig").
 */
export interface BiFlow {
  /** Address of the exporter that reported it (e.g. "127.0.0.1:40123"), or the input file name. */
  readonly exporter: string;
  /** First and last packet of either direction, milliseconds since the Unix epoch. */
  readonly startMs: number;
  readonly endMs: number;
  /** IANA protocol number: 6 TCP, 17 UDP, 1 ICMP, ... */
  readonly protocol: number;
  readonly srcAddr: string;
  readonly dstAddr: string;
  /** 0 when the protocol has no ports. */
  readonly srcPort: number;
  readonly dstPort: number;
  readonly fwdBytes: number;
  readonly fwdPackets: number;
  /** 0 when no reverse direction was seen. */
  readonly revBytes: number;
  readonly revPackets: number;
  /** Cumulative OR of the TCP flags seen in each direction (0 for non-TCP). */
  readonly fwdTcpFlags: number;
  readonly revTcpFlags: number;
}
