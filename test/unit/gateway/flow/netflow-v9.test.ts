import { decodePacket, TemplateCache } from '../../../../gateway/src/flow';
import {
  F,
  V4_FIELDS,
  dataRecord,
  set,
  u16,
  v4Record,
  v9OptionsTemplateRecord,
  v9Packet,
  v9TemplateRecord,
} from './support/encoder';

const EXPORTER = '192.0.2.1:9995';
const NOW = 1_700_000_000_000;
const SYS_UPTIME = 100_000;
const UNIX_SECS = 1_700_000_000;

const flowA = {
  src: '10.0.0.1',
  dst: '10.0.0.2',
  start: 90_000,
  end: 95_500,
  bytes: 1500,
  packets: 3,
  srcPort: 43210,
  dstPort: 80,
  protocol: 6,
  flags: 0x1b,
};

function templateAndData(records: Buffer[], header = {}): Buffer {
  return v9Packet(header, [set(0, v9TemplateRecord(256, V4_FIELDS)), set(256, records, 4)]);
}

describe('NetFlow v9 decoding', () => {
  it('reads a template and data records in the same packet, times from sysUptime', () => {
    const cache = new TemplateCache();
    const r = decodePacket(templateAndData([v4Record(flowA)]), EXPORTER, cache, NOW);
    expect(r.issues).toEqual([]);
    expect(r.version).toBe(9);
    expect(r.templateRecords).toBe(1);
    expect(r.records).toEqual([
      {
        exporter: EXPORTER,
        domain: 0,
        startMs: UNIX_SECS * 1000 - (SYS_UPTIME - 90_000),
        endMs: UNIX_SECS * 1000 - (SYS_UPTIME - 95_500),
        protocol: 6,
        ipVersion: 4,
        srcAddr: '10.0.0.1',
        dstAddr: '10.0.0.2',
        srcPort: 43210,
        dstPort: 80,
        icmpType: 0,
        icmpCode: 0,
        bytes: 1500,
        packets: 3,
        tcpFlags: 0x1b,
      },
    ]);
  });

  it('uses a template learnt from an earlier packet, and keeps sessions apart by source id', () => {
    const cache = new TemplateCache();
    decodePacket(v9Packet({ sourceId: 7 }, [set(0, v9TemplateRecord(300, V4_FIELDS))]), EXPORTER, cache, NOW);
    const data = (sourceId: number) => v9Packet({ sourceId, sequence: 1 }, [set(300, [v4Record(flowA)])]);
    const same = decodePacket(data(7), EXPORTER, cache, NOW);
    expect(same.records).toHaveLength(1);
    expect(same.domain).toBe(7);
    const other = decodePacket(data(8), EXPORTER, cache, NOW);
    expect(other.records).toEqual([]);
    expect(other.issues.map((i) => i.cause)).toEqual(['UNKNOWN_TEMPLATE']);
    const otherExporter = decodePacket(data(7), '192.0.2.9:9995', cache, NOW);
    expect(otherExporter.issues.map((i) => i.cause)).toEqual(['UNKNOWN_TEMPLATE']);
  });

  it('drops only the data set whose template is unknown, and counts it', () => {
    const cache = new TemplateCache();
    const packet = v9Packet({}, [
      set(999, [v4Record(flowA)]),
      set(0, v9TemplateRecord(256, V4_FIELDS)),
      set(256, [v4Record(flowA), v4Record({ ...flowA, srcPort: 1 })]),
    ]);
    const r = decodePacket(packet, EXPORTER, cache, NOW);
    expect(r.records.map((f) => f.srcPort)).toEqual([43210, 1]);
    expect(r.issues).toEqual([{ cause: 'UNKNOWN_TEMPLATE', detail: 'data set 999: template not received' }]);
  });

  it('reads options templates and skips their data (softflowd sends sampling options)', () => {
    const cache = new TemplateCache();
    const options = v9OptionsTemplateRecord(
      257,
      [{ id: 2, length: 4 }],
      [
        { id: 34, length: 4 },
        { id: 35, length: 1 },
      ],
    );
    const optionData = dataRecord(
      [
        { id: 2, length: 4 },
        { id: 34, length: 4 },
        { id: 35, length: 1 },
      ],
      [0, 1, 1],
    );
    const packet = v9Packet({}, [
      set(1, options, 4),
      set(257, optionData, 4),
      set(0, v9TemplateRecord(256, V4_FIELDS)),
    ]);
    const r = decodePacket(packet, EXPORTER, cache, NOW);
    expect(r.issues).toEqual([]);
    expect(r.templateRecords).toBe(2);
    expect(r.optionRecords).toBe(1);
    expect(r.records).toEqual([]);
  });

  it('reads IPv6 records and ICMP type/code', () => {
    const fields = [
      F.srcV6,
      F.dstV6,
      F.startUptime,
      F.endUptime,
      F.bytes,
      F.packets,
      F.icmpTypeCode,
      F.protocol,
    ];
    const cache = new TemplateCache();
    const rec = dataRecord(fields, ['2001:db8::1', 'fe80::1:2', 99_000, 99_000, 104, 1, 128 * 256, 58]);
    const r = decodePacket(
      v9Packet({}, [set(0, v9TemplateRecord(256, fields)), set(256, rec)]),
      EXPORTER,
      cache,
      NOW,
    );
    expect(r.records).toHaveLength(1);
    expect(r.records[0]).toMatchObject({
      ipVersion: 6,
      srcAddr: '2001:db8::1',
      dstAddr: 'fe80::1:2',
      protocol: 58,
      icmpType: 128,
      icmpCode: 0,
      srcPort: 0,
      dstPort: 0,
      tcpFlags: 0,
    });
  });

  it('handles sysUptime wrap-around (uptime past 2^32 ms, flow before the wrap)', () => {
    const cache = new TemplateCache();
    const packet = templateAndData([v4Record({ ...flowA, start: 0xffff_fff0, end: 0xffff_ffff })], {
      sysUptime: 0x10,
    });
    const r = decodePacket(packet, EXPORTER, cache, NOW);
    expect(r.records[0]?.startMs).toBe(UNIX_SECS * 1000 - 0x20);
    expect(r.records[0]?.endMs).toBe(UNIX_SECS * 1000 - 0x11);
  });

  it('ignores ports for protocols without ports, and TCP flags outside TCP', () => {
    const cache = new TemplateCache();
    const r = decodePacket(
      templateAndData([v4Record({ ...flowA, protocol: 47, flags: 0x12 })]),
      EXPORTER,
      cache,
      NOW,
    );
    expect(r.records[0]).toMatchObject({ protocol: 47, srcPort: 0, dstPort: 0, tcpFlags: 0 });
  });

  it('refreshes an identical template and replaces a changed one', () => {
    const cache = new TemplateCache();
    decodePacket(templateAndData([]), EXPORTER, cache, NOW);
    decodePacket(templateAndData([]), EXPORTER, cache, NOW);
    expect(cache.stats()).toMatchObject({ added: 1, replaced: 0, templates: 1 });
    const shorter = [F.srcV4, F.dstV4, F.protocol];
    const r = decodePacket(
      v9Packet({}, [
        set(0, v9TemplateRecord(256, shorter)),
        set(256, dataRecord(shorter, ['1.1.1.1', '2.2.2.2', 17]), 4),
      ]),
      EXPORTER,
      cache,
      NOW,
    );
    expect(cache.stats()).toMatchObject({ added: 1, replaced: 1, templates: 1 });
    expect(r.records[0]).toMatchObject({ srcAddr: '1.1.1.1', protocol: 17, bytes: 0, packets: 0 });
    expect(r.approximateTimes).toBe(1);
  });

  it('rejects unusable templates: low id, field lengths their type does not allow, zero-length records', () => {
    const cache = new TemplateCache();
    const packet = v9Packet({}, [
      set(0, [
        v9TemplateRecord(255, V4_FIELDS),
        v9TemplateRecord(256, [{ id: 8, length: 3 }]),
        v9TemplateRecord(257, [{ id: 999, length: 0 }]),
        v9TemplateRecord(258, [{ id: 1, length: 9 }]),
        v9TemplateRecord(259, [{ id: 7, length: 4 }]),
      ]),
    ]);
    const r = decodePacket(packet, EXPORTER, cache, NOW);
    expect(r.issues).toEqual([
      { cause: 'BAD_TEMPLATE', detail: 'template id 255 is below 256' },
      { cause: 'BAD_TEMPLATE', detail: 'template 256: sourceIPv4Address with length 3' },
      { cause: 'BAD_TEMPLATE', detail: 'template 257: every field has length 0' },
      { cause: 'BAD_TEMPLATE', detail: 'template 258: octetDeltaCount with length 9' },
      // Found by the fuzzer: a 4-byte port field would give ports above 65535.
      { cause: 'BAD_TEMPLATE', detail: 'template 259: sourceTransportPort with length 4' },
    ]);
    expect(cache.stats().templates).toBe(0);
  });

  it('reports a template whose field count overruns the flowset', () => {
    const cache = new TemplateCache();
    const bad = Buffer.concat([u16(256), u16(50), u16(8), u16(4)]);
    const r = decodePacket(v9Packet({}, [set(0, bad)]), EXPORTER, cache, NOW);
    expect(r.issues.map((i) => i.cause)).toEqual(['BAD_TEMPLATE']);
  });

  it('stops at a zero-length or oversized flowset without looping', () => {
    const cache = new TemplateCache();
    const zero = v9Packet({}, [Buffer.from([1, 0, 0, 0, 1, 2, 3, 4])]);
    expect(decodePacket(zero, EXPORTER, cache, NOW).issues).toEqual([
      { cause: 'BAD_SET_LENGTH', detail: 'flowset 256 at offset 20: length 0, 8 left' },
    ]);
    const oversized = v9Packet({}, [Buffer.from([1, 0, 0xff, 0xff, 1, 2, 3, 4])]);
    expect(decodePacket(oversized, EXPORTER, cache, NOW).issues.map((i) => i.cause)).toEqual([
      'BAD_SET_LENGTH',
    ]);
    const trailing = v9Packet({}, [set(0, v9TemplateRecord(256, V4_FIELDS)), Buffer.from([0, 0])]);
    expect(decodePacket(trailing, EXPORTER, cache, NOW).issues.map((i) => i.cause)).toEqual([
      'BAD_SET_LENGTH',
    ]);
  });

  it('skips reserved flowset ids', () => {
    const r = decodePacket(v9Packet({}, [set(5, Buffer.alloc(8))]), EXPORTER, new TemplateCache(), NOW);
    expect(r.issues).toEqual([{ cause: 'RESERVED_SET_ID', detail: 'flowset id 5' }]);
  });

  it('reports a short header', () => {
    const r = decodePacket(v9Packet({}, []).subarray(0, 19), EXPORTER, new TemplateCache(), NOW);
    expect(r.issues.map((i) => i.cause)).toEqual(['SHORT_PACKET']);
    expect(r.version).toBe(9);
  });

  it('flags a sequence gap (lost export packets)', () => {
    const cache = new TemplateCache();
    const seq = (sequence: number) =>
      decodePacket(v9Packet({ sequence }, []), EXPORTER, cache, NOW).sequenceError;
    expect([seq(10), seq(11), seq(12), seq(15), seq(16)]).toEqual([false, false, false, true, false]);
  });
});
