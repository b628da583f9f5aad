import { FlowPipeline, type BiFlow, type DecodeIssue } from '../../../../gateway/src/flow';
import { V4_FIELDS, set, v4Record, v9Packet, v9TemplateRecord } from './support/encoder';

const T = 1_700_000_000_000;
const flow = {
  src: '10.0.0.1',
  dst: '10.0.0.2',
  start: 99_000,
  end: 99_500,
  bytes: 100,
  packets: 2,
  srcPort: 40000,
  dstPort: 53,
  protocol: 17,
  flags: 0,
};
const reverse = {
  ...flow,
  src: flow.dst,
  dst: flow.src,
  srcPort: flow.dstPort,
  dstPort: flow.srcPort,
  bytes: 300,
};

describe('FlowPipeline', () => {
  it('decodes, pairs, and counts', () => {
    const p = new FlowPipeline();
    const out: BiFlow[] = [];
    const packet = v9Packet({}, [
      set(0, v9TemplateRecord(256, V4_FIELDS)),
      set(256, [v4Record(reverse), v4Record(flow)], 4),
    ]);
    p.push(packet, 'e:1', T, out);
    p.push(v9Packet({ sequence: 1 }, [set(256, v4Record({ ...flow, srcPort: 40001 }))]), 'e:1', T, out);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ srcPort: 40000, dstPort: 53, fwdBytes: 100, revBytes: 300 });
    p.tick(T + 10_000, out);
    expect(out).toHaveLength(2);
    const s = p.stats();
    expect(s).toMatchObject({ packets: 2, records: 3, templateRecords: 1, flows: 2, sequenceErrors: 0 });
    expect(s.pairing).toMatchObject({ paired: 1, oneSided: 1, pending: 0 });
    expect(s.templates).toMatchObject({ templates: 1, sessions: 1 });
  });

  it('counts issues by cause and exporter, and reports each (cause, exporter) once', () => {
    const first: [string, DecodeIssue][] = [];
    const p = new FlowPipeline({ maxTrackedExporters: 2, onFirstIssue: (e, i) => first.push([e, i]) });
    const junk = Buffer.from([0, 5, 0, 0]);
    const out: BiFlow[] = [];
    for (const exporter of ['a:1', 'a:1', 'b:1', 'c:1', 'd:1']) p.push(junk, exporter, T, out);
    p.push(Buffer.alloc(1), 'a:1', T, out);
    expect(first.map(([e, i]) => `${e} ${i.cause}`)).toEqual([
      'a:1 UNSUPPORTED_VERSION',
      'b:1 UNSUPPORTED_VERSION',
      '* UNSUPPORTED_VERSION',
      'a:1 SHORT_PACKET',
    ]);
    const s = p.stats();
    expect(s.errors.UNSUPPORTED_VERSION).toBe(5);
    expect(s.errors.SHORT_PACKET).toBe(1);
    expect(s.errorsByExporter).toEqual({
      'a:1': { UNSUPPORTED_VERSION: 2, SHORT_PACKET: 1 },
      'b:1': { UNSUPPORTED_VERSION: 1 },
      '*': { UNSUPPORTED_VERSION: 2 },
    });
  });

  it('flushes what still waits for its reverse', () => {
    const p = new FlowPipeline();
    const out: BiFlow[] = [];
    p.push(
      v9Packet({}, [set(0, v9TemplateRecord(256, V4_FIELDS)), set(256, v4Record(flow), 4)]),
      'e:1',
      T,
      out,
    );
    expect(out).toEqual([]);
    p.flush(out);
    expect(out).toHaveLength(1);
    expect(p.stats().flows).toBe(1);
  });
});
