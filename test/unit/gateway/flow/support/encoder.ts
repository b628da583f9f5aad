/**
 * A test-only encoder of NetFlow v9 (RFC 3954) and IPFIX (RFC 7011) messages, written from the RFCs'
 * packet layouts, so that unit tests can build exactly the packets they need.
 */
import { isIPv4 } from 'node:net';
import { ipv6Bytes } from '../../../../../gateway/src/flow/pcap-writer';

export interface Field {
  readonly id: number;
  readonly length: number;
  readonly enterprise?: number;
}

/** A number or bigint (unsigned, big-endian), an IP address in text form, or raw bytes. */
export type Value = number | bigint | string | Buffer;

export const VARLEN = 65535;

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

function unsigned(value: number | bigint, length: number): Buffer {
  const b = Buffer.alloc(length);
  let v = BigInt(value);
  for (let i = length - 1; i >= 0; i--) {
    b[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return b;
}

function address(text: string): Buffer {
  return isIPv4(text) ? Buffer.from(text.split('.').map(Number)) : ipv6Bytes(text);
}

function encodeValue(field: Field, value: Value): Buffer {
  if (field.length === VARLEN) {
    const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value));
    const prefix =
      bytes.length < 255
        ? Buffer.from([bytes.length])
        : Buffer.concat([Buffer.from([255]), u16(bytes.length)]);
    return Buffer.concat([prefix, bytes]);
  }
  if (Buffer.isBuffer(value)) {
    if (value.length !== field.length)
      throw new Error(`field ${field.id}: ${value.length} bytes for ${field.length}`);
    return value;
  }
  if (typeof value === 'string') return address(value);
  return unsigned(value, field.length);
}

export function dataRecord(fields: readonly Field[], values: readonly Value[]): Buffer {
  if (fields.length !== values.length) throw new Error('one value per field');
  return Buffer.concat(fields.map((f, i) => encodeValue(f, values[i]!)));
}

/** A set / flowset: id, length, body, and zero padding up to a multiple of `align` bytes. */
export function set(id: number, body: Buffer | readonly Buffer[], align = 1): Buffer {
  const content = Buffer.isBuffer(body) ? body : Buffer.concat(body);
  const unpadded = 4 + content.length;
  const padding = (align - (unpadded % align)) % align;
  return Buffer.concat([u16(id), u16(unpadded + padding), content, Buffer.alloc(padding)]);
}

export function v9TemplateRecord(id: number, fields: readonly Field[]): Buffer {
  return Buffer.concat([u16(id), u16(fields.length), ...fields.flatMap((f) => [u16(f.id), u16(f.length)])]);
}

export function v9OptionsTemplateRecord(
  id: number,
  scopes: readonly Field[],
  options: readonly Field[],
): Buffer {
  const specs = [...scopes, ...options].flatMap((f) => [u16(f.id), u16(f.length)]);
  return Buffer.concat([u16(id), u16(scopes.length * 4), u16(options.length * 4), ...specs]);
}

function ipfixSpecifier(f: Field): Buffer {
  if (f.enterprise === undefined || f.enterprise === 0) return Buffer.concat([u16(f.id), u16(f.length)]);
  return Buffer.concat([u16(f.id | 0x8000), u16(f.length), u32(f.enterprise)]);
}

export function ipfixTemplateRecord(id: number, fields: readonly Field[]): Buffer {
  return Buffer.concat([u16(id), u16(fields.length), ...fields.map(ipfixSpecifier)]);
}

export function ipfixOptionsTemplateRecord(
  id: number,
  scopes: readonly Field[],
  options: readonly Field[],
): Buffer {
  const all = [...scopes, ...options];
  return Buffer.concat([u16(id), u16(all.length), u16(scopes.length), ...all.map(ipfixSpecifier)]);
}

/** An IPFIX template withdrawal record (field count 0). */
export function withdrawal(id: number): Buffer {
  return Buffer.concat([u16(id), u16(0)]);
}

export interface V9Header {
  readonly count: number;
  readonly sysUptime: number;
  readonly unixSecs: number;
  readonly sequence: number;
  readonly sourceId: number;
}

export const V9_DEFAULTS: V9Header = {
  count: 0,
  sysUptime: 100_000,
  unixSecs: 1_700_000_000,
  sequence: 0,
  sourceId: 0,
};

export function v9Packet(header: Partial<V9Header>, sets: readonly Buffer[]): Buffer {
  const h = { ...V9_DEFAULTS, ...header };
  return Buffer.concat([
    u16(9),
    u16(h.count),
    u32(h.sysUptime),
    u32(h.unixSecs),
    u32(h.sequence),
    u32(h.sourceId),
    ...sets,
  ]);
}

export interface IpfixHeader {
  readonly exportTime: number;
  readonly sequence: number;
  readonly domain: number;
  /** Overrides the computed message length (for malformed-input tests). */
  readonly length?: number;
}

export const IPFIX_DEFAULTS: IpfixHeader = { exportTime: 1_700_000_000, sequence: 0, domain: 0 };

export function ipfixMessage(header: Partial<IpfixHeader>, sets: readonly Buffer[]): Buffer {
  const h = { ...IPFIX_DEFAULTS, ...header };
  const body = Buffer.concat(sets);
  const length = h.length ?? 16 + body.length;
  return Buffer.concat([u16(10), u16(length), u32(h.exportTime), u32(h.sequence), u32(h.domain), body]);
}

/** Field lists shaped like softflowd 1.1.0's IPv4 and IPv6 templates (ids as RFC 5102 numbers). */
export const F = {
  srcV4: { id: 8, length: 4 },
  dstV4: { id: 12, length: 4 },
  srcV6: { id: 27, length: 16 },
  dstV6: { id: 28, length: 16 },
  srcPort: { id: 7, length: 2 },
  dstPort: { id: 11, length: 2 },
  protocol: { id: 4, length: 1 },
  tcpFlags: { id: 6, length: 1 },
  bytes: { id: 1, length: 4 },
  packets: { id: 2, length: 4 },
  startUptime: { id: 22, length: 4 },
  endUptime: { id: 21, length: 4 },
  startMs: { id: 152, length: 8 },
  endMs: { id: 153, length: 8 },
  startS: { id: 150, length: 4 },
  endS: { id: 151, length: 4 },
  startUs: { id: 154, length: 8 },
  endUs: { id: 155, length: 8 },
  startNs: { id: 156, length: 8 },
  endNs: { id: 157, length: 8 },
  startDeltaUs: { id: 158, length: 4 },
  endDeltaUs: { id: 159, length: 4 },
  durationMs: { id: 161, length: 4 },
  icmpTypeCode: { id: 32, length: 2 },
  ipVersion: { id: 60, length: 1 },
  systemInitMs: { id: 160, length: 8 },
  meteringProcessId: { id: 143, length: 4 },
  revBytes: { id: 1, length: 4, enterprise: 29305 },
  revPackets: { id: 2, length: 4, enterprise: 29305 },
  revTcpFlags: { id: 6, length: 1, enterprise: 29305 },
} as const;

export const V4_FIELDS: readonly Field[] = [
  F.srcV4,
  F.dstV4,
  F.startUptime,
  F.endUptime,
  F.bytes,
  F.packets,
  F.srcPort,
  F.dstPort,
  F.protocol,
  F.tcpFlags,
];

export interface FlowValues {
  readonly src: string;
  readonly dst: string;
  readonly start: number;
  readonly end: number;
  readonly bytes: number;
  readonly packets: number;
  readonly srcPort: number;
  readonly dstPort: number;
  readonly protocol: number;
  readonly flags: number;
}

export function v4Record(f: FlowValues): Buffer {
  return dataRecord(V4_FIELDS, [
    f.src,
    f.dst,
    f.start,
    f.end,
    f.bytes,
    f.packets,
    f.srcPort,
    f.dstPort,
    f.protocol,
    f.flags,
  ]);
}

/** NTP timestamp bytes (seconds since 1900, 32-bit fraction) for Unix milliseconds. */
export function ntp(unixMs: number): Buffer {
  const seconds = Math.floor(unixMs / 1000) + 2_208_988_800;
  const fraction = Math.round(((unixMs % 1000) / 1000) * 0x1_0000_0000);
  return Buffer.concat([u32(seconds), u32(Math.min(fraction, 0xffff_ffff))]);
}
