import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { canonicalSha256 } from './canonical';
import { FeatureContractError } from './errors';
import { FEATURE_NAMES } from './extract';

/**
 * sha256 of the RFC 8785 canonical JSON of the feature spec this gateway implements
 * (models/feature-spec.json). Registered on chain with every model; a model whose registry entry
 * names another spec hash is refused.
 */
export const FEATURE_SPEC_SHA256 = '6997ba09c2dc4be21cb45b9715e5d22be95765851b28a39fef3dcf1e0e015a54';

/** models/feature-spec.json of this repository (resolved from gateway/src or gateway/dist). */
export const DEFAULT_FEATURE_SPEC_PATH = path.resolve(
  __dirname,
  '..',
  '..',
  '..',
  'models',
  'feature-spec.json',
);

export interface FeatureDefinition {
  readonly index: number;
  readonly name: string;
  readonly unit: string;
  readonly definition: string;
  readonly transform: Readonly<Record<string, unknown>>;
}

export interface VerdictRuleText {
  readonly rule: readonly string[];
  readonly comparison: string;
  readonly verdicts: readonly string[];
}

export interface FeatureSpec {
  readonly name: string;
  readonly version: number;
  readonly input: {
    readonly name: string;
    readonly dtype: string;
    readonly shape: readonly [string, number];
  };
  readonly features: readonly FeatureDefinition[];
  readonly verdictRule: VerdictRuleText;
  /** Canonical sha256 of the document as loaded. */
  readonly sha256: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function specShapeError(message: string): FeatureContractError {
  return new FeatureContractError('FEATURE_SPEC_INVALID', message);
}

/** Validates a parsed spec document against what this gateway implements. */
export function checkFeatureSpec(document: unknown): FeatureSpec {
  if (!isRecord(document)) {
    throw specShapeError('feature spec must be a JSON object');
  }
  const sha256 = canonicalSha256(document);
  if (sha256 !== FEATURE_SPEC_SHA256) {
    throw new FeatureContractError(
      'FEATURE_SPEC_MISMATCH',
      `feature spec hash ${sha256} differs from the implemented ${FEATURE_SPEC_SHA256}; update the gateway's feature extractor together with the spec`,
    );
  }
  const { features, input, verdictRule } = document;
  if (!Array.isArray(features) || !isRecord(input) || !isRecord(verdictRule)) {
    throw specShapeError('feature spec lacks features, input or verdictRule');
  }
  const names = features.map((f) => (isRecord(f) ? f.name : undefined));
  if (names.length !== FEATURE_NAMES.length || names.some((n, i) => n !== FEATURE_NAMES[i])) {
    throw specShapeError(`feature order ${names.join(',')} differs from ${FEATURE_NAMES.join(',')}`);
  }
  return { ...(document as unknown as Omit<FeatureSpec, 'sha256'>), sha256 };
}

/** Reads and validates the feature spec file (default: the repository's models/feature-spec.json). */
export function loadFeatureSpec(file: string = DEFAULT_FEATURE_SPEC_PATH): FeatureSpec {
  let document: unknown;
  try {
    document = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new FeatureContractError('FEATURE_SPEC_INVALID', `cannot read feature spec ${file}`, { cause });
  }
  return checkFeatureSpec(document);
}
