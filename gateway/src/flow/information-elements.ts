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

/** Which field lengths an element accepts: 'uint' means 1 to 8 bytes (reduced-size encoding). */
export type LengthRule = 'uint' | 'ipv4' | 'ipv6' | 'ntp';

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
  [1, el('octetDeltaCount', 'uint', (v, b, o, l) => (v.bytes = u(b, o, l)))],
  [2, el('packetDeltaCount', 'uint', (v, b, o, l) => (v.packets = u(b, o, l)))],
  [4, el('protocolIdentifier', 'uint', (v, b, o, l) => (v.protocol = u(b, o, l)))],
  [6, el('tcpControlBits', 'uint', (v, b, o, l) => (v.tcpFlags = u(b, o, l)))],
  [7, el('sourceTransportPort', 'uint', (v, b, o, l) => (v.srcPort = u(b, o, l)))],
  [8, el('sourceIPv4Address', 'ipv4', (v, b, o) => (v.src4 = formatIPv4(b, o)))],
  [11, el('destinationTransportPort', 'uint', (v, b, o, l) => (v.dstPort = u(b, o, l)))],
  [12, el('destinationIPv4Address', 'ipv4', (v, b, o) => (v.dst4 = formatIPv4(b, o)))],
  [21, el('flowEndSysUpTime', 'uint', (v, b, o, l) => (v.endUptimeMs = u(b, o, l)))],
  [22, el('flowStartSysUpTime', 'uint', (v, b, o, l) => (v.startUptimeMs = u(b, o, l)))],
  [27, el('sourceIPv6Address', 'ipv6', (v, b, o) => (v.src6 = formatIPv6(b, o)))],
  [28, el('destinationIPv6Address', 'ipv6', (v, b, o) => (v.dst6 = formatIPv6(b, o)))],
  [32, el('icmpTypeCodeIPv4', 'uint', (v, b, o, l) => (v.icmpTypeCode = u(b, o, l)))],
  [60, el('ipVersion', 'uint', (v, b, o, l) => (v.ipVersion = u(b, o, l)))],
  [85, el('octetTotalCount', 'uint', (v, b, o, l) => (v.bytesTotal = u(b, o, l)))],
  [86, el('packetTotalCount', 'uint', (v, b, o, l) => (v.packetsTotal = u(b, o, l)))],
  [139, el('icmpTypeCodeIPv6', 'uint', (v, b, o, l) => (v.icmpTypeCode = u(b, o, l)))],
  [150, el('flowStartSeconds', 'uint', startAt(RANK_SECONDS, seconds))],
  [151, el('flowEndSeconds', 'uint', endAt(RANK_SECONDS, seconds))],
  [152, el('flowStartMilliseconds', 'uint', startAt(RANK_MILLISECONDS, u))],
  [153, el('flowEndMilliseconds', 'uint', endAt(RANK_MILLISECONDS, u))],
  [154, el('flowStartMicroseconds', 'ntp', startAt(RANK_MICROSECONDS, readNtpMs))],
  [155, el('flowEndMicroseconds', 'ntp', endAt(RANK_MICROSECONDS, readNtpMs))],
  [156, el('flowStartNanoseconds', 'ntp', startAt(RANK_NANOSECONDS, readNtpMs))],
  [157, el('flowEndNanoseconds', 'ntp', endAt(RANK_NANOSECONDS, readNtpMs))],
  [158, el('flowStartDeltaMicroseconds', 'uint', (v, b, o, l) => (v.startDeltaUs = u(b, o, l)))],
  [159, el('flowEndDeltaMicroseconds', 'uint', (v, b, o, l) => (v.endDeltaUs = u(b, o, l)))],
  [160, el('systemInitTimeMilliseconds', 'uint', (v, b, o, l) => (v.systemInitMs = u(b, o, l)))],
  [161, el('flowDurationMilliseconds', 'uint', (v, b, o, l) => (v.durationMs = u(b, o, l)))],
  [162, el('flowDurationMicroseconds', 'uint', (v, b, o, l) => (v.durationMs = u(b, o, l) / 1000))],
  [176, el('icmpTypeIPv4', 'uint', (v, b, o, l) => (v.icmpType = u(b, o, l)))],
  [177, el('icmpCodeIPv4', 'uint', (v, b, o, l) => (v.icmpCode = u(b, o, l)))],
  [178, el('icmpTypeIPv6', 'uint', (v, b, o, l) => (v.icmpType = u(b, o, l)))],
  [179, el('icmpCodeIPv6', 'uint', (v, b, o, l) => (v.icmpCode = u(b, o, l)))],
  [180, el('udpSourcePort', 'uint', (v, b, o, l) => (v.srcPort = u(b, o, l)))],
  [181, el('udpDestinationPort', 'uint', (v, b, o, l) => (v.dstPort = u(b, o, l)))],
  [182, el('tcpSourcePort', 'uint', (v, b, o, l) => (v.srcPort = u(b, o, l)))],
  [183, el('tcpDestinationPort', 'uint', (v, b, o, l) => (v.dstPort = u(b, o, l)))],
]);

const REVERSE: ReadonlyMap<number, ElementSpec> = new Map<number, ElementSpec>([
  [1, el('reverseOctetDeltaCount', 'uint', (v, b, o, l) => (v.revBytes = u(b, o, l)))],
  [2, el('reversePacketDeltaCount', 'uint', (v, b, o, l) => (v.revPackets = u(b, o, l)))],
  [6, el('reverseTcpControlBits', 'uint', (v, b, o, l) => (v.revTcpFlags = u(b, o, l)))],
]);

/** The element's spec, or undefined for an element the collector skips. */
export function elementSpec(id: number, enterprise: number): ElementSpec | undefined {
  if (enterprise === 0) return IANA.get(id);
  if (enterprise === REVERSE_PEN) return REVERSE.get(id);
  return undefined;
}

/** Whether a fixed field length suits the element (variable-length fields never do). */
export function lengthFits(rule: LengthRule, len: number): boolean {
  switch (rule) {
    case 'uint':
      return len >= 1 && len <= 8;
    case 'ipv4':
      return len === 4;
    case 'ipv6':
      return len === 16;
    case 'ntp':
      return len === 8;
  }
}
