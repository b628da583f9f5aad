/**
 * The information elements the collector reads (IANA IPFIX registry numbers, which NetFlow v9 shares
 * for these fields), and RFC 5103 reverse elements (enterprise 29305). Every other element, including
 * any other enterprise's, is skipped by length.
 */
import { formatIPv4, formatIPv6 } from './address';
import type { RecordValues } from './record-values';
import { readNtpMs, readUnsigned } from './wire';

/** Stores one field's value (at `off`, `len` bytes, already bounds-checked) into the record. */
export type FieldReader = (v: RecordValues, buf: Buffer, off: number, len: number) => void;

/**
 * Which field lengths an element accepts: an unsigned integer type of N bits takes 1 to N/8 bytes
 * (RFC 7011 §6.2 reduced-size encoding); addresses and NTP timestamps their full size.
 */
export type LengthRule = 'u8' | 'u16' | 'u32' | 'u64' | 'ipv4' | 'ipv6' | 'ntp';

const MAX_BYTES: Record<LengthRule, number> = { u8: 1, u16: 2, u32: 4, u64: 8, ipv4: 4, ipv6: 16, ntp: 8 };

export interface ElementSpec {
  readonly name: string;
  readonly rule: LengthRule;
  readonly read: FieldReader;
}

/** RFC 5103: the private enterprise number of reverse information elements. */
export const REVERSE_PEN = 29305;

/** Precision ranks for absolute times: the finest element present wins. */
const RANK_SECONDS = 1;
const RANK_NANOSECONDS = 2;
const RANK_MICROSECONDS = 3;
const RANK_MILLISECONDS = 4;

const u = readUnsigned;

type TimeReader = (buf: Buffer, off: number, len: number) => number;

function seconds(buf: Buffer, off: number, len: number): number {
  return u(buf, off, len) * 1000;
}

function startAt(rank: number, ms: TimeReader): FieldReader {
  return (v, b, o, l) => {
    v.setStart(ms(b, o, l), rank);
  };
}

function endAt(rank: number, ms: TimeReader): FieldReader {
  return (v, b, o, l) => {
    v.setEnd(ms(b, o, l), rank);
  };
}

function el(name: string, rule: LengthRule, read: FieldReader): ElementSpec {
  return { name, rule, read };
}

const IANA: ReadonlyMap<number, ElementSpec> = new Map<number, ElementSpec>([
  [1, el('octetDeltaCount', 'u64', (v, b, o, l) => (v.bytes = u(b, o, l)))],
  [2, el('packetDeltaCount', 'u64', (v, b, o, l) => (v.packets = u(b, o, l)))],
  [4, el('protocolIdentifier', 'u8', (v, b, o, l) => (v.protocol = u(b, o, l)))],
  [6, el('tcpControlBits', 'u16', (v, b, o, l) => (v.tcpFlags = u(b, o, l)))],
  [7, el('sourceTransportPort', 'u16', (v, b, o, l) => (v.srcPort = u(b, o, l)))],
  [8, el('sourceIPv4Address', 'ipv4', (v, b, o) => (v.src4 = formatIPv4(b, o)))],
  [11, el('destinationTransportPort', 'u16', (v, b, o, l) => (v.dstPort = u(b, o, l)))],
  [12, el('destinationIPv4Address', 'ipv4', (v, b, o) => (v.dst4 = formatIPv4(b, o)))],
  [21, el('flowEndSysUpTime', 'u32', (v, b, o, l) => (v.endUptimeMs = u(b, o, l)))],
  [22, el('flowStartSysUpTime', 'u32', (v, b, o, l) => (v.startUptimeMs = u(b, o, l)))],
  [27, el('sourceIPv6Address', 'ipv6', (v, b, o) => (v.src6 = formatIPv6(b, o)))],
  [28, el('destinationIPv6Address', 'ipv6', (v, b, o) => (v.dst6 = formatIPv6(b, o)))],
  [32, el('icmpTypeCodeIPv4', 'u16', (v, b, o, l) => (v.icmpTypeCode = u(b, o, l)))],
  [60, el('ipVersion', 'u8', (v, b, o, l) => (v.ipVersion = u(b, o, l)))],
  [85, el('octetTotalCount', 'u64', (v, b, o, l) => (v.bytesTotal = u(b, o, l)))],
  [86, el('packetTotalCount', 'u64', (v, b, o, l) => (v.packetsTotal = u(b, o, l)))],
  [139, el('icmpTypeCodeIPv6', 'u16', (v, b, o, l) => (v.icmpTypeCode = u(b, o, l)))],
  [150, el('flowStartSeconds', 'u32', startAt(RANK_SECONDS, seconds))],
  [151, el('flowEndSeconds', 'u32', endAt(RANK_SECONDS, seconds))],
  [152, el('flowStartMilliseconds', 'u64', startAt(RANK_MILLISECONDS, u))],
  [153, el('flowEndMilliseconds', 'u64', endAt(RANK_MILLISECONDS, u))],
  [154, el('flowStartMicroseconds', 'ntp', startAt(RANK_MICROSECONDS, readNtpMs))],
  [155, el('flowEndMicroseconds', 'ntp', endAt(RANK_MICROSECONDS, readNtpMs))],
  [156, el('flowStartNanoseconds', 'ntp', startAt(RANK_NANOSECONDS, readNtpMs))],
  [157, el('flowEndNanoseconds', 'ntp', endAt(RANK_NANOSECONDS, readNtpMs))],
  [158, el('flowStartDeltaMicroseconds', 'u32', (v, b, o, l) => (v.startDeltaUs = u(b, o, l)))],
  [159, el('flowEndDeltaMicroseconds', 'u32', (v, b, o, l) => (v.endDeltaUs = u(b, o, l)))],
  [160, el('systemInitTimeMilliseconds', 'u64', (v, b, o, l) => (v.systemInitMs = u(b, o, l)))],
  [161, el('flowDurationMilliseconds', 'u32', (v, b, o, l) => (v.durationMs = u(b, o, l)))],
  [162, el('flowDurationMicroseconds', 'u32', (v, b, o, l) => (v.durationMs = u(b, o, l) / 1000))],
  [176, el('icmpTypeIPv4', 'u8', (v, b, o, l) => (v.icmpType = u(b, o, l)))],
  [177, el('icmpCodeIPv4', 'u8', (v, b, o, l) => (v.icmpCode = u(b, o, l)))],
  [178, el('icmpTypeIPv6', 'u8', (v, b, o, l) => (v.icmpType = u(b, o, l)))],
  [179, el('icmpCodeIPv6', 'u8', (v, b, o, l) => (v.icmpCode = u(b, o, l)))],
  [180, el('udpSourcePort', 'u16', (v, b, o, l) => (v.srcPort = u(b, o, l)))],
  [181, el('udpDestinationPort', 'u16', (v, b, o, l) => (v.dstPort = u(b, o, l)))],
  [182, el('tcpSourcePort', 'u16', (v, b, o, l) => (v.srcPort = u(b, o, l)))],
  [183, el('tcpDestinationPort', 'u16', (v, b, o, l) => (v.dstPort = u(b, o, l)))],
]);

const REVERSE: ReadonlyMap<number, ElementSpec> = new Map<number, ElementSpec>([
  [1, el('reverseOctetDeltaCount', 'u64', (v, b, o, l) => (v.revBytes = u(b, o, l)))],
  [2, el('reversePacketDeltaCount', 'u64', (v, b, o, l) => (v.revPackets = u(b, o, l)))],
  [6, el('reverseTcpControlBits', 'u16', (v, b, o, l) => (v.revTcpFlags = u(b, o, l)))],
]);

/** The element's spec, or undefined for an element the collector skips. */
export function elementSpec(id: number, enterprise: number): ElementSpec | undefined {
  if (enterprise === 0) return IANA.get(id);
  if (enterprise === REVERSE_PEN) return REVERSE.get(id);
  return undefined;
}

/** Whether a fixed field length suits the element (variable-length fields never do). */
export function lengthFits(rule: LengthRule, len: number): boolean {
  const max = MAX_BYTES[rule];
  if (rule === 'ipv4' || rule === 'ipv6' || rule === 'ntp') return len === max;
  return len >= 1 && len <= max;
}
