/**
 * @jest-environment ./test/unit/support/onnx-environment.ts
 */
// The committed models (models/manifest.json) through the pool: hash and spec checks pass, the scores
// are those Python's onnxruntime gave (models/fixtures), the verdicts are the feature spec's rule.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verdictFor } from '@cityledger/core';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { decideVerdict, FEATURE_COUNT, loadModelManifest } from '../../../../gateway/src/features';
import { ScoringPool, scoringModelsFromManifest } from '../../../../gateway/src/scoring';
import { REPO } from './support/fixtures';

jest.setTimeout(60_000);

interface ModelGolden {
  readonly features: number[][];
  readonly classifier: { readonly attack_probability: number[] };
  readonly anomaly: { readonly anomaly_score: number[] };
}

const manifest = loadModelManifest();
const models = scoringModelsFromManifest(manifest);
const golden = JSON.parse(
  readFileSync(path.join(REPO, 'models', 'fixtures', 'golden.json'), 'utf8'),
) as ModelGolden;
const parity = JSON.parse(
  readFileSync(path.join(REPO, 'models', 'fixtures', 'parity-1000.json'), 'utf8'),
) as {
  features: number[][];
  attack_probability: number[];
  anomaly_score: number[];
};

let pool: ScoringPool | undefined;

beforeAll(async () => {
  pool = await ScoringPool.create({ ...models, workers: 1, maxBatch: 256, maxWaitMs: 1 });
});

afterAll(async () => {
  await pool?.close();
});

it('loads the registered models and gives the golden scores of Python onnxruntime', async () => {
  expect(models.featureCount).toBe(FEATURE_COUNT);
  const scores = await pool!.scoreMany(golden.features);
  scores.forEach((s, i) => {
    expect(Math.abs(s.attackProbability - golden.classifier.attack_probability[i]!)).toBeLessThanOrEqual(
      1e-5,
    );
    expect(Math.abs(s.anomalyScore! - golden.anomaly.anomaly_score[i]!)).toBeLessThanOrEqual(1e-5);
  });
});

it('matches Python onnxruntime to 1e-5 on 1,000 rows and an in-thread session exactly', async () => {
  const scores = await pool!.scoreMany(parity.features);
  // The worker's session options: with more intra-op threads the tree ensemble sums in another order
  // (differences around 1e-7), so "the same scores" means the same options on another thread.
  const session = await InferenceSession.create(models.classifier.path, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const input = new Tensor('float32', Float32Array.from(parity.features.flat()), [
    parity.features.length,
    FEATURE_COUNT,
  ]);
  const direct = (await session.run({ features: input })).attack_probability!.data as Float32Array;
  await session.release();
  expect(scores.map((s) => s.attackProbability)).toEqual(Array.from(direct));
  let worst = 0;
  scores.forEach((s, i) => {
    worst = Math.max(worst, Math.abs(s.attackProbability - parity.attack_probability[i]!));
    worst = Math.max(worst, Math.abs(s.anomalyScore! - parity.anomaly_score[i]!));
  });
  expect(worst).toBeLessThanOrEqual(1e-5);
});

it("gives the feature spec's verdicts, and threat scores the chain's check accepts", async () => {
  const scores = await pool!.scoreMany(parity.features);
  const counts = { benign: 0, suspicious: 0, malicious: 0 };
  for (const s of scores) {
    const scoresForRule = { attackProbability: s.attackProbability, anomalyScore: s.anomalyScore! };
    expect(s.verdict).toBe(decideVerdict(scoresForRule, manifest.thresholds));
    expect(verdictFor(s.threatScore, models.thresholds.classifier)).toBe(s.verdict);
    counts[s.verdict]++;
  }
  expect(counts.benign).toBeGreaterThan(0);
  expect(counts.malicious).toBeGreaterThan(0);
});

it('refuses a tampered copy of the registered classifier', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tampered-model-'));
  try {
    const copy = path.join(dir, 'flow-classifier.onnx');
    copyFileSync(models.classifier.path, copy);
    const bytes = readFileSync(copy);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 1;
    writeFileSync(copy, bytes);
    await expect(
      ScoringPool.create({ ...models, classifier: { ...models.classifier, path: copy } }),
    ).rejects.toMatchObject({ reason: 'model-hash-mismatch', code: 'MODEL_NOT_APPROVED' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
