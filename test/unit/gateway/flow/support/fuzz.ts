/**
 * Fuzzing the decoder: a seeded corpus of valid NetFlow v9 / IPFIX packets (built with the test
 * encoder, shaped like softflowd's and with every feature the decoder has), mutated at random, fed
 * through the decode-and-pair pipeline. Shared by the short jest run and the long script.
 */
import { performance } from 'node:perf_hooks';
import { FlowPipeline, type BiFlow, type DecodeResult } from '../../../../../gateway/src/flow';
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
  v4Record,
  v9OptionsTemplateRecord,
  v9Packet,
  v9TemplateRecord,
  withdrawal,
  type Field,
} from './encoder';

/** mulberry32: a small seeded PRNG, so that a failing run can be repeated. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const flow = {
  src: '192.168.1.195',
  dst: '185.244.25.235',
  start: 1000,
  end: 2000,
  bytes: 600,
  packets: 10,
  srcPort: 40000,
  dstPort: 6667,
  protocol: 6,
  flags: 0x1b,
};
const reverse = { ...flow, src: flow.dst, dst: flow.src, srcPort: flow.dstPort, dstPort: flow.srcPort };
const V6_FIELDS: Field[] = [
  F.srcV6,
  F.dstV6,
  F.startUptime,
  F.endUptime,
  F.bytes,
  F.packets,
  F.icmpTypeCode,
  F.protocol,
];
const VAR_FIELDS: Field[] = [
  F.srcV4,
  { id: 82, length: VARLEN },
  F.dstV4,
  { id: 1, length: 8 },
  { id: 9999, length: 4, enterprise: 7 },
];
const ABS_FIELDS: Field[] = [
  F.srcV4,
  F.dstV4,
  F.startMs,
  F.endMs,
  F.startUs,
  F.endNs,
  F.startDeltaUs,
  F.durationMs,
];
const BIFLOW_FIELDS: Field[] = [...V4_FIELDS, F.revBytes, F.revPackets, F.revTcpFlags];

/** Valid packets covering templates, options, data, IPv6, variable-length and enterprise fields. */
export function seedCorpus(): Buffer[] {
  const v9Options = v9OptionsTemplateRecord(257, [{ id: 2, length: 4 }], [{ id: 34, length: 4 }]);
  const ipfixOptions = ipfixOptionsTemplateRecord(256, [F.meteringProcessId], [F.systemInitMs]);
  const sysInit = set(256, dataRecord([F.meteringProcessId, F.systemInitMs], [1, 1_700_000_000_000]));
  const v6 = dataRecord(V6_FIELDS, ['2001:db8::1', 'ff02::1:ff00:1', 10, 20, 64, 1, 135 * 256, 58]);
  return [
    v9Packet({}, [
      set(0, [v9TemplateRecord(256, V4_FIELDS), v9TemplateRecord(258, V6_FIELDS)]),
      set(1, v9Options, 4),
    ]),
    v9Packet({ sequence: 1 }, [set(256, [v4Record(reverse), v4Record(flow)], 4), set(258, v6, 4)]),
    v9Packet({}, [
      set(0, v9TemplateRecord(256, V4_FIELDS)),
      set(256, [v4Record(flow), v4Record(reverse)], 4),
    ]),
    ipfixMessage({}, [
      set(2, [ipfixTemplateRecord(1024, V4_FIELDS), ipfixTemplateRecord(1025, VAR_FIELDS)]),
      set(3, ipfixOptions),
      sysInit,
    ]),
    ipfixMessage({ sequence: 1 }, [
      set(1024, [v4Record(flow), v4Record(reverse)]),
      set(1025, dataRecord(VAR_FIELDS, ['1.2.3.4', Buffer.from('eth0'), '5.6.7.8', 99, 5])),
    ]),
    ipfixMessage({}, [
      set(2, [ipfixTemplateRecord(1026, ABS_FIELDS), ipfixTemplateRecord(1027, BIFLOW_FIELDS)]),
      set(
        1026,
        dataRecord(ABS_FIELDS, [
          '1.1.1.1',
          '2.2.2.2',
          1_700_000_000_000,
          1_700_000_001_000,
          ntp(1_700_000_000_000),
          ntp(1_700_000_000_500),
          5,
          9,
        ]),
      ),
      set(1027, dataRecord(BIFLOW_FIELDS, [flow.src, flow.dst, 1, 2, 3, 4, 22, 50000, 6, 0x12, 5, 6, 0x02])),
    ]),
    ipfixMessage({}, [set(2, [withdrawal(1024), withdrawal(2)]), set(3, withdrawal(3))]),
  ];
}

const INTERESTING_16 = [0, 1, 2, 3, 4, 5, 255, 256, 257, 0x7fff, 0x8000, 0xfffe, 0xffff];
const INTERESTING_8 = [0, 1, 0x7f, 0x80, 0xff];

type Mutator = (b: Buffer, r: () => number, corpus: readonly Buffer[]) => Buffer;

const pick = <T>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)]!;
const at = (b: Buffer, r: () => number) => Math.floor(r() * b.length);

const MUTATORS: Mutator[] = [
  (b, r) => {
    const c = Buffer.from(b);
    for (let i = 1 + Math.floor(r() * 8); i > 0 && c.length > 0; i--)
      c[at(c, r)]! ^= 1 << Math.floor(r() * 8);
    return c;
  },
  (b, r) => {
    const c = Buffer.from(b);
    if (c.length > 0) c[at(c, r)] = pick(INTERESTING_8, r);
    return c;
  },
  (b, r) => {
    const c = Buffer.from(b);
    if (c.length >= 2) c.writeUInt16BE(pick(INTERESTING_16, r), Math.floor(r() * (c.length - 1)) & ~1);
    return c;
  },
  (b, r) => b.subarray(0, Math.floor(r() * b.length)),
  (b, r) => Buffer.concat([b, randomBytes(Math.floor(r() * 64), r)]),
  (b, r, corpus) => {
    const other = pick(corpus, r);
    return Buffer.concat([b.subarray(0, at(b, r)), other.subarray(at(other, r))]);
  },
  (b, r) => {
    const from = at(b, r);
    const chunk = b.subarray(from, from + Math.floor(r() * 32));
    const to = at(b, r);
    return Buffer.concat([b.subarray(0, to), chunk, b.subarray(to)]);
  },
];

function randomBytes(n: number, r: () => number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(r() * 256);
  return b;
}

/** A random input: mostly mutated seeds (1-3 mutations), sometimes noise with a valid version. */
export function nextInput(corpus: readonly Buffer[], r: () => number): Buffer {
  if (r() < 0.1) {
    const b = randomBytes(Math.floor(r() * 1500), r);
    if (b.length >= 2 && r() < 0.7) b.writeUInt16BE(r() < 0.5 ? 9 : 10, 0);
    return b;
  }
  let b = pick(corpus, r);
  for (let i = 1 + Math.floor(r() * 3); i > 0; i--) b = pick(MUTATORS, r)(b, r, corpus);
  return b;
}

/** A problem with the output that is not an exception: anything the next stage could choke on. */
export function invalidOutput(result: DecodeResult, flows: readonly BiFlow[]): string | undefined {
  for (const f of result.records) {
    const nums = [f.startMs, f.endMs, f.bytes, f.packets, f.protocol, f.tcpFlags, f.srcPort, f.dstPort];
    if (!nums.every(Number.isFinite)) return `non-finite number in ${JSON.stringify(f)}`;
    if (f.srcAddr === '' || f.dstAddr === '' || f.srcPort > 65535 || f.dstPort > 65535)
      return `bad record ${JSON.stringify(f)}`;
  }
  for (const b of flows) {
    if (![b.startMs, b.endMs, b.fwdBytes, b.revBytes, b.fwdPackets, b.revPackets].every(Number.isFinite)) {
      return `non-finite number in ${JSON.stringify(b)}`;
    }
  }
  return undefined;
}

export interface FuzzReport {
  readonly inputs: number;
  readonly crashes: number;
  readonly invalid: number;
  readonly records: number;
  readonly issues: number;
  readonly seconds: number;
  readonly slowestMs: number;
  /** The first few failing inputs (hex) with what went wrong, to reproduce them. */
  readonly failures: { readonly input: string; readonly error: string }[];
}

/** Runs `count` inputs from `seed`; a new pipeline every 5000 inputs, so fresh state is fuzzed too. */
export function fuzz(count: number, seed: number): FuzzReport {
  const r = prng(seed);
  const corpus = seedCorpus();
  const failures: { input: string; error: string }[] = [];
  let pipeline = new FlowPipeline({
    templates: { maxSessions: 64, maxTemplatesPerSession: 64 },
    pairing: { maxPending: 1000 },
  });
  let crashes = 0;
  let invalid = 0;
  let records = 0;
  let issues = 0;
  let slowest = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    if (i % 5000 === 0)
      pipeline = new FlowPipeline({ templates: { maxSessions: 64 }, pairing: { maxPending: 1000 } });
    const input = nextInput(corpus, r);
    const exporter = `10.0.0.${i % 4}:2055`;
    const t0 = performance.now();
    try {
      const flows: BiFlow[] = [];
      const result = pipeline.push(input, exporter, 1_700_000_000_000 + i, flows);
      pipeline.tick(1_700_000_000_000 + i, flows);
      records += result.records.length;
      issues += result.issues.length;
      const problem = invalidOutput(result, flows);
      if (problem !== undefined) {
        invalid++;
        if (failures.length < 5) failures.push({ input: input.toString('hex'), error: problem });
      }
    } catch (err) {
      crashes++;
      if (failures.length < 5) failures.push({ input: input.toString('hex'), error: String(err) });
    }
    slowest = Math.max(slowest, performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  return { inputs: count, crashes, invalid, records, issues, seconds, slowestMs: slowest, failures };
}
