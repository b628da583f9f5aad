/**
 * @jest-environment ./test/unit/support/onnx-environment.ts
 */
// The committed ONNX models in onnxruntime-node: loading, golden outputs, parity with Python onnxruntime.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import {
  FEATURE_COUNT,
  FEATURE_SPEC_SHA256,
  assertModelSpec,
  loadModelManifest,
} from '../../../gateway/src/features';
import {
  fixture,
  maxAbsDiff,
  openSession,
  rowsToTensor,
  scoreColumn,
  type Golden,
  type Parity,
} from './helpers';

const manifest = loadModelManifest();
const anomaly = manifest.anomaly;

describe('committed models', () => {
  it('are the files the manifest registers, for this feature spec', () => {
    expect(manifest.specSha256).toBe(FEATURE_SPEC_SHA256);
    expect(anomaly).toBeDefined();
    for (const entry of [manifest.classifier, anomaly!]) {
      const bytes = readFileSync(entry.file);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(entry.sha256);
      expect(bytes.length).toBeLessThan(5_000_000);
    }
    expect(manifest.thresholds.suspicious).toBeLessThan(manifest.thresholds.malicious);
    expect(() => {
      assertModelSpec({ id: 'other', specSha256: '0'.repeat(64) });
    }).toThrow(/MODEL_SPEC_MISMATCH/);
  });

  it('load in onnxruntime-node with the contract signature', async () => {
    const cls = await openSession(manifest.classifier.file);
    expect(cls.inputNames).toEqual(['features']);
    expect(cls.outputNames).toEqual(expect.arrayContaining(['attack_probability', 'probabilities', 'label']));
    const meta = cls.inputMetadata[0];
    expect(meta?.isTensor === true ? meta.shape[1] : undefined).toBe(FEATURE_COUNT);
    const iso = await openSession(anomaly!.file);
    expect(iso.inputNames).toEqual(['features']);
    expect(iso.outputNames).toContain('anomaly_score');
  });

  it('give the golden outputs on the golden inputs', async () => {
    const golden = fixture('golden.json') as Golden;
    const input = rowsToTensor(golden.features, FEATURE_COUNT);
    const cls = await openSession(manifest.classifier.file);
    const out = await cls.run({ features: input });
    const p = out.attack_probability!.data as Float32Array;
    expect(maxAbsDiff(p, golden.classifier.attack_probability)).toBeLessThanOrEqual(1e-6);
    expect(
      maxAbsDiff(out.probabilities!.data as Float32Array, golden.classifier.probabilities.flat()),
    ).toBeLessThanOrEqual(1e-6);
    expect(Array.from(out.label!.data as BigInt64Array, Number)).toEqual(golden.classifier.label);
    const iso = await openSession(anomaly!.file);
    const a = (await iso.run({ features: input })).anomaly_score!.data as Float32Array;
    expect(maxAbsDiff(a, golden.anomaly.anomaly_score)).toBeLessThanOrEqual(1e-6);
    // the golden rows include both benign and attack rows, so the outputs are not constant
    expect(Math.max(...p) - Math.min(...p)).toBeGreaterThan(0.5);
  });

  it('score 1,000 rows as Python onnxruntime did, to 1e-5', async () => {
    const parity = fixture('parity-1000.json') as Parity;
    expect(parity.features).toHaveLength(1000);
    const data = Float32Array.from(parity.features.flat());
    for (const threads of [1, 2]) {
      const cls = await openSession(manifest.classifier.file, threads);
      const p = await scoreColumn(cls, 'attack_probability', data, FEATURE_COUNT, 1000);
      expect(maxAbsDiff(p, parity.attack_probability)).toBeLessThanOrEqual(1e-5);
      const iso = await openSession(anomaly!.file, threads);
      const a = await scoreColumn(iso, 'anomaly_score', data, FEATURE_COUNT, 1000);
      expect(maxAbsDiff(a, parity.anomaly_score)).toBeLessThanOrEqual(1e-5);
    }
  });

  it('score a single row the same as inside a batch', async () => {
    const parity = fixture('parity-1000.json') as Parity;
    const cls = await openSession(manifest.classifier.file);
    for (const i of [0, 500, 999]) {
      const one = await scoreColumn(
        cls,
        'attack_probability',
        Float32Array.from(parity.features[i]!),
        FEATURE_COUNT,
      );
      expect(Math.abs(one[0]! - parity.attack_probability[i]!)).toBeLessThanOrEqual(1e-5);
    }
  });
});
