/**
 * @jest-environment ./test/unit/support/onnx-environment.ts
 */
// The shipped models reach their model cards' test-split metrics when the test splits are re-derived
// from ../shared/data and scored through the gateway's TypeScript adapters and feature extractor.
import * as path from 'node:path';

import { FEATURE_COUNT, loadModelManifest } from '../../../gateway/src/features';
import { cicIds2017Test, iot23Test, nfBotIotTest, type TestSplit } from './datasets';
import { modelsDir, openSession, readJson, scoreColumn } from './helpers';

/** Stated tolerance on F1, FPR, precision and recall: float rounding at a threshold may move a flow. */
const TOLERANCE = 0.002;

interface SplitMetrics {
  readonly n: number;
  readonly n_benign: number;
  readonly f1: number;
  readonly fpr: number;
  readonly precision: number;
  readonly recall: number;
}
interface Card {
  readonly metrics: Readonly<Record<string, SplitMetrics>>;
}

function binary(labels: readonly (0 | 1)[], flagged: (i: number) => boolean): Omit<SplitMetrics, 'n'> {
  let tp = 0;
  let fp = 0;
  let tn = 0;
  let fn = 0;
  labels.forEach((y, i) => {
    const f = flagged(i);
    if (y === 1) {
      if (f) tp++;
      else fn++;
    } else if (f) fp++;
    else tn++;
  });
  return {
    n_benign: fp + tn,
    f1: tp + fp + fn === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn),
    fpr: fp + tn === 0 ? 0 : fp / (fp + tn),
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
  };
}

const manifest = loadModelManifest();
const classifierCard = readJson(path.join(modelsDir, 'cards', 'flow-classifier.card.json')) as Card;
const anomalyCard = readJson(path.join(modelsDir, 'cards', 'flow-anomaly.card.json')) as Card;

const datasets: readonly [string, () => TestSplit][] = [
  ['nf-bot-iot-v2', nfBotIotTest],
  ['iot-23', iot23Test],
  ['cic-ids2017', cicIds2017Test],
];

describe.each(datasets)('shipped models on the %s test split', (name, load) => {
  it(`match the model cards within ${TOLERANCE}`, async () => {
    const { rows, features } = load();
    const labels = rows.map((r) => r.label);
    const cls = await openSession(manifest.classifier.file, 2);
    const iso = await openSession(manifest.anomaly!.file, 2);
    const p = await scoreColumn(cls, 'attack_probability', features, FEATURE_COUNT);
    const a = await scoreColumn(iso, 'anomaly_score', features, FEATURE_COUNT);
    const { malicious } = manifest.thresholds;
    const anomalyThreshold = manifest.thresholds.anomaly!;

    const card = classifierCard.metrics[`${name}/test`]!;
    expect(rows).toHaveLength(card.n);
    const got = binary(labels, (i) => p[i]! >= malicious);
    expect(got.n_benign).toBe(card.n_benign);
    for (const key of ['f1', 'fpr', 'precision', 'recall'] as const) {
      expect(Math.abs(got[key] - card[key])).toBeLessThanOrEqual(TOLERANCE);
    }

    const anomalyExpected = anomalyCard.metrics[`${name}/test`]!;
    const gotAnomaly = binary(labels, (i) => a[i]! >= anomalyThreshold);
    for (const key of ['fpr', 'recall'] as const) {
      expect(Math.abs(gotAnomaly[key] - anomalyExpected[key])).toBeLessThanOrEqual(TOLERANCE);
    }
  }, 180_000);
});
