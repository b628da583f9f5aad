import { readFile } from 'node:fs/promises';
import { isSha256Hex, sha256Hex } from '@cityledger/core';
import { ScoringError } from './errors';
import { DEFAULT_OUTPUTS, type ModelKey } from './protocol';

/** One ONNX model to load, with what the registry entry (or model card) says about it. */
export interface ModelFile {
  /** Path of the .onnx file. */
  readonly path: string;
  /** Expected sha256 (hex) of the file: the registry entry's / card's `sha256`. */
  readonly sha256: string;
  /** sha256 of the feature spec the model was trained on: the registry entry's `featureSpecSha256`. */
  readonly featureSpecSha256: string;
  /** Output to read; default `attack_probability` (classifier) or `anomaly_score` (anomaly). */
  readonly output?: string;
}

/** A model whose file hash and feature spec were checked, ready to hand to the workers. */
export interface VerifiedModel {
  readonly key: ModelKey;
  readonly path: string;
  readonly sha256: string;
  readonly output: string;
  readonly bytes: Uint8Array;
}

/**
 * Reads a model file and refuses it unless its sha256 equals `file.sha256` and the spec it was
 * trained on equals `featureSpecSha256` (the spec this gateway implements). The workers load these
 * very bytes, so the file cannot change between the check and the load.
 */
export async function verifyModelFile(
  key: ModelKey,
  file: ModelFile,
  featureSpecSha256: string,
): Promise<VerifiedModel> {
  for (const [name, value] of [
    ['sha256', file.sha256],
    ['featureSpecSha256', file.featureSpecSha256],
  ] as const) {
    if (!isSha256Hex(value)) {
      throw new ScoringError(
        'model-load-failed',
        `${key} model: ${name} must be 64 lowercase hex characters`,
      );
    }
  }
  if (file.featureSpecSha256 !== featureSpecSha256) {
    throw new ScoringError(
      'feature-spec-mismatch',
      `${key} model ${file.path} was trained on feature spec ${file.featureSpecSha256}, ` +
        `this gateway implements ${featureSpecSha256}; deploy a model trained on this spec or a matching gateway`,
    );
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file.path);
  } catch (err) {
    throw new ScoringError('model-load-failed', `${key} model ${file.path} cannot be read`, { cause: err });
  }
  const actual = sha256Hex(bytes);
  if (actual !== file.sha256) {
    throw new ScoringError(
      'model-hash-mismatch',
      `${key} model ${file.path} has sha256 ${actual}, the registry expects ${file.sha256}; refusing to load it`,
    );
  }
  return {
    key,
    path: file.path,
    sha256: actual,
    output: file.output ?? DEFAULT_OUTPUTS[key],
    bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
  };
}
