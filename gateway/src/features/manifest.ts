import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { FeatureContractError } from './errors';
import { FEATURE_SPEC_SHA256 } from './spec';
import type { VerdictThresholds } from './verdict';

/** models/manifest.json of this repository (resolved from gateway/src or gateway/dist). */
export const DEFAULT_MODEL_MANIFEST_PATH = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  'models',
  'manifest.json',
);

export interface ModelEntry {
  readonly id: string;
  readonly version: string;
  readonly kind: 'classifier' | 'anomaly';
  /** Absolute path of the ONNX file. */
  readonly file: string;
  readonly sha256: string;
  readonly specSha256: string;
  readonly input: string;
  readonly outputs: Readonly<Record<string, string>>;
  readonly classes?: readonly string[];
  readonly thresholds: Readonly<Record<string, number>>;
}

export interface ModelManifest {
  readonly specSha256: string;
  readonly classifier: ModelEntry;
  readonly anomaly?: ModelEntry;
  /** Thresholds for decideVerdict, from the classifier and anomaly entries. */
  readonly thresholds: VerdictThresholds;
}

function invalid(message: string): FeatureContractError {
  return new FeatureContractError('MODEL_MANIFEST_INVALID', message);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finiteNumber(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw invalid(`${what} must be a finite number`);
  }
  return value;
}

/** Refuses a model registered for another feature spec than the one this gateway implements. */
export function assertModelSpec(entry: { readonly id: string; readonly specSha256: string }): void {
  if (entry.specSha256 !== FEATURE_SPEC_SHA256) {
    throw new FeatureContractError(
      'MODEL_SPEC_MISMATCH',
      `model ${entry.id} was trained for feature spec ${entry.specSha256}, this gateway implements ${FEATURE_SPEC_SHA256}`,
    );
  }
}

function toEntry(raw: unknown, baseDir: string): ModelEntry {
  if (!isRecord(raw) || typeof raw.id !== 'string' || typeof raw.file !== 'string') {
    throw invalid('every model entry needs an id and a file');
  }
  const { kind, thresholds, outputs } = raw;
  if (kind !== 'classifier' && kind !== 'anomaly') {
    throw invalid(`model ${raw.id}: unknown kind ${String(kind)}`);
  }
  if (!isRecord(thresholds) || !isRecord(outputs)) {
    throw invalid(`model ${raw.id}: thresholds and outputs must be objects`);
  }
  for (const [name, value] of Object.entries(thresholds)) {
    finiteNumber(value, `model ${raw.id} threshold ${name}`);
  }
  const entry = { ...(raw as unknown as ModelEntry), file: path.resolve(baseDir, raw.file) };
  if (typeof entry.specSha256 !== 'string' || typeof entry.sha256 !== 'string') {
    throw invalid(`model ${raw.id}: sha256 and specSha256 are required`);
  }
  assertModelSpec(entry);
  return entry;
}

/** Reads models/manifest.json (the local copy of the model registry entries) and checks the spec hashes. */
export function loadModelManifest(file: string = DEFAULT_MODEL_MANIFEST_PATH): ModelManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new FeatureContractError('MODEL_MANIFEST_INVALID', `cannot read model manifest ${file}`, { cause });
  }
  if (!isRecord(raw) || !Array.isArray(raw.models) || typeof raw.specSha256 !== 'string') {
    throw invalid('manifest needs specSha256 and models[]');
  }
  assertModelSpec({ id: 'manifest', specSha256: raw.specSha256 });
  const baseDir = path.dirname(file);
  const entries = raw.models.map((m) => toEntry(m, baseDir));
  const classifier = entries.find((e) => e.kind === 'classifier');
  const anomaly = entries.find((e) => e.kind === 'anomaly');
  if (!classifier) {
    throw invalid('manifest has no classifier');
  }
  const suspicious = finiteNumber(classifier.thresholds.suspicious, 'classifier threshold suspicious');
  const malicious = finiteNumber(classifier.thresholds.malicious, 'classifier threshold malicious');
  const thresholds: VerdictThresholds =
    anomaly === undefined
      ? { suspicious, malicious }
      : { suspicious, malicious, anomaly: finiteNumber(anomaly.thresholds.threshold, 'anomaly threshold') };
  return { specSha256: raw.specSha256, classifier, anomaly, thresholds };
}
