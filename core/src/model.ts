import { type Department, type Verdict } from './constants';
import { LIMITS } from './constants';
import { invalid, ObjectReader, SLUG } from './validate';

export const MODEL_KINDS = ['classifier', 'anomaly'] as const;
export type ModelKind = (typeof MODEL_KINDS)[number];

export const MODEL_STATUSES = ['active', 'retired'] as const;
export type ModelStatus = (typeof MODEL_STATUSES)[number];

export const MODEL_VERSION = /^\d{1,6}\.\d{1,6}\.\d{1,6}$/;
const METRIC_NAME = /^[a-z][a-z0-9_]{0,31}$/;

/** Scores at or above `suspicious` are suspicious, at or above `malicious` malicious. */
export interface ModelThresholds {
  readonly suspicious: number;
  readonly malicious: number;
}

/** An approved ONNX model as proposed for registration. */
export interface ModelSpec {
  readonly id: string;
  readonly version: string;
  readonly kind: ModelKind;
  /** sha256 of the ONNX file. */
  readonly sha256: string;
  /** sha256 of the canonical feature specification the model expects. */
  readonly featureSpecSha256: string;
  readonly thresholds: ModelThresholds;
  /** Headline evaluation metrics (e.g. f1, auc, fpr), finite numbers. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** A model as held in the registry. */
export interface ModelEntry extends ModelSpec {
  readonly status: ModelStatus;
  readonly registeredAt: string;
  readonly registeredBy: Department;
  readonly retiredAt?: string;
  readonly retiredReason?: string;
}

function parseThresholds(reader: ObjectReader): ModelThresholds {
  const suspicious = reader.number('suspicious', 0, 1);
  const malicious = reader.number('malicious', 0, 1);
  reader.done();
  if (suspicious >= malicious) {
    invalid(reader.path('suspicious'), 'must be below thresholds.malicious');
  }
  return { suspicious, malicious };
}

function parseMetrics(reader: ObjectReader): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const [name, value] of reader.map('metrics', METRIC_NAME, LIMITS.maxMetricsPerModel)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      invalid(`${reader.path('metrics')}.${name}`, 'must be a finite number');
    }
    metrics[name] = value;
  }
  return metrics;
}

export function parseModelSpec(value: unknown, path = 'model'): ModelSpec {
  const r = new ObjectReader(value, path);
  const spec: ModelSpec = {
    id: r.string('id', SLUG, 64),
    version: r.string('version', MODEL_VERSION, 20),
    kind: r.oneOf('kind', MODEL_KINDS),
    sha256: r.sha256('sha256'),
    featureSpecSha256: r.sha256('featureSpecSha256'),
    thresholds: parseThresholds(r.object('thresholds')),
    metrics: parseMetrics(r),
  };
  r.done();
  return spec;
}

/** The verdict a score earns under a model's thresholds. */
export function verdictFor(score: number, thresholds: ModelThresholds): Verdict {
  if (score >= thresholds.malicious) {
    return 'malicious';
  }
  return score >= thresholds.suspicious ? 'suspicious' : 'benign';
}
