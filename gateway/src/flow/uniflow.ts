/**
 * One direction of a conversation, as one NetFlow v9 / IPFIX data record reports it. The pairing
 * stage turns these into {@link BiFlow}s.
 */
export interface UniFlow {
  /** The exporter's transport address ("192.0.2.1:4739", "[2001:db8::1]:2055") or a file name. */
  readonly exporter: string;
  /** NetFlow v9 source id or IPFIX observation domain id. */
  readonly domain: number;
  /** First and last packet, milliseconds since the Unix epoch. */
  readonly startMs: number;
  readonly endMs: number;
  readonly protocol: number;
  readonly ipVersion: 4 | 6;
  readonly srcAddr: string;
  readonly dstAddr: string;
  /** Transport ports for TCP, UDP, SCTP, DCCP and UDP-Lite; 0 otherwise. */
  readonly srcPort: number;
  readonly dstPort: number;
  /** ICMP / ICMPv6 type and code; 0 for other protocols. */
  readonly icmpType: number;
  readonly icmpCode: number;
  readonly bytes: number;
  readonly packets: number;
  /** OR of the TCP flags seen (0 for non-TCP). */
  readonly tcpFlags: number;
  /**
   * The reverse direction, when the record is an RFC 5103 biflow (IPFIX reverse information
   * elements, e.g. `softflowd -v 10 -b`); absent for plain one-direction records.
   */
  readonly reverse?: ReverseCounters;
}

export interface ReverseCounters {
  readonly bytes: number;
  readonly packets: number;
  readonly tcpFlags: number;
}

/** IANA protocol numbers whose flows carry transport ports. */
export const PORT_PROTOCOLS: ReadonlySet<number> = new Set([6, 17, 33, 132, 136]);

export const PROTO_TCP = 6;
export const PROTO_ICMP = 1;
export const PROTO_ICMPV6 = 58;
