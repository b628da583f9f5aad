import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FEATURE_COUNT } from '@cityledger/gateway/dist/features';

const REPO = path.resolve(__dirname, '..', '..', '..');

/** `--seconds N` from the command line: how long each measurement runs (default `fallback`). */
export function argSeconds(fallback: number): number {
  const i = process.argv.indexOf('--seconds');
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Real feature rows (models/fixtures/parity-1000.json), tiled to `n` rows. */
export function featureRows(n: number): Float32Array {
  const file = path.join(REPO, 'models', 'fixtures', 'parity-1000.json');
  const rows = (JSON.parse(readFileSync(file, 'utf8')) as { features: number[][] }).features;
  const out = new Float32Array(n * FEATURE_COUNT);
  for (let i = 0; i < n; i++) {
    out.set(rows[i % rows.length]!, i * FEATURE_COUNT);
  }
  return out;
}
