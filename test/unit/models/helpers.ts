// Shared helpers of the models tests: repository paths, committed fixtures, onnxruntime sessions.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');
export const modelsDir = path.join(repoRoot, 'models');
export const sharedData = path.resolve(repoRoot, '..', 'shared', 'data');

export function readJson(file: string): unknown {
  return JSON.parse(readFileSync(file, 'utf8'));
}

export interface Golden {
  readonly features: number[][];
  readonly classifier: {
    readonly attack_probability: number[];
    readonly probabilities: number[][];
    readonly label: number[];
  };
  readonly anomaly: { readonly anomaly_score: number[] };
}

export interface Parity {
  readonly features: number[][];
  readonly attack_probability: number[];
  readonly anomaly_score: number[];
}

export function fixture(name: string): unknown {
  return readJson(path.join(modelsDir, 'fixtures', name));
}

export function rowsToTensor(rows: readonly (readonly number[])[], width: number): Tensor {
  const data = new Float32Array(rows.length * width);
  rows.forEach((row, i) => {
    if (row.length !== width) {
      throw new Error(`row ${i} has ${row.length} values, expected ${width}`);
    }
    data.set(row, i * width);
  });
  return new Tensor('float32', data, [rows.length, width]);
}

export async function openSession(file: string, threads = 1): Promise<InferenceSession> {
  return InferenceSession.create(file, { intraOpNumThreads: threads, interOpNumThreads: 1 });
}

/** Runs `output` of `session` over a row-major float32 batch in chunks; returns column 0 of each row. */
export async function scoreColumn(
  session: InferenceSession,
  output: string,
  data: Float32Array,
  width: number,
  chunkRows = 8192,
): Promise<Float32Array> {
  const rows = data.length / width;
  const out = new Float32Array(rows);
  for (let start = 0; start < rows; start += chunkRows) {
    const n = Math.min(chunkRows, rows - start);
    const input = new Tensor('float32', data.subarray(start * width, (start + n) * width), [n, width]);
    // All outputs, read by name: onnxruntime-node 1.23.2 mislabels a subset fetch on multi-output models.
    const result = await session.run({ features: input });
    const tensor = result[output];
    if (!tensor) {
      throw new Error(`no output ${output}`);
    }
    const values = tensor.data as Float32Array;
    const cols = values.length / n;
    for (let i = 0; i < n; i++) {
      out[start + i] = values[i * cols]!;
    }
  }
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) {
    throw new Error(`length ${a.length} vs ${b.length}`);
  }
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    max = Math.max(max, Math.abs(a[i]! - b[i]!));
  }
  return max;
}
