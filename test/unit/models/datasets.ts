// Re-derives the held-out test splits of models/flowml/splits.py from ../shared/data, in TypeScript,
// through the gateway's own source adapters (so the shipped models are scored end to end here).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';

import {
  biflowFromCic,
  biflowFromNfV2,
  biflowFromZeekConn,
  csvRecord,
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

export function nfBotIotTest(): LabelledFlow[] {
  const file = path.join(sharedData, 'nf-bot-iot-v2-reduced', 'botiot_reduced.csv.gz');
  const all = lines(gunzipSync(readFileSync(file)).toString('utf8'));
  const header = all[0]!;
  const body = all.slice(1).filter((l) => l !== '');
  const attackCol = header.split(',').indexOf('Attack');
  const strata = body.map((l) => l.split(',')[attackCol]!);
  const keys = body.map((_, i) => `nf-bot-iot-v2:${i}`);
  return stratifiedTestIndices(keys, strata).map((i) => {
    const record = csvRecord(header, body[i]!);
    return { flow: biflowFromNfV2(record), label: strata[i] === 'Benign' ? 0 : 1, attack: strata[i]! };
  });
}

export function cicIds2017Test(): LabelledFlow[] {
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
  return test.map((i) => {
    const r = rows[i]!;
    return {
      flow: biflowFromCic(csvRecord(r.header, r.line)),
      label: r.label === 'BENIGN' ? 0 : 1,
      attack: r.label,
    };
  });
}

/** IoT-23 by time: per capture, observable flows ordered by (ts, line), the latest 20%+ are test. */
export function iot23Test(): LabelledFlow[] {
  const out: LabelledFlow[] = [];
  for (const capture of IOT23_CAPTURES) {
    const text = readFileSync(path.join(sharedData, 'iot-23', capture, 'conn.log.labeled'), 'utf8');
    const data = lines(text).filter((l) => !l.startsWith('#') && l.trim() !== '');
    const rows = data
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
      .filter((r) => r.flow.fwdPackets + r.flow.revPackets > 0)
      .sort((a, b) => a.ts - b.ts || a.index - b.index);
    const n = rows.length;
    const start = Math.floor((n * 60) / 100) + Math.floor((n * 20) / 100);
    out.push(...rows.slice(start).map(({ flow, label, attack }) => ({ flow, label, attack })));
  }
  return out;
}
