import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sha256Hex } from '@cityledger/core';
import { type ScoringPoolOptions } from '../../../../../gateway/src/scoring';

export const REPO = path.resolve(__dirname, '..', '..', '..', '..', '..');
export const FIXTURES = path.join(REPO, 'test', 'fixtures', 'scoring');

/** test/fixtures/scoring/golden.json, written by make_tiny_models.py with Python's onnxruntime. */
export interface Golden {
  readonly nFeatures: number;
  readonly sha256: Readonly<Record<string, string>>;
  readonly rows: readonly (readonly number[])[];
  readonly outputs: {
    readonly attack_probability: readonly number[];
    readonly anomaly_score: readonly number[];
  };
}

export const golden = JSON.parse(readFileSync(path.join(FIXTURES, 'golden.json'), 'utf8')) as Golden;

/** The feature spec the tiny models claim, and the gateway under test implements. */
export const TINY_SPEC_SHA256 = sha256Hex('cityledger tiny test feature spec');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

export function tinyOptions(overrides: Partial<ScoringPoolOptions> = {}): ScoringPoolOptions {
  return {
    classifier: {
      path: fixture('tiny-classifier.onnx'),
      sha256: golden.sha256['tiny-classifier.onnx']!,
      featureSpecSha256: TINY_SPEC_SHA256,
    },
    anomaly: {
      path: fixture('tiny-anomaly.onnx'),
      sha256: golden.sha256['tiny-anomaly.onnx']!,
      featureSpecSha256: TINY_SPEC_SHA256,
    },
    featureSpecSha256: TINY_SPEC_SHA256,
    featureCount: golden.nFeatures,
    thresholds: { classifier: { suspicious: 0.5, malicious: 0.9 }, anomaly: 1.5 },
    workers: 1,
    maxBatch: 64,
    maxWaitMs: 2,
    ...overrides,
  };
}

/** A deterministic feature row, distinct for every i. */
export function row(i: number): number[] {
  return Array.from({ length: golden.nFeatures }, (_, j) => Math.sin(i * 7.1 + j * 1.3) * 2);
}

/** Resolves to 'pending' when `p` has not settled within `ms`. */
export async function settledWithin<T>(p: Promise<T>, ms: number): Promise<'settled' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => {
      resolve('pending');
    }, ms);
  });
  const r = await Promise.race([
    p.then(
      () => 'settled' as const,
      () => 'settled' as const,
    ),
    pending,
  ]);
  clearTimeout(timer);
  return r;
}
