/**
 * A small reader of classic pcap files (not pcapng) that yields the UDP datagrams in them: the
 * captured NetFlow/IPFIX export a collector would have received. Link types: Ethernet (with VLAN
 * tags), raw IP, BSD loopback, Linux cooked v1/v2. IP fragments are skipped (counted).
 */
import { formatIPv4, formatIPv6 } from './address';

export interface CapturedDatagram {
  /** Capture time, Unix milliseconds. */
  readonly timeMs: number;
  /** Source transport address: "192.0.2.1:4739" or "[2001:db8::1]:4739". */
  readonly source: string;
  readonly destinationPort: number;
  readonly payload: Buffer;
}

export interface PcapContents {
  readonly datagrams: CapturedDatagram[];
  /** Frames that were not complete UDP datagrams (other protocols, fragments, damaged headers). */
  readonly skipped: number;
  /** The file ends inside a record (e.g. a capture cut short); what came before is returned. */
  readonly truncated: boolean;
  /** Bytes of the file up to the end of its last complete record. */
  readonly completeLength: number;
}

export class PcapFormatError extends Error {
  override readonly name = 'PcapFormatError';
}

const LINKTYPE_NULL = 0;
const LINKTYPE_ETHERNET = 1;
const LINKTYPE_RAW = 101;
const LINKTYPE_LOOP = 108;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_IPV4 = 228;
const LINKTYPE_IPV6 = 229;
const LINKTYPE_LINUX_SLL2 = 276;
/** Some platforms write DLT_RAW as 12 or 14. */
const RAW_ALIASES = new Set([LINKTYPE_RAW, 12, 14, LINKTYPE_IPV4, LINKTYPE_IPV6]);
/** A sanity bound on one record (jumbo frames fit). */
const MAX_RECORD = 262_144;

interface Header {
  readonly little: boolean;
  readonly nanos: boolean;
  readonly linkType: number;
}

function readHeader(buf: Buffer): Header {
  if (buf.length < 24) throw new PcapFormatError('not a pcap file: shorter than its 24-byte header');
  const magic = buf.readUInt32LE(0);
  const known: Record<number, [boolean, boolean]> = {
    0xa1b2c3d4: [true, false],
    0xd4c3b2a1: [false, false],
    0xa1b23c4d: [true, true],
    0x4d3cb2a1: [false, true],
  };
  const kind = known[magic];
  if (kind === undefined)
    throw new PcapFormatError(`not a pcap file (magic 0x${magic.toString(16)}; pcapng is not read)`);
  const [little, nanos] = kind;
  const linkType = (little ? buf.readUInt32LE(20) : buf.readUInt32BE(20)) & 0xffff;
  return { little, nanos, linkType };
}

/** Offset of the IP header in an Ethernet frame (after any VLAN tags), or -1. */
function ethernetIpOffset(frame: Buffer): number {
  let off = 12;
  while (off + 2 <= frame.length) {
    const type = frame.readUInt16BE(off);
    if (type !== 0x8100 && type !== 0x88a8) return isIpEthertype(type) ? off + 2 : -1;
    off += 4;
  }
  return -1;
}

/** Offset of the IP header in a frame, or -1 when the frame does not carry IP. */
function ipOffset(frame: Buffer, linkType: number): number {
  if (RAW_ALIASES.has(linkType)) return 0;
  if (linkType === LINKTYPE_NULL || linkType === LINKTYPE_LOOP) return frame.length >= 4 ? 4 : -1;
  if (linkType === LINKTYPE_LINUX_SLL)
    return frame.length >= 16 && isIpEthertype(frame.readUInt16BE(14)) ? 16 : -1;
  if (linkType === LINKTYPE_LINUX_SLL2)
    return frame.length >= 20 && isIpEthertype(frame.readUInt16BE(0)) ? 20 : -1;
  return linkType === LINKTYPE_ETHERNET ? ethernetIpOffset(frame) : -1;
}

function isIpEthertype(type: number): boolean {
  return type === 0x0800 || type === 0x86dd;
}

interface Udp {
  readonly source: string;
  readonly udpOffset: number;
  readonly ipEnd: number;
}

function ipv4(frame: Buffer, off: number): Udp | undefined {
  if (off + 20 > frame.length) return undefined;
  const headerLength = (frame.readUInt8(off) & 0x0f) * 4;
  const total = frame.readUInt16BE(off + 2);
  const fragment = frame.readUInt16BE(off + 6) & 0x3fff;
  if (frame[off + 9] !== 17 || fragment !== 0 || headerLength < 20 || total < headerLength) return undefined;
  return {
    source: formatIPv4(frame, off + 12),
    udpOffset: off + headerLength,
    ipEnd: Math.min(off + total, frame.length),
  };
}

const IPV6_EXTENSIONS = new Set([0, 43, 60]);

function ipv6(frame: Buffer, off: number): Udp | undefined {
  if (off + 40 > frame.length) return undefined;
  const source = formatIPv6(frame, off + 8);
  const ipEnd = Math.min(off + 40 + frame.readUInt16BE(off + 4), frame.length);
  let next = frame.readUInt8(off + 6);
  let cursor = off + 40;
  while (IPV6_EXTENSIONS.has(next)) {
    if (cursor + 8 > ipEnd) return undefined;
    next = frame.readUInt8(cursor);
    cursor += (frame.readUInt8(cursor + 1) + 1) * 8;
  }
  return next === 17 ? { source: `[${source}]`, udpOffset: cursor, ipEnd } : undefined;
}

function datagramOf(frame: Buffer, linkType: number, timeMs: number): CapturedDatagram | undefined {
  const off = ipOffset(frame, linkType);
  if (off < 0 || off >= frame.length) return undefined;
  const version = frame.readUInt8(off) >> 4;
  const ip = version === 4 ? ipv4(frame, off) : version === 6 ? ipv6(frame, off) : undefined;
  if (ip === undefined || ip.udpOffset + 8 > ip.ipEnd) return undefined;
  const udpLength = frame.readUInt16BE(ip.udpOffset + 4);
  const end = ip.udpOffset + udpLength;
  if (udpLength < 8 || end > ip.ipEnd) return undefined;
  return {
    timeMs,
    source: `${ip.source}:${frame.readUInt16BE(ip.udpOffset)}`,
    destinationPort: frame.readUInt16BE(ip.udpOffset + 2),
    payload: frame.subarray(ip.udpOffset + 8, end),
  };
}

/** Reads the UDP datagrams of a pcap file held in memory; throws PcapFormatError if it is not one. */
export function readPcap(buf: Buffer): PcapContents {
  const h = readHeader(buf);
  const u32 = (off: number) => (h.little ? buf.readUInt32LE(off) : buf.readUInt32BE(off));
  const datagrams: CapturedDatagram[] = [];
  let skipped = 0;
  let off = 24;
  while (off + 16 <= buf.length) {
    const captured = u32(off + 8);
    if (captured > MAX_RECORD || off + 16 + captured > buf.length) break;
    const timeMs = u32(off) * 1000 + Math.floor(u32(off + 4) / (h.nanos ? 1_000_000 : 1000));
    const d = datagramOf(buf.subarray(off + 16, off + 16 + captured), h.linkType, timeMs);
    if (d === undefined) skipped++;
    else datagrams.push(d);
    off += 16 + captured;
  }
  return { datagrams, skipped, truncated: off !== buf.length, completeLength: off };
}
