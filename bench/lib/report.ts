import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** One measured figure: a name, a value and its unit. */
export interface Figure {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
}

/** Where and when a benchmark ran, saved beside its figures. */
export interface MachineInfo {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/**
 * Writes `bench/results/<name>.json` with the figures, the machine and the date, plus any
 * top-level summary keys (e.g. `ratio`), and prints the figures as a table.
 */
export function saveResults(
  name: string,
  figures: readonly Figure[],
  summary: Readonly<Record<string, unknown>> = {},
): string {
  const dir = path.join(benchDir(), 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const body = {
    benchmark: name,
    date: new Date().toISOString(),
    machine: machineInfo(),
    ...summary,
    figures,
  };
  writeFileSync(file, JSON.stringify(body, null, 2) + '\n');
  printTable(figures);
  console.log(`\nsaved ${path.relative(process.cwd(), file)}`);
  return file;
}

/** bench/, whether this runs compiled (bench/dist/lib) or from source (bench/lib). */
function benchDir(): string {
  const up = path.resolve(__dirname, '..');
  return path.basename(up) === 'dist' ? path.dirname(up) : up;
}

export function printTable(figures: readonly Figure[]): void {
  const nameWidth = Math.max(6, ...figures.map((f) => f.name.length));
  const valueWidth = Math.max(5, ...figures.map((f) => formatValue(f.value).length));
  console.log(`${'figure'.padEnd(nameWidth)}  ${'value'.padStart(valueWidth)}  unit`);
  console.log(`${'-'.repeat(nameWidth)}  ${'-'.repeat(valueWidth)}  ----`);
  for (const f of figures) {
    console.log(`${f.name.padEnd(nameWidth)}  ${formatValue(f.value).padStart(valueWidth)}  ${f.unit}`);
  }
}

function formatValue(v: number): string {
  if (Number.isInteger(v)) {
    return String(v);
  }
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
}

/** The p-th percentile (0..100) of a list of numbers, by nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) {
    return Number.NaN;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}
