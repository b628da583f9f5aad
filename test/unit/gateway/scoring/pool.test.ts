/**
 * @jest-environment ./test/unit/support/onnx-environment.ts
 */
import path from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ScoringError, ScoringPool, type FlowScore } from '../../../../gateway/src/scoring';
import { CRASH_MARKER } from './support/crash-marker';
import { fixture, golden, row, settledWithin, tinyOptions } from './support/fixtures';

jest.setTimeout(30_000);

const pools: ScoringPool[] = [];
async function pool(overrides: Parameters<typeof tinyOptions>[0] = {}): Promise<ScoringPool> {
  const p = await ScoringPool.create(tinyOptions(overrides));
  pools.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close({ drain: false })));
});

/** Scores of `rows` from onnxruntime-node sessions run directly on this thread. */
async function direct(
  rows: readonly (readonly number[])[],
): Promise<{ attack: Float32Array; anomaly: Float32Array }> {
  const input = new Tensor('float32', Float32Array.from(rows.flat()), [rows.length, golden.nFeatures]);
  const cls = await InferenceSession.create(fixture('tiny-classifier.onnx'));
  const ano = await InferenceSession.create(fixture('tiny-anomaly.onnx'));
  try {
    const a = await cls.run({ features: input });
    const b = await ano.run({ features: input });
    return {
      attack: a.attack_probability!.data as Float32Array,
      anomaly: b.anomaly_score!.data as Float32Array,
    };
  } finally {
    await cls.release();
    await ano.release();
  }
}

describe('ScoringPool scores', () => {
  it('gives exactly the scores of a direct in-thread InferenceSession, and Python onnxruntime to 1e-6', async () => {
    const p = await pool();
    const scores = await p.scoreMany(golden.rows);
    const ref = await direct(golden.rows);
    expect(scores.map((s) => s.attackProbability)).toEqual(Array.from(ref.attack));
    expect(scores.map((s) => s.anomalyScore)).toEqual(Array.from(ref.anomaly));
    scores.forEach((s, i) => {
      expect(s.attackProbability).toBeCloseTo(golden.outputs.attack_probability[i]!, 6);
      expect(s.anomalyScore).toBeCloseTo(golden.outputs.anomaly_score[i]!, 6);
    });
  });

  it('applies the verdict rule to both scores', async () => {
    const p = await pool();
    const scores = await p.scoreMany(golden.rows);
    const verdicts = new Set(scores.map((s) => s.verdict));
    expect(verdicts).toEqual(new Set(['benign', 'suspicious', 'malicious']));
    for (const s of scores) {
      const expected =
        s.attackProbability >= 0.9
          ? 'malicious'
          : s.attackProbability >= 0.5 || s.anomalyScore! >= 1.5
            ? 'suspicious'
            : 'benign';
      expect(s.verdict).toBe(expected);
    }
  });

  it('works without an anomaly model (anomaly clause false)', async () => {
    const p = await pool({
      anomaly: undefined,
      thresholds: { classifier: { suspicious: 0.5, malicious: 0.9 } },
    });
    const [s] = await p.scoreMany([golden.rows[0]!]);
    expect(s!.anomalyScore).toBeUndefined();
    expect(s!.attackProbability).toBeCloseTo(golden.outputs.attack_probability[0]!, 6);
  });
  it('reads the named output of a model with several outputs', async () => {
    // onnxruntime-node 1.23.2 returns a subset fetch of this model under the name 'logit'.
    const p = await pool({
      classifier: {
        path: fixture('tiny-classifier-2out.onnx'),
        sha256: golden.sha256['tiny-classifier-2out.onnx']!,
        featureSpecSha256: tinyOptions().featureSpecSha256,
      },
    });
    const scores = await p.scoreMany(golden.rows);
    const ref = await direct(golden.rows);
    expect(scores.map((s) => s.attackProbability)).toEqual(Array.from(ref.attack));
  });
});

describe('ScoringPool ordering', () => {
  it('resolves each concurrent caller with the scores of its own row', async () => {
    const p = await pool({ maxBatch: 16, maxWaitMs: 1 });
    const rows = Array.from({ length: 300 }, (_, i) => row(i));
    const ref = await direct(rows);
    const scores = await Promise.all(rows.map((r) => p.score(r)));
    expect(scores.map((s) => s.attackProbability)).toEqual(Array.from(ref.attack));
    expect(scores.map((s) => s.anomalyScore)).toEqual(Array.from(ref.anomaly));
    expect(p.stats().batches).toBeGreaterThanOrEqual(300 / 16);
  });

  it('keeps order inside a call whose rows span many batches', async () => {
    const p = await pool({ maxBatch: 64 });
    const rows = Array.from({ length: 1000 }, (_, i) => row(i));
    const ref = await direct(rows);
    const [scores, single] = await Promise.all([p.scoreMany(rows), p.score(row(5))]);
    expect(scores.map((s) => s.attackProbability)).toEqual(Array.from(ref.attack));
    expect(single.attackProbability).toBe(ref.attack[5]);
    expect(p.stats().batches).toBeGreaterThanOrEqual(Math.ceil(1001 / 64));
  });
});

describe('ScoringPool batching', () => {
  it('cuts a batch as soon as maxBatch rows are queued, without waiting', async () => {
    const p = await pool({ maxBatch: 8, maxWaitMs: 60_000 });
    const first = Promise.all(Array.from({ length: 5 }, (_, i) => p.score(row(i))));
    expect(await settledWithin(first, 300)).toBe('pending');
    expect(p.stats()).toMatchObject({ queuedRows: 5, batches: 0 });
    const rest = Promise.all(Array.from({ length: 3 }, (_, i) => p.score(row(i + 5))));
    await Promise.all([first, rest]);
    expect(p.stats()).toMatchObject({ queuedRows: 0, batches: 1, rowsScored: 8 });
  });

  it('cuts a partial batch when its oldest row has waited maxWaitMs', async () => {
    const p = await pool({ maxBatch: 1000, maxWaitMs: 150 });
    const started = performance.now();
    const scores = await Promise.all([p.score(row(1)), p.score(row(2)), p.score(row(3))]);
    const waited = performance.now() - started;
    expect(scores).toHaveLength(3);
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(5_000);
    expect(p.stats()).toMatchObject({ batches: 1, rowsScored: 3 });
  });

  it('sends a lone row at once when maxWaitMs is 0', async () => {
    const p = await pool({ maxBatch: 1000, maxWaitMs: 0 });
    await p.score(row(1));
    expect(p.stats()).toMatchObject({ batches: 1, rowsScored: 1 });
  });
});

describe('ScoringPool overload', () => {
  it('rejects with a counted overload error when the queue is full, instead of growing', async () => {
    const p = await pool({ maxBatch: 64, maxWaitMs: 60_000, maxQueuedRows: 16 });
    const accepted = p.scoreMany(Array.from({ length: 16 }, (_, i) => row(i)));
    const err = (await p.score(row(99)).catch((e: unknown) => e)) as ScoringError;
    expect(err).toBeInstanceOf(ScoringError);
    expect(err).toMatchObject({
      reason: 'overloaded',
      code: 'UNAVAILABLE',
      transient: true,
      httpStatus: 503,
    });
    await expect(p.scoreMany([row(1), row(2)])).rejects.toMatchObject({ reason: 'overloaded' });
    // A call that could never fit is a caller error, not overload.
    await expect(p.scoreMany(Array.from({ length: 17 }, (_, i) => row(i)))).rejects.toMatchObject({
      reason: 'invalid-input',
    });
    expect(p.stats()).toMatchObject({ queuedRows: 16, overloadRejections: 2, overloadRejectedRows: 3 });
    // Closing with drain scores what was accepted.
    await p.close();
    await expect(accepted).resolves.toHaveLength(16);
  });
});

describe('ScoringPool worker crash', () => {
  const crashingWorker = path.join(__dirname, 'support', 'crashing-worker.ts');

  it('fails the in-flight batch with a clear error, restarts the worker, and goes on scoring', async () => {
    const p = await pool({ workerEntry: crashingWorker, maxBatch: 4, maxWaitMs: 5 });
    expect((await p.score(row(1))).attackProbability).toBeGreaterThan(0);
    const crashRow = row(2);
    crashRow[0] = CRASH_MARKER;
    const crashed = p.score(crashRow).catch((e: unknown) => e);
    const neighbour = p.score(row(3)); // queued right after the crash row: same batch
    const err = (await crashed) as ScoringError;
    expect(err).toBeInstanceOf(ScoringError);
    expect(err.reason).toBe('worker-crashed');
    expect(err.message).toMatch(/worker 0 died \(exited with code 7\); it is being restarted/);
    await expect(neighbour).rejects.toMatchObject({ reason: 'worker-crashed' });
    const after = await p.scoreMany([row(4), row(5)]);
    const ref = await direct([row(4), row(5)]);
    expect(after.map((s) => s.attackProbability)).toEqual(Array.from(ref.attack));
    expect(p.stats()).toMatchObject({ workerCrashes: 1, failedBatches: 1, readyWorkers: 1 });
  });

  it('keeps serving on the other worker while one restarts', async () => {
    const p = await pool({ workerEntry: crashingWorker, workers: 2, maxBatch: 1, maxWaitMs: 0 });
    const crashRow = row(2);
    crashRow[0] = CRASH_MARKER;
    const results = await Promise.allSettled([
      p.score(crashRow),
      ...Array.from({ length: 20 }, (_, i) => p.score(row(i))),
    ]);
    expect(results[0]).toMatchObject({ status: 'rejected', reason: { reason: 'worker-crashed' } });
    expect(results.slice(1).every((r) => r.status === 'fulfilled')).toBe(true);
    expect(p.stats().workerCrashes).toBe(1);
  });
});

describe('ScoringPool model checks', () => {
  it('refuses a model whose sha256 differs from the registry entry', async () => {
    const options = tinyOptions();
    const wrong = { ...options.classifier, sha256: 'ab'.repeat(32) };
    const err = (await ScoringPool.create({ ...options, classifier: wrong }).catch(
      (e: unknown) => e,
    )) as ScoringError;
    expect(err).toBeInstanceOf(ScoringError);
    expect(err).toMatchObject({ reason: 'model-hash-mismatch', code: 'MODEL_NOT_APPROVED' });
    expect(err.message).toContain(
      `has sha256 ${golden.sha256['tiny-classifier.onnx']}, the registry expects ${'ab'.repeat(32)}`,
    );
  });

  it('refuses a model trained on another feature spec', async () => {
    const options = tinyOptions();
    const other = { ...options.anomaly!, featureSpecSha256: 'cd'.repeat(32) };
    await expect(ScoringPool.create({ ...options, anomaly: other })).rejects.toMatchObject({
      reason: 'feature-spec-mismatch',
      code: 'MODEL_NOT_APPROVED',
    });
  });

  it('refuses a model whose input width is not the feature count', async () => {
    const options = tinyOptions();
    const five = {
      ...options.classifier,
      path: fixture('tiny-classifier-5.onnx'),
      sha256: golden.sha256['tiny-classifier-5.onnx']!,
    };
    const err = (await ScoringPool.create({ ...options, classifier: five }).catch(
      (e: unknown) => e,
    )) as ScoringError;
    expect(err).toMatchObject({ reason: 'model-load-failed' });
    expect(err.message).toContain('classifier model expects 5 features per row, the feature spec has 6');
  });

  it('refuses a model without the expected output', async () => {
    const options = tinyOptions();
    await expect(
      ScoringPool.create({ ...options, classifier: { ...options.classifier, output: 'probabilities' } }),
    ).rejects.toThrow(/classifier model has no output 'probabilities'/);
  });

  it('refuses a missing file', async () => {
    const options = tinyOptions();
    await expect(
      ScoringPool.create({ ...options, classifier: { ...options.classifier, path: fixture('absent.onnx') } }),
    ).rejects.toMatchObject({ reason: 'model-load-failed' });
  });
});

describe('ScoringPool input and lifecycle', () => {
  it('rejects rows of the wrong width or with non-finite values', async () => {
    const p = await pool();
    await expect(p.score([1, 2, 3])).rejects.toMatchObject({
      reason: 'invalid-input',
      code: 'INVALID_ARGUMENT',
    });
    const bad = row(1);
    bad[2] = Number.NaN;
    await expect(p.scoreMany([row(0), bad])).rejects.toThrow(/row 1 feature 2 is not a finite number/);
  });

  it('close without drain rejects waiting rows; closed pools refuse new rows', async () => {
    const p = await pool({ maxWaitMs: 60_000 });
    const waiting = p.score(row(1)).catch((e: unknown) => e);
    await p.close({ drain: false });
    expect(await waiting).toMatchObject({ reason: 'closed' });
    await expect(p.score(row(1))).rejects.toMatchObject({ reason: 'closed' });
  });

  it('validates its options', async () => {
    await expect(ScoringPool.create(tinyOptions({ maxBatch: 0 }))).rejects.toThrow(
      /maxBatch must be a positive integer/,
    );
    await expect(
      ScoringPool.create(tinyOptions({ thresholds: { classifier: { suspicious: 0.9, malicious: 0.5 } } })),
    ).rejects.toThrow(/suspicious < malicious/);
  });

  it('accepts Float32Array rows', async () => {
    const p = await pool();
    const s: FlowScore = await p.score(Float32Array.from(golden.rows[3]!));
    expect(s.attackProbability).toBeCloseTo(golden.outputs.attack_probability[3]!, 6);
  });
});
