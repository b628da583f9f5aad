/**
 * Which direction of a conversation is the initiator's ("forward", Zeek's "orig"). An exporter that
 * times each direction separately tells us: the earlier start. softflowd does not: it keys flows by
 * sorted address and gives both records of a flow the same start and end, so ties are broken by
 * TCP flags (SYN without ACK, or the only side with SYN), ICMP request types, and finally the service
 * port (the initiator's destination port is the lower one). Otherwise the record seen first wins.
 */
import { PORT_PROTOCOLS, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP } from './uniflow';

const SYN = 0x02;
const ACK = 0x10;

/** ICMP request type -> reply type (echo, timestamp, information, address mask, router solicitation). */
export const ICMP_REQUESTS: ReadonlyMap<number, number> = new Map([
  [8, 0],
  [13, 14],
  [15, 16],
  [17, 18],
  [10, 9],
]);
/** ICMPv6 (RFC 4443, 4861): echo, router and neighbour solicitation. */
export const ICMPV6_REQUESTS: ReadonlyMap<number, number> = new Map([
  [128, 129],
  [133, 134],
  [135, 136],
]);

/** What orientation looks at in one direction. */
export interface DirectionView {
  readonly startMs: number;
  readonly protocol: number;
  readonly tcpFlags: number;
  readonly icmpType: number;
  readonly dstPort: number;
}

function isRequest(protocol: number, icmpType: number): boolean {
  return (protocol === PROTO_ICMP ? ICMP_REQUESTS : ICMPV6_REQUESTS).has(icmpType);
}

function tcpSays(a: DirectionView, b: DirectionView): boolean | undefined {
  const synOnlyA = (a.tcpFlags & (SYN | ACK)) === SYN;
  const synOnlyB = (b.tcpFlags & (SYN | ACK)) === SYN;
  if (synOnlyA !== synOnlyB) return synOnlyA;
  const synA = (a.tcpFlags & SYN) !== 0;
  const synB = (b.tcpFlags & SYN) !== 0;
  return synA !== synB ? synA : undefined;
}

/** True when `a` (the direction seen first) is the initiator, false when `b` is. */
export function aInitiates(a: DirectionView, b: DirectionView): boolean {
  if (a.startMs !== b.startMs) return a.startMs < b.startMs;
  if (a.protocol === PROTO_TCP) {
    const tcp = tcpSays(a, b);
    if (tcp !== undefined) return tcp;
  }
  if (a.protocol === PROTO_ICMP || a.protocol === PROTO_ICMPV6) {
    const requestA = isRequest(a.protocol, a.icmpType);
    if (requestA !== isRequest(b.protocol, b.icmpType)) return requestA;
  }
  if (PORT_PROTOCOLS.has(a.protocol) && a.dstPort !== b.dstPort) return a.dstPort < b.dstPort;
  return true;
}
