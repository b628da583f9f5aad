import { decodePacket, TemplateCache } from '../../../../gateway/src/flow';
import {
  F,
  V4_FIELDS,
  VARLEN,
  dataRecord,
  ipfixMessage,
  ipfixOptionsTemplateRecord,
  ipfixTemplateRecord,
  ntp,
  set,
  u16,
  u32,
  v4Record,
  withdrawal,
  type Field,
} from './support/encoder';

const EXPORTER = '[2001:db8::5]:4739';
const NOW = 1_700_000_000_000;
const EXPORT_S = 1_700_000_000;

const flow = {
  src: '192.168.1.10',
  dst: '203.0.113.7',
  start: 5_000,
  end: 6_250,
  bytes: 4242,
  packets: 7,
  srcPort: 51515,
  dstPort: 443,
  protocol: 6,
  flags: 0x02,
};

const SYSTEM_INIT_MS = 1_699_999_000_000;

/** softflowd's IPFIX shape: an options template with systemInitTimeMilliseconds, then flows. */
function softflowdLike(records: Buffer[], sequence = 0): Buffer {
  const options = ipfixOptionsTemplateRecord(256, [F.meteringProcessId], [F.systemInitMs]);
  return ipfixMessage({ exportTime: EXPORT_S, sequence }, [
    set(2, ipfixTemplateRecord(1024, V4_FIELDS)),
    set(3, options),
    set(256, dataRecord([F.meteringProcessId, F.systemInitMs], [42, SYSTEM_INIT_MS])),
    set(1024, records),
  ]);
}

function decodeOne(
  fields: readonly Field[],
  values: Parameters<typeof dataRecord>[1],
  cache = new TemplateCache(),
) {
  const msg = ipfixMessage({ exportTime: EXPORT_S }, [
    set(2, ipfixTemplateRecord(300, fields)),
    set(300, dataRecord(fields, values)),
  ]);
  return decodePacket(msg, EXPORTER, cache, NOW);
}

describe('IPFIX decoding', () => {
  it('resolves sysUpTime times with systemInitTimeMilliseconds from an options record', () => {
    const r = decodePacket(softflowdLike([v4Record(flow)]), EXPORTER, new TemplateCache(), NOW);
    expect(r.issues).toEqual([]);
    expect(r.version).toBe(10);
    expect(r.optionRecords).toBe(1);
    expect(r.records).toEqual([
      expect.objectContaining({
        exporter: EXPORTER,
        startMs: SYSTEM_INIT_MS + 5_000,
        endMs: SYSTEM_INIT_MS + 6_250,
        srcAddr: '192.168.1.10',
        dstAddr: '203.0.113.7',
        bytes: 4242,
        packets: 7,
        tcpFlags: 2,
      }),
    ]);
  });

  it('estimates (and counts) sysUpTime times before any systemInitTimeMilliseconds', () => {
    const msg = ipfixMessage({ exportTime: EXPORT_S }, [
      set(2, ipfixTemplateRecord(1024, V4_FIELDS)),
      set(1024, v4Record(flow)),
    ]);
    const r = decodePacket(msg, EXPORTER, new TemplateCache(), NOW);
    expect(r.approximateTimes).toBe(1);
    expect(r.records[0]).toMatchObject({ startMs: EXPORT_S * 1000 - 1_250, endMs: EXPORT_S * 1000 });
  });

  it('reads absolute times in seconds, milliseconds, microseconds and nanoseconds', () => {
    const t0 = 1_690_000_000_123;
    const base = [F.srcV4, F.dstV4];
    const addr = ['1.2.3.4', '5.6.7.8'];
    const ms = decodeOne([...base, F.startMs, F.endMs], [...addr, t0, t0 + 10]).records[0];
    expect([ms?.startMs, ms?.endMs]).toEqual([t0, t0 + 10]);
    const s = decodeOne([...base, F.startS, F.endS], [...addr, 1_690_000_000, 1_690_000_002]).records[0];
    expect([s?.startMs, s?.endMs]).toEqual([1_690_000_000_000, 1_690_000_002_000]);
    const us = decodeOne([...base, F.startUs, F.endUs], [...addr, ntp(t0), ntp(t0 + 10)]).records[0];
    expect([us?.startMs, us?.endMs]).toEqual([t0, t0 + 10]);
    const ns = decodeOne([...base, F.startNs, F.endNs], [...addr, ntp(t0), ntp(t0 + 10)]).records[0];
    expect([ns?.startMs, ns?.endMs]).toEqual([t0, t0 + 10]);
  });

  it('prefers milliseconds over seconds when both are present', () => {
    const fields = [F.srcV4, F.dstV4, F.startS, F.startMs, F.endS, F.endMs];
    const r = decodeOne(fields, [
      '1.2.3.4',
      '5.6.7.8',
      1_690_000_000,
      1_690_000_000_500,
      1_690_000_001,
      1_690_000_001_250,
    ]);
    expect(r.records[0]).toMatchObject({ startMs: 1_690_000_000_500, endMs: 1_690_000_001_250 });
  });

  it('reads delta-microsecond times and derives an end from a duration', () => {
    const delta = decodeOne(
      [F.srcV4, F.dstV4, F.startDeltaUs, F.endDeltaUs],
      ['1.2.3.4', '5.6.7.8', 3_000_000, 1_000_000],
    );
    expect(delta.records[0]).toMatchObject({
      startMs: EXPORT_S * 1000 - 3000,
      endMs: EXPORT_S * 1000 - 1000,
    });
    const duration = decodeOne(
      [F.srcV4, F.dstV4, F.startMs, F.durationMs],
      ['1.2.3.4', '5.6.7.8', 1_000_000, 250],
    );
    expect(duration.records[0]).toMatchObject({ startMs: 1_000_000, endMs: 1_000_250 });
    expect(duration.approximateTimes).toBe(0);
  });

  it('reads reduced-size counters (1 to 8 bytes)', () => {
    const fields = [F.srcV4, F.dstV4, { id: 1, length: 8 }, { id: 2, length: 1 }];
    const r = decodeOne(fields, ['1.2.3.4', '5.6.7.8', 2 ** 40 + 5, 200]);
    expect(r.records[0]).toMatchObject({ bytes: 2 ** 40 + 5, packets: 200 });
  });

  it('skips variable-length fields, short and long form', () => {
    const fields = [F.srcV4, { id: 82, length: VARLEN }, F.dstV4, { id: 83, length: VARLEN }, F.bytes];
    const r = decodeOne(fields, ['1.2.3.4', Buffer.from('eth0'), '5.6.7.8', Buffer.alloc(300, 0x41), 99]);
    expect(r.issues).toEqual([]);
    expect(r.records[0]).toMatchObject({ srcAddr: '1.2.3.4', dstAddr: '5.6.7.8', bytes: 99 });
  });

  it('skips other enterprises\u2019 fields, including ones numbered like IANA elements', () => {
    const fields = [
      { id: 8, length: 4, enterprise: 9 },
      F.srcV4,
      F.dstV4,
      { id: 1, length: 4, enterprise: 9 },
      F.bytes,
    ];
    const r = decodeOne(fields, ['9.9.9.9', '1.2.3.4', '5.6.7.8', 12345, 77]);
    expect(r.records[0]).toMatchObject({ srcAddr: '1.2.3.4', bytes: 77 });
  });

  it('reads RFC 5103 reverse elements (softflowd -b)', () => {
    const fields = [...V4_FIELDS, F.revBytes, F.revPackets, F.revTcpFlags];
    const r = decodeOne(fields, [flow.src, flow.dst, 1, 2, 10, 1, 1000, 80, 6, 0x02, 60, 1, 0x12]);
    expect(r.records[0]?.reverse).toEqual({ bytes: 60, packets: 1, tcpFlags: 0x12 });
  });

  it('drops padding at the end of a data set without complaint', () => {
    const cache = new TemplateCache();
    const msg = ipfixMessage({}, [
      set(2, ipfixTemplateRecord(1024, V4_FIELDS)),
      set(1024, [v4Record(flow), v4Record(flow)], 8),
    ]);
    const r = decodePacket(msg, EXPORTER, cache, NOW);
    expect(r.issues).toEqual([]);
    expect(r.records).toHaveLength(2);
  });

  it('reports a variable-length record that runs past its set, keeping the records before it', () => {
    const fields = [F.srcV4, F.dstV4, { id: 82, length: VARLEN }];
    const good = dataRecord(fields, ['1.2.3.4', '5.6.7.8', Buffer.from('ok')]);
    const bad = Buffer.concat([
      dataRecord([F.srcV4, F.dstV4], ['1.2.3.4', '5.6.7.8']),
      Buffer.from([200, 1, 2]),
    ]);
    const msg = ipfixMessage({}, [set(2, ipfixTemplateRecord(300, fields)), set(300, [good, bad])]);
    const r = decodePacket(msg, EXPORTER, new TemplateCache(), NOW);
    expect(r.records).toHaveLength(1);
    expect(r.issues).toEqual([
      { cause: 'BAD_RECORD', detail: 'template 300: a record runs past the end of its set' },
    ]);
  });

  it('withdraws one template, then all templates of a kind', () => {
    const cache = new TemplateCache();
    const templates = ipfixMessage({}, [
      set(2, [ipfixTemplateRecord(300, V4_FIELDS), ipfixTemplateRecord(301, V4_FIELDS)]),
      set(3, ipfixOptionsTemplateRecord(302, [F.meteringProcessId], [F.systemInitMs])),
    ]);
    decodePacket(templates, EXPORTER, cache, NOW);
    expect(cache.stats().templates).toBe(3);
    decodePacket(ipfixMessage({}, [set(2, withdrawal(300))]), EXPORTER, cache, NOW);
    const after = decodePacket(
      ipfixMessage({}, [set(300, v4Record(flow)), set(301, v4Record(flow))]),
      EXPORTER,
      cache,
      NOW,
    );
    expect(after.records).toHaveLength(1);
    expect(after.issues.map((i) => i.cause)).toEqual(['UNKNOWN_TEMPLATE']);
    decodePacket(ipfixMessage({}, [set(2, withdrawal(2))]), EXPORTER, cache, NOW);
    expect(cache.stats()).toMatchObject({ templates: 1, withdrawn: 2 });
    decodePacket(ipfixMessage({}, [set(3, withdrawal(3))]), EXPORTER, cache, NOW);
    expect(cache.stats()).toMatchObject({ templates: 0, withdrawn: 3 });
  });

  it('rejects a withdrawal of a set id other than its own', () => {
    const r = decodePacket(ipfixMessage({}, [set(2, withdrawal(7))]), EXPORTER, new TemplateCache(), NOW);
    expect(r.issues).toEqual([{ cause: 'BAD_TEMPLATE', detail: 'withdrawal of template id 7' }]);
  });

  it('rejects options templates with no scope or more scope fields than fields', () => {
    const noScope = Buffer.concat([u16(400), u16(1), u16(0), u16(160), u16(8)]);
    const tooMany = Buffer.concat([u16(401), u16(1), u16(2), u16(160), u16(8)]);
    const r = decodePacket(
      ipfixMessage({}, [set(3, [noScope, tooMany])]),
      EXPORTER,
      new TemplateCache(),
      NOW,
    );
    expect(r.issues.map((i) => i.detail)).toEqual([
      'options template 400: scope field count 0 of 1',
      'options template 401: scope field count 2 of 1',
    ]);
  });

  it('rejects a template whose field specifiers overrun the set (enterprise number cut off)', () => {
    const cut = Buffer.concat([u16(300), u16(1), u16(0x8001), u16(4), u16(0)]);
    const r = decodePacket(ipfixMessage({}, [set(2, cut)]), EXPORTER, new TemplateCache(), NOW);
    expect(r.issues.map((i) => i.cause)).toEqual(['BAD_TEMPLATE']);
  });

  it('expires a template that is not refreshed in time, and keeps one that is', () => {
    const cache = new TemplateCache({ templateTimeoutMs: 60_000 });
    const templ = ipfixMessage({}, [
      set(2, [ipfixTemplateRecord(300, V4_FIELDS), ipfixTemplateRecord(301, V4_FIELDS)]),
    ]);
    decodePacket(templ, EXPORTER, cache, NOW);
    decodePacket(
      ipfixMessage({}, [set(2, ipfixTemplateRecord(301, V4_FIELDS))]),
      EXPORTER,
      cache,
      NOW + 50_000,
    );
    const r = decodePacket(
      ipfixMessage({}, [set(300, v4Record(flow)), set(301, v4Record(flow))]),
      EXPORTER,
      cache,
      NOW + 70_000,
    );
    expect(r.records).toHaveLength(1);
    expect(r.issues).toEqual([
      { cause: 'UNKNOWN_TEMPLATE', detail: 'data set 300: template expired (not refreshed in time)' },
    ]);
    expect(cache.stats()).toMatchObject({ expired: 1, templates: 1 });
    cache.purge(NOW + 200_000);
    expect(cache.stats()).toMatchObject({ expired: 2, templates: 0, sessions: 0 });
  });

  it('refuses new sessions and templates beyond its limits', () => {
    const cache = new TemplateCache({ maxSessions: 2, maxTemplatesPerSession: 1 });
    const templ = ipfixMessage({}, [
      set(2, [ipfixTemplateRecord(300, V4_FIELDS), ipfixTemplateRecord(301, V4_FIELDS)]),
    ]);
    const first = decodePacket(templ, 'a:1', cache, NOW);
    expect(first.issues).toEqual([
      { cause: 'TEMPLATE_LIMIT', detail: 'template 301: the session holds the maximum' },
    ]);
    decodePacket(templ, 'b:1', cache, NOW);
    const third = decodePacket(templ, 'c:1', cache, NOW);
    expect(third.issues).toEqual([
      { cause: 'TEMPLATE_LIMIT', detail: 'no room for another exporter session' },
    ]);
    expect(cache.stats().sessions).toBe(2);
  });

  it('rejects a message length that disagrees with the datagram', () => {
    const cache = new TemplateCache();
    const long = ipfixMessage({ length: 100 }, [set(2, ipfixTemplateRecord(300, V4_FIELDS))]);
    expect(decodePacket(long, EXPORTER, cache, NOW).issues.map((i) => i.cause)).toEqual([
      'BAD_MESSAGE_LENGTH',
    ]);
    const tiny = ipfixMessage({ length: 8 }, []);
    expect(decodePacket(tiny, EXPORTER, cache, NOW).issues.map((i) => i.cause)).toEqual([
      'BAD_MESSAGE_LENGTH',
    ]);
    const trailing = Buffer.concat([
      ipfixMessage({}, [set(2, ipfixTemplateRecord(300, V4_FIELDS))]),
      Buffer.alloc(3),
    ]);
    const r = decodePacket(trailing, EXPORTER, cache, NOW);
    expect(r.issues.map((i) => i.cause)).toEqual(['BAD_MESSAGE_LENGTH']);
    expect(r.templateRecords).toBe(1);
  });

  it('stops at a zero-length set', () => {
    const msg = ipfixMessage({}, [Buffer.from([1, 0, 0, 0]), set(2, ipfixTemplateRecord(300, V4_FIELDS))]);
    const r = decodePacket(msg, EXPORTER, new TemplateCache(), NOW);
    // 52 bytes left: the bad 4-byte set, then the template set (4 + 4 + 10 field specifiers of 4).
    expect(r.issues).toEqual([
      { cause: 'BAD_SET_LENGTH', detail: 'set 256 at offset 16: length 0, 52 left' },
    ]);
    expect(r.templateRecords).toBe(0);
  });

  it('skips reserved set ids', () => {
    const r = decodePacket(
      ipfixMessage({}, [set(4, Buffer.alloc(4)), set(1, Buffer.alloc(4))]),
      EXPORTER,
      new TemplateCache(),
      NOW,
    );
    expect(r.issues.map((i) => i.detail)).toEqual(['set id 4', 'set id 1']);
  });

  it('checks sequence numbers (RFC 7011 counting, and softflowd counting its own records)', () => {
    const cache = new TemplateCache();
    decodePacket(ipfixMessage({}, [set(2, ipfixTemplateRecord(1024, V4_FIELDS))]), 'rfc:1', cache, NOW);
    decodePacket(ipfixMessage({}, [set(2, ipfixTemplateRecord(1024, V4_FIELDS))]), 'softflowd:1', cache, NOW);
    const send = (exporter: string, sequence: number, n: number) => {
      const records = Array.from({ length: n }, () => v4Record(flow));
      return decodePacket(ipfixMessage({ sequence }, [set(1024, records)]), exporter, cache, NOW)
        .sequenceError;
    };
    // RFC 7011: records sent before this message.
    expect([send('rfc:1', 0, 3), send('rfc:1', 3, 2), send('rfc:1', 5, 4), send('rfc:1', 20, 1)]).toEqual([
      false,
      false,
      false,
      true,
    ]);
    // softflowd 1.1.0: records sent up to and including this message.
    expect([send('softflowd:1', 3, 3), send('softflowd:1', 5, 2), send('softflowd:1', 9, 4)]).toEqual([
      false,
      false,
      false,
    ]);
  });

  it('treats an unknown set after a header as unknown template, not as an error of the message', () => {
    const msg = ipfixMessage({}, [set(999, u32(1))]);
    const r = decodePacket(msg, EXPORTER, new TemplateCache(), NOW);
    expect(r.issues.map((i) => i.cause)).toEqual(['UNKNOWN_TEMPLATE']);
  });
});
