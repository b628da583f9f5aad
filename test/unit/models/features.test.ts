// The TypeScript feature extractor against the spec file and against Python on the same raw records.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import {
  FEATURE_COUNT,
  FEATURE_NAMES,
  FEATURE_SPEC_SHA256,
  FeatureContractError,
  biflowFromCic,
  biflowFromNfV2,
  biflowFromZeekConn,
  canonicalJson,
  canonicalSha256,
  checkFeatureSpec,
  csvRecord,
  extractFeatureBatch,
  extractFeatureStream,
  extractFeatures,
  loadFeatureSpec,
  parseZeekConnLine,
} from '../../../gateway/src/features';
import type { BiFlow } from '../../../gateway/src/flow/biflow';
import { fixture, maxAbsDiff, modelsDir } from './helpers';

interface ParityCase {
  readonly header?: string;
  readonly rows: readonly unknown[];
  readonly features: readonly (readonly number[])[];
}
interface FeatureParity {
  readonly featureNames: readonly string[];
  readonly cases: Readonly<Record<'nf_v2' | 'cicflowmeter' | 'zeek_conn' | 'biflow', ParityCase>>;
}

const parity = fixture('feature-parity.json') as FeatureParity;
const specPath = path.join(modelsDir, 'feature-spec.json');

function toFlows(name: keyof FeatureParity['cases']): BiFlow[] {
  const c = parity.cases[name];
  const header = c.header ?? '';
  return c.rows.map((row) => {
    switch (name) {
      case 'nf_v2':
        return biflowFromNfV2(csvRecord(header, row as string));
      case 'cicflowmeter':
        return biflowFromCic(csvRecord(header, row as string));
      case 'zeek_conn':
        return biflowFromZeekConn(parseZeekConnLine(row as string));
      default:
        return row as BiFlow;
    }
  });
}

describe('feature spec contract', () => {
  it('FEATURE_SPEC_SHA256 is the canonical sha256 of models/feature-spec.json', () => {
    const document: unknown = JSON.parse(readFileSync(specPath, 'utf8'));
    expect(canonicalSha256(document)).toBe(FEATURE_SPEC_SHA256);
    const spec = loadFeatureSpec(specPath);
    expect(spec.features.map((f) => f.name)).toEqual([...FEATURE_NAMES]);
    expect(spec.input.shape[1]).toBe(FEATURE_COUNT);
    expect(parity.featureNames).toEqual([...FEATURE_NAMES]);
  });

  it('refuses a spec that differs in any value', () => {
    const document = JSON.parse(readFileSync(specPath, 'utf8')) as {
      features: { transform: { clipMax?: number } }[];
    };
    document.features[0]!.transform.clipMax = 7_200_000;
    expect(() => checkFeatureSpec(document)).toThrow(FeatureContractError);
    try {
      checkFeatureSpec(document);
    } catch (error) {
      expect((error as FeatureContractError).code).toBe('FEATURE_SPEC_MISMATCH');
    }
  });

  it('reports an unreadable spec file with a code', () => {
    expect(() => loadFeatureSpec(path.join(modelsDir, 'no-such-spec.json'))).toThrow(/FEATURE_SPEC_INVALID/);
  });

  it('canonicalises JSON as RFC 8785 does', () => {
    expect(canonicalJson({ b: [1, 1.0, 1.5, -0.25, 1e21, 1e-7], a: { z: null, y: true } })).toBe(
      '{"a":{"y":true,"z":null},"b":[1,1,1.5,-0.25,1e+21,1e-7]}',
    );
    expect(canonicalJson({ '\u00e9': 1, z: 2, Z: 3 })).toBe('{"Z":3,"z":2,"\u00e9":1}');
    expect(() => canonicalJson({ x: Number.NaN })).toThrow(TypeError);
  });
});

describe('extractFeatures', () => {
  it('computes a hand-checked SYN-only attempt', () => {
    const flow: BiFlow = {
      exporter: 'test',
      startMs: 1000,
      endMs: 4139,
      protocol: 6,
      srcAddr: '192.168.1.195',
      dstAddr: '185.244.25.235',
      srcPort: 48986,
      dstPort: 6667,
      fwdBytes: 180,
      fwdPackets: 3,
      revBytes: 0,
      revPackets: 0,
      fwdTcpFlags: 0x02,
      revTcpFlags: 0,
    };
    const x = extractFeatures(flow);
    const expected = new Float32Array(FEATURE_COUNT);
    const set = (name: (typeof FEATURE_NAMES)[number], value: number): void => {
      expected[FEATURE_NAMES.indexOf(name)] = value;
    };
    set('duration_log', Math.log1p(3139));
    set('proto_tcp', 1);
    set('dport_registered', 1);
    set('fwd_bytes_log', Math.log1p(180));
    set('fwd_pkts_log', Math.log1p(3));
    set('fwd_bytes_per_pkt_log', Math.log1p(60));
    set('syn_fwd', 1);
    // without a context the flow is taken alone: one flow, one address, one port, unanswered, same dst
    set('ctx_flows_log', Math.log1p(1));
    set('ctx_dst_addrs_log', Math.log1p(1));
    set('ctx_dst_ports_log', Math.log1p(1));
    set('ctx_unanswered_frac', 1);
    set('ctx_same_dst_frac', 1);
    expect(Array.from(x)).toEqual(Array.from(expected));
    expect(extractFeatureBatch([flow, flow]).subarray(FEATURE_COUNT)).toEqual(x);
  });

  it.each(['nf_v2', 'cicflowmeter', 'zeek_conn', 'biflow'] as const)(
    'equals the Python implementation on %s records',
    (name) => {
      const flows = toFlows(name);
      const expected = parity.cases[name].features;
      expect(flows.length).toBeGreaterThanOrEqual(50);
      expect(flows.length).toBe(expected.length);
      // Zeek logs and BiFlow lists are flow streams with host context; NF-v2 and CIC rows are isolated.
      const stream = name === 'zeek_conn' || name === 'biflow';
      const got = stream ? extractFeatureStream(flows) : extractFeatureBatch(flows);
      const want = Float32Array.from(expected.flat());
      // float32 outputs of the same float64 formulas; 1e-6 allows a last-ulp difference of log1p.
      expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-6);
    },
  );

  it('has real host context in the stream fixtures (not only isolated flows)', () => {
    const at = FEATURE_NAMES.indexOf('ctx_flows_log');
    for (const name of ['zeek_conn', 'biflow'] as const) {
      const counts = parity.cases[name].features.map((row) => Math.round(Math.expm1(row[at]!)));
      expect(Math.max(...counts)).toBeGreaterThan(5);
    }
  });

  it('rejects malformed records with FLOW_RECORD_INVALID', () => {
    const c = parity.cases.nf_v2;
    const row = (c.rows[0] as string).replace(/^([^,]*,[^,]*,[^,]*,[^,]*,)[^,]*/, '$1six');
    expect(() => biflowFromNfV2(csvRecord(c.header ?? '', row))).toThrow(/FLOW_RECORD_INVALID/);
    expect(() => csvRecord('a,b', '1,2,3')).toThrow(/FLOW_RECORD_INVALID/);
    expect(() => parseZeekConnLine('1\t2\t3')).toThrow(/FLOW_RECORD_INVALID/);
  });
});
