// Inference share of the gateway benchmark: raw onnxruntime-node rows/s for the default classifier on
// this thread, and the same model through the gateway's ScoringPool (worker thread, micro-batching),
// at batch sizes 1, 64, 1024 and 16384, to show what the pool costs. Also: single-row callers
// micro-batched by the pool, and the main thread's event-loop delay while each scores big batches.
// Per-model figures (1 and 2 threads, both models) are bench/models.ts's, not this file's.
//
//   npm run bench -- inference [--seconds S]      writes bench/results/inference.json
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { FEATURE_COUNT, loadModelManifest } from '@cityledger/gateway/dist/features';
import { ScoringPool, scoringModelsFromManifest } from '@cityledger/gateway/dist/scoring';
import { argSeconds, featureRows } from './lib/inputs';
import { type Figure, percentile, saveResults } from './lib/report';

const BATCHES = [1, 64, 1024, 16384] as const;
const ROUNDS = 3;
/** Every measurement lasts at least this many calls, so a 16384-row batch is timed more than once. */
const MIN_CALLS = 4;

function rowsOf(data: Float32Array, n: number): Float32Array[] {
  return Array.from({ length: n }, (_, i) => data.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT));
}

interface Run {
  readonly rowsPerSecond: number;
  readonly latenciesMs: number[];
  readonly loopDelayMaxMs: number;
}

/** Calls `once` (scoring `batch` rows) repeatedly for `seconds`, `concurrency` calls at a time. */
async function measure(
  batch: number,
  seconds: number,
  concurrency: number,
  once: () => Promise<void>,
): Promise<Run> {
  for (let i = 0; i < 3; i++) {
    await once(); // warm-up
  }
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const latenciesMs: number[] = [];
  let rows = 0;
  let calls = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  loop.enable();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until || calls < MIN_CALLS) {
        calls++;
        const t = performance.now();
        await once();
        latenciesMs.push(performance.now() - t);
        rows += batch;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  loop.disable();
  return { rowsPerSecond: rows / elapsed, latenciesMs, loopDelayMaxMs: loop.max / 1e6 };
}

async function main(): Promise<void> {
  const seconds = argSeconds(1.5);
  const manifest = loadModelManifest();
  const models = scoringModelsFromManifest(manifest);
  const data = featureRows(Math.max(...BATCHES));
  const figures: Figure[] = [];
  const add = (name: string, value: number, unit: string): void => {
    figures.push({ name, value: Math.round(value * 100) / 100, unit });
  };

  const session = await InferenceSession.create(models.classifier.path, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });
  const output = models.classifier.output ?? 'attack_probability';
  // The machine is shared: direct and pool runs alternate, ROUNDS times, and the best of each counts.
  const direct: Record<number, Run> = {};
  const pooled: Record<number, Run> = {};
  const best = (a: Run | undefined, b: Run): Run =>
    a === undefined || b.rowsPerSecond > a.rowsPerSecond ? b : a;
  for (const b of BATCHES) {
    const input = new Tensor('float32', data.subarray(0, b * FEATURE_COUNT), [b, FEATURE_COUNT]);
    const pool = await ScoringPool.create({
      ...models,
      anomaly: undefined, // the classifier alone, as in the direct runs
      workers: 1,
      intraOpThreads: 1,
      maxBatch: b,
      maxWaitMs: 0,
      maxQueuedRows: 4 * b,
    });
    const rows = rowsOf(data, b);
    for (let round = 0; round < ROUNDS; round++) {
      const d = await measure(b, seconds, 1, async () => {
        // All outputs, as the pool's worker does (see gateway/src/scoring/worker.ts).
        const result = await session.run({ features: input });
        if (result[output] === undefined) {
          throw new Error(`no output ${output}`);
        }
      });
      direct[b] = best(direct[b], d);
      // Two calls outstanding, so the worker always has the next batch waiting.
      const p = await measure(b, seconds, 2, async () => {
        await pool.scoreMany(rows);
      });
      pooled[b] = best(pooled[b], p);
    }
    await pool.close();
  }
  await session.release();

  // Many single-row callers, grouped by the pool into batches of up to 1024.
  const pool = await ScoringPool.create({
    ...models,
    anomaly: undefined,
    workers: 1,
    intraOpThreads: 1,
    maxBatch: 1024,
    maxWaitMs: 2,
    maxQueuedRows: 65_536,
  });
  const singles = rowsOf(data, 16_384);
  const microBatched = await measure(16_384, seconds, 1, async () => {
    await Promise.all(singles.map((r) => pool.score(r)));
  });
  const poolStats = pool.stats();
  await pool.close();

  for (const b of BATCHES) {
    const d = direct[b]!;
    const p = pooled[b]!;
    add(`direct_b${b}_rows_per_s`, d.rowsPerSecond, 'rows/s');
    add(`pool_b${b}_rows_per_s`, p.rowsPerSecond, 'rows/s');
    add(`pool_vs_direct_b${b}`, p.rowsPerSecond / d.rowsPerSecond, 'ratio');
  }
  add('direct_b1_p50_latency', percentile(direct[1]!.latenciesMs, 50) * 1000, 'us');
  add('direct_b1_p99_latency', percentile(direct[1]!.latenciesMs, 99) * 1000, 'us');
  add('pool_b1_p50_latency', percentile(pooled[1]!.latenciesMs, 50) * 1000, 'us');
  add('pool_b1_p99_latency', percentile(pooled[1]!.latenciesMs, 99) * 1000, 'us');
  add('pool_single_row_callers_rows_per_s', microBatched.rowsPerSecond, 'rows/s');
  add('pool_single_row_callers_mean_batch', poolStats.rowsScored / poolStats.batches, 'rows');
  add('event_loop_delay_max_direct_b16384', direct[16384]!.loopDelayMaxMs, 'ms');
  add('event_loop_delay_max_pool_b16384', pooled[16384]!.loopDelayMaxMs, 'ms');

  saveResults('inference', figures, {
    model: `${manifest.classifier.id}@${manifest.classifier.version}`,
    modelSha256: manifest.classifier.sha256,
    intraOpThreads: 1,
    poolWorkers: 1,
    secondsPerMeasurement: seconds,
    rounds: ROUNDS,
    selection: 'best of the rounds (shared machine)',
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
