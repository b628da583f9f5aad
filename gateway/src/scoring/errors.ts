import { CityLedgerError, type ErrorCode } from '@cityledger/core';

/** Why scoring failed. Each maps to one catalogue code (and so to an HTTP/gRPC status). */
export const SCORING_FAILURES = {
  /** The queue is full; the caller should shed or retry later (counted). */
  overloaded: 'UNAVAILABLE',
  /** The worker running the caller's batch died; it has been restarted. Retrying may succeed. */
  'worker-crashed': 'UNAVAILABLE',
  /** The pool is closed or closing. */
  closed: 'UNAVAILABLE',
  /** The model file's sha256 differs from the registry entry's. */
  'model-hash-mismatch': 'MODEL_NOT_APPROVED',
  /** The model was trained on another feature spec than the one this gateway implements. */
  'feature-spec-mismatch': 'MODEL_NOT_APPROVED',
  /** The file could not be read or onnxruntime refused it (wrong inputs, outputs or shape). */
  'model-load-failed': 'INTERNAL',
  /** onnxruntime failed on a batch. */
  'inference-failed': 'INTERNAL',
  /** A task's handler threw in the worker (ScoringPool.runTask). */
  'task-failed': 'INTERNAL',
  /** A feature row has the wrong length or a non-finite value. */
  'invalid-input': 'INVALID_ARGUMENT',
} as const satisfies Record<string, ErrorCode>;

export type ScoringFailure = keyof typeof SCORING_FAILURES;

/**
 * A scoring failure: a CityLedgerError (catalogue `code`, `httpStatus`, `transient`) with the
 * scoring-specific `reason`.
 */
export class ScoringError extends CityLedgerError {
  readonly reason: ScoringFailure;

  constructor(reason: ScoringFailure, detail: string, options: { cause?: unknown } = {}) {
    super(SCORING_FAILURES[reason], `scoring ${reason}: ${detail}`, options);
    this.name = 'ScoringError';
    this.reason = reason;
  }
}

export function isScoringError(value: unknown): value is ScoringError {
  return value instanceof ScoringError;
}
