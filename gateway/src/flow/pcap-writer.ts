/**
 * Records UDP datagrams as a classic pcap file (link type raw IP, synthetic IPv4/IPv6 and UDP
 * headers), so that a stream the collector received can be fed again to it or to other decoders
 * (tshark, nfcapd). The file is read back by `readPcap`.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';

export interface DatagramToRecord {
  readonly timeMs: number;
  readonly sourceAddress: string;
  readonly sourcePort: number;
  readonly destinationAddress: string;
  readonly destinationPort: number;
  readonly payload: Buffer;
}

const LINKTYPE_RAW = 101;
const SNAPLEN = 262_144;

function ipv4Bytes(address: string): Buffer {
  return Buffer.from(address.split('.').map(Number));
}

/** The 16 bytes of an IPv6 address in text form (zone id dropped, embedded IPv4 allowed). */
export function ipv6Bytes(text: string): Buffer {
  const address = text.split('%')[0] ?? '';
  const out = Buffer.alloc(16);
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const groups = (part: string | undefined): number[] => {
    if (part === undefined || part === '') return [];
    return part.split(':').flatMap((g) => {
      if (!g.includes('.')) return [parseInt(g, 16)];
      const b = ipv4Bytes(g);
      return [b.readUInt16BE(0), b.readUInt16BE(2)];
    });
  };
  const front = groups(head);
  const back = groups(tail);
  front.forEach((g, i) => out.writeUInt16BE(g, 2 * i));
  back.forEach((g, i) => out.writeUInt16BE(g, 2 * (8 - back.length + i)));
  return out;
}

function checksum(header: Buffer): number {
  let sum = 0;
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function ipHeader(d: DatagramToRecord, udpLength: number): Buffer {
  if (isIPv4(d.sourceAddress) && isIPv4(d.destinationAddress)) {
    const h = Buffer.alloc(20);
    h[0] = 0x45;
    h.writeUInt16BE(20 + udpLength, 2);
    h[8] = 64;
    h[9] = 17;
    ipv4Bytes(d.sourceAddress).copy(h, 12);
    ipv4Bytes(d.destinationAddress).copy(h, 16);
    h.writeUInt16BE(checksum(h), 10);
    return h;
  }
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(udpLength, 4);
  h[6] = 17;
  h[7] = 64;
  const v6 = (a: string) => (isIPv6(a) ? ipv6Bytes(a) : ipv6Bytes(`::ffff:${a}`));
  v6(d.sourceAddress).copy(h, 8);
  v6(d.destinationAddress).copy(h, 24);
  return h;
}

/** One pcap record (16-byte record header + IP + UDP + payload). */
export function pcapRecord(d: DatagramToRecord): Buffer {
  const udp = Buffer.alloc(8);
  udp.writeUInt16BE(d.sourcePort, 0);
  udp.writeUInt16BE(d.destinationPort, 2);
  udp.writeUInt16BE(8 + d.payload.length, 4);
  const ip = ipHeader(d, 8 + d.payload.length);
  const length = ip.length + 8 + d.payload.length;
  const rec = Buffer.alloc(16);
  rec.writeUInt32LE(Math.floor(d.timeMs / 1000), 0);
  rec.writeUInt32LE(Math.round((d.timeMs % 1000) * 1000), 4);
  rec.writeUInt32LE(length, 8);
  rec.writeUInt32LE(length, 12);
  return Buffer.concat([rec, ip, udp, d.payload]);
}

/** The 24-byte global header (little-endian, microseconds, raw IP). */
export function pcapHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(SNAPLEN, 16);
  h.writeUInt32LE(LINKTYPE_RAW, 20);
  return h;
}

export interface PcapWriter {
  write(d: DatagramToRecord): void;
  close(): Promise<void>;
}

export function createPcapWriter(path: string): PcapWriter {
  const stream: WriteStream = createWriteStream(path);
  let failure: Error | undefined;
  stream.on('error', (err) => {
    failure = err;
  });
  stream.write(pcapHeader());
  return {
    write: (d) => {
      if (failure === undefined) stream.write(pcapRecord(d));
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        if (failure !== undefined) {
          stream.destroy();
          reject(failure);
          return;
        }
        stream.once('error', reject);
        stream.end(() => {
          resolve();
        });
      }),
  };
}
