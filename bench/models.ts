// Per-model inference speed of the committed ONNX models in onnxruntime-node (this thread, no pool):
// rows/s for the flow classifier and the anomaly detector at batch sizes 1, 64, 1024 and 16384 with
// 1 and 2 intra-op threads, and p50/p99 latency of a single-row call. Input rows are real feature
// vectors (models/fixtures/parity-1000.json) tiled to the batch size.
//
//   npm run bench -- models [--seconds S]      writes bench/results/models.json
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { FEATURE_COUNT, loadModelManifest, type ModelEntry } from '@cityledger/gateway/dist/features';
import { argSeconds, featureRows } from './lib/inputs';
import { type Figure, percentile, saveResults } from './lib/report';

const BATCHES = [1, 64, 1024, 16384] as const;
const THREADS = [1, 2] as const;
/** The machine is shared: each figure is the best of this many runs. */
const ROUNDS = 3;
const MIN_CALLS = 4;

interface Run {
  readonly rowsPerSecond: number;
  readonly latenciesMs: number[];
}

async function measure(
  session: InferenceSession,
  output: string,
  input: Tensor,
  seconds: number,
): Promise<Run> {
  const batch = input.dims[0]!;
  const latenciesMs: number[] = [];
  let calls = 0;
  const start = performance.now();
  const until = start + seconds * 1000;
  while (performance.now() < until || calls < MIN_CALLS) {
    const t = performance.now();
    // All outputs, as the gateway's scoring worker does (gateway/src/scoring/worker.ts).
    const result = await session.run({ features: input });
    latenciesMs.push(performance.now() - t);
    if (result[output] === undefined) {
      throw new Error(`no output ${output}`);
    }
    calls++;
  }
  return { rowsPerSecond: (calls * batch) / ((performance.now() - start) / 1000), latenciesMs };
}

async function benchModel(
  entry: ModelEntry,
  output: string,
  data: Float32Array,
  seconds: number,
  add: (name: string, value: number, unit: string) => void,
): Promise<void> {
  for (const threads of THREADS) {
    const session = await InferenceSession.create(entry.file, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
    for (const batch of BATCHES) {
      const input = new Tensor('float32', data.subarray(0, batch * FEATURE_COUNT), [batch, FEATURE_COUNT]);
      let best: Run | undefined;
      for (let round = 0; round < ROUNDS; round++) {
        const run = await measure(session, output, input, seconds);
        if (best === undefined || run.rowsPerSecond > best.rowsPerSecond) {
          best = run;
        }
      }
      add(`${entry.id} threads=${threads} batch=${batch} throughput`, best!.rowsPerSecond, 'rows/s');
      if (batch === 1) {
        add(`${entry.id} threads=${threads} batch=1 latency p50`, percentile(best!.latenciesMs, 50), 'ms');
        add(`${entry.id} threads=${threads} batch=1 latency p99`, percentile(best!.latenciesMs, 99), 'ms');
      }
    }
    await session.release();
  }
}

async function main(): Promise<void> {
  const seconds = argSeconds(1);
  const manifest = loadModelManifest();
  const data = featureRows(Math.max(...BATCHES));
  const figures: Figure[] = [];
  const add = (name: string, value: number, unit: string): void => {
    figures.push({ name, value: Math.round(value * 1000) / 1000, unit });
  };
  await benchModel(
    manifest.classifier,
    manifest.classifier.outputs.attackProbability ?? 'attack_probability',
    data,
    seconds,
    add,
  );
  if (manifest.anomaly !== undefined) {
    await benchModel(
      manifest.anomaly,
      manifest.anomaly.outputs.anomalyScore ?? 'anomaly_score',
      data,
      seconds,
      add,
    );
  }
  saveResults('models', figures, {
    units: { throughput: 'rows/s', latency: 'ms' },
    secondsPerRun: seconds,
    roundsPerFigure: ROUNDS,
    models: [manifest.classifier, ...(manifest.anomaly ? [manifest.anomaly] : [])].map((m) => ({
      id: m.id,
      version: m.version,
      sha256: m.sha256,
    })),
    onnxruntimeNode: '1.23.2',
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
