// Re-derives the held-out test splits of models/flowml/splits.py from ../shared/data, in TypeScript,
// through the gateway's own source adapters (so the shipped models are scored end to end here).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';

import {
  FEATURE_COUNT,
  biflowFromCic,
  biflowFromNfV2,
  biflowFromZeekConn,
  csvRecord,
  extractFeatureBatch,
  extractFeatureStream,
  parseZeekConnLine,
} from '../../../gateway/src/features';
import type { BiFlow } from '../../../gateway/src/flow/biflow';
import { sharedData } from './helpers';

const SPLIT_SEED = 'cityledger-split-v1';
const IOT23_CAPTURES = [
  'CTU-IoT-Malware-Capture-34-1',
  'CTU-IoT-Malware-Capture-42-1',
  'CTU-Honeypot-Capture-4-1',
] as const;

export interface LabelledFlow {
  readonly flow: BiFlow;
  /** 1 attack, 0 benign. */
  readonly label: 0 | 1;
  readonly attack: string;
}

/** A test split and its feature rows (row-major, FEATURE_COUNT per flow, in the order of `rows`). */
export interface TestSplit {
  readonly rows: LabelledFlow[];
  readonly features: Float32Array;
}

/** NF-v2 and CICFlowMeter rows have no usable host context (spec context.sources): each is taken alone. */
function isolatedSplit(rows: LabelledFlow[]): TestSplit {
  return { rows, features: extractFeatureBatch(rows.map((r) => r.flow)) };
}

function lines(text: string): string[] {
  return text.split('\n').map((l) => l.replace(/\r$/, ''));
}

function splitKey(rowKey: string): string {
  return createHash('sha256').update(`${SPLIT_SEED}:${rowKey}`).digest('hex');
}

/** Indices of the test part of a stratified split: per stratum, rows ordered by split key, last 15%+. */
function stratifiedTestIndices(keys: readonly string[], strata: readonly string[]): number[] {
  const groups = new Map<string, number[]>();
  strata.forEach((s, i) => {
    const group = groups.get(s) ?? [];
    group.push(i);
    groups.set(s, group);
  });
  const test: number[] = [];
  for (const group of groups.values()) {
    const hashed = group.map((i) => ({ i, h: splitKey(keys[i]!) })).sort((a, b) => (a.h < b.h ? -1 : 1));
    const n = hashed.length;
    const start = Math.floor((n * 70) / 100) + Math.floor((n * 15) / 100);
    test.push(...hashed.slice(start).map((x) => x.i));
  }
  return test.sort((a, b) => a - b);
}

export function nfBotIotTest(): TestSplit {
  const file = path.join(sharedData, 'nf-bot-iot-v2-reduced', 'botiot_reduced.csv.gz');
  const all = lines(gunzipSync(readFileSync(file)).toString('utf8'));
  const header = all[0]!;
  const body = all.slice(1).filter((l) => l !== '');
  const attackCol = header.split(',').indexOf('Attack');
  const strata = body.map((l) => l.split(',')[attackCol]!);
  const keys = body.map((_, i) => `nf-bot-iot-v2:${i}`);
  return isolatedSplit(
    stratifiedTestIndices(keys, strata).map((i) => {
      const record = csvRecord(header, body[i]!);
      return { flow: biflowFromNfV2(record), label: strata[i] === 'Benign' ? 0 : 1, attack: strata[i]! };
    }),
  );
}

export function cicIds2017Test(): TestSplit {
  const dir = path.join(sharedData, 'cic-ids2017-improved-sampled', 'rnd_5000');
  const rows: { header: string; line: string; key: string; label: string }[] = [];
  for (const name of readdirSync(dir)
    .filter((f) => f.endsWith('.csv'))
    .sort()) {
    const all = lines(readFileSync(path.join(dir, name), 'utf8'));
    const header = all[0]!;
    const labelCol = header.split(',').indexOf('Label');
    all
      .slice(1)
      .filter((l) => l !== '')
      .forEach((line, i) => {
        rows.push({ header, line, key: `cic-ids2017:${name}:${i}`, label: line.split(',')[labelCol]! });
      });
  }
  const test = stratifiedTestIndices(
    rows.map((r) => r.key),
    rows.map((r) => r.label),
  );
  return isolatedSplit(
    test.map((i) => {
      const r = rows[i]!;
      return {
        flow: biflowFromCic(csvRecord(r.header, r.line)),
        label: r.label === 'BENIGN' ? 0 : 1,
        attack: r.label,
      };
    }),
  );
}

/**
 * IoT-23 by time: per capture, observable flows ordered by (ts, line), the latest 20%+ are test. Host
 * context comes from the whole capture (one stream of its observable flows, train and validation period
 * included), as the gateway would have seen it.
 */
export function iot23Test(): TestSplit {
  const rows: LabelledFlow[] = [];
  const parts: Float32Array[] = [];
  for (const capture of IOT23_CAPTURES) {
    const text = readFileSync(path.join(sharedData, 'iot-23', capture, 'conn.log.labeled'), 'utf8');
    const data = lines(text).filter((l) => !l.startsWith('#') && l.trim() !== '');
    const observable = data
      .map((line, index) => {
        const record = parseZeekConnLine(line);
        const benign = (record.label ?? '').toLowerCase() === 'benign';
        const flow = biflowFromZeekConn(record, capture);
        return {
          index,
          ts: Number(record.ts),
          flow,
          label: benign ? (0 as const) : (1 as const),
          attack: benign ? 'Benign' : (record['detailed-label'] ?? ''),
        };
      })
      .filter((r) => r.flow.fwdPackets + r.flow.revPackets > 0);
    const features = extractFeatureStream(observable.map((r) => r.flow));
    const byTime = observable
      .map((r, position) => ({ ...r, position }))
      .sort((a, b) => a.ts - b.ts || a.index - b.index);
    const n = byTime.length;
    const start = Math.floor((n * 60) / 100) + Math.floor((n * 20) / 100);
    for (const { flow, label, attack, position } of byTime.slice(start)) {
      rows.push({ flow, label, attack });
      parts.push(features.subarray(position * FEATURE_COUNT, (position + 1) * FEATURE_COUNT));
    }
  }
  const features = new Float32Array(rows.length * FEATURE_COUNT);
  parts.forEach((row, i) => {
    features.set(row, i * FEATURE_COUNT);
  });
  return { rows, features };
}
