import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createPcapWriter, PcapFormatError, readPcap } from '../../../../gateway/src/flow';
import { pcapHeader, pcapRecord } from '../../../../gateway/src/flow/pcap-writer';
import { u16, u32 } from './support/encoder';

const payload = Buffer.from('netflow bytes');

function globalHeader(magic: number, linkType: number, bigEndian = false): Buffer {
  const h = Buffer.alloc(24);
  if (bigEndian) {
    h.writeUInt32BE(magic, 0);
    h.writeUInt32BE(linkType, 20);
  } else {
    h.writeUInt32LE(magic, 0);
    h.writeUInt32LE(linkType, 20);
  }
  return h;
}

function recordHeader(sec: number, frac: number, length: number, bigEndian = false): Buffer {
  const h = Buffer.alloc(16);
  const w = (v: number, o: number) => (bigEndian ? h.writeUInt32BE(v, o) : h.writeUInt32LE(v, o));
  w(sec, 0);
  w(frac, 4);
  w(length, 8);
  w(length, 12);
  return h;
}

/** An IPv4 + UDP packet from the writer, without its pcap record header. */
function ipv4Udp(sourcePort = 40000): Buffer {
  const rec = pcapRecord({
    timeMs: 0,
    sourceAddress: '198.51.100.7',
    sourcePort,
    destinationAddress: '198.51.100.1',
    destinationPort: 2055,
    payload,
  });
  return rec.subarray(16);
}

describe('pcap reading and writing', () => {
  it('round-trips IPv4 and IPv6 datagrams through a file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'pcap-'));
    try {
      const file = path.join(dir, 'x.pcap');
      const w = createPcapWriter(file);
      w.write({
        timeMs: 1_700_000_000_123,
        sourceAddress: '10.0.0.1',
        sourcePort: 1,
        destinationAddress: '10.0.0.2',
        destinationPort: 2055,
        payload,
      });
      w.write({
        timeMs: 1_700_000_000_456,
        sourceAddress: '2001:db8::1',
        sourcePort: 2,
        destinationAddress: '::1',
        destinationPort: 4739,
        payload: Buffer.alloc(0),
      });
      await w.close();
      const c = readPcap(await readFile(file));
      expect(c).toMatchObject({ skipped: 0, truncated: false });
      expect(c.datagrams).toEqual([
        { timeMs: 1_700_000_000_123, source: '10.0.0.1:1', destinationPort: 2055, payload },
        {
          timeMs: 1_700_000_000_456,
          source: '[2001:db8::1]:2',
          destinationPort: 4739,
          payload: Buffer.alloc(0),
        },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads Ethernet (with a VLAN tag), Linux cooked and BSD loopback frames, big-endian and nanosecond files', () => {
    const ip = ipv4Udp();
    const eth = Buffer.concat([Buffer.alloc(12), u16(0x8100), u16(5), u16(0x0800), ip]);
    const sll = Buffer.concat([Buffer.alloc(14), u16(0x0800), ip]);
    const loop = Buffer.concat([u32(2), ip]);
    const cases: [number, Buffer, boolean, number][] = [
      [1, eth, false, 0xa1b2c3d4],
      [113, sll, true, 0xa1b2c3d4],
      [0, loop, false, 0xa1b23c4d],
    ];
    for (const [linkType, frame, bigEndian, magic] of cases) {
      const nanos = magic === 0xa1b23c4d;
      const file = Buffer.concat([
        globalHeader(magic, linkType, bigEndian),
        recordHeader(10, nanos ? 5_000_000 : 5_000, frame.length, bigEndian),
        frame,
      ]);
      const c = readPcap(file);
      expect(c.datagrams).toEqual([
        { timeMs: 10_005, source: '198.51.100.7:40000', destinationPort: 2055, payload },
      ]);
    }
  });

  it('skips fragments, non-UDP and damaged frames, and reports a cut-off last record', () => {
    const fragment = Buffer.from(ipv4Udp());
    fragment.writeUInt16BE(0x2000, 6); // more fragments
    const tcp = Buffer.from(ipv4Udp());
    tcp[9] = 6;
    const shortUdp = Buffer.from(ipv4Udp());
    shortUdp.writeUInt16BE(4000, 24); // UDP length beyond the IP packet
    const good = ipv4Udp(7);
    const frames = [fragment, tcp, shortUdp, good];
    const body = Buffer.concat(frames.map((f) => Buffer.concat([recordHeader(1, 0, f.length), f])));
    const whole = Buffer.concat([pcapHeader(), body]);
    const cut = whole.subarray(0, whole.length - 5);
    const c = readPcap(cut);
    expect(c).toMatchObject({ skipped: 3, truncated: true });
    expect(c.datagrams).toEqual([]);
    expect(c.completeLength).toBe(whole.length - (16 + good.length));
    expect(readPcap(whole).datagrams.map((d) => d.source)).toEqual(['198.51.100.7:7']);
  });

  it('throws PcapFormatError for something that is not a pcap file', () => {
    expect(() => readPcap(Buffer.alloc(10))).toThrow(PcapFormatError);
    expect(() => readPcap(Buffer.concat([Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]), Buffer.alloc(40)]))).toThrow(
      /pcapng/,
    );
  });
});
