import { isErrorCode, type ErrorCode } from '@cityledger/core';
import type { OutboxKind } from './outbox-state';

/** Chaincode functions (`<contract>:<function>`, see chaincode/README.md) the gateway calls, by outbox kind. */
export const CHAINCODE_FUNCTIONS = {
  exchange: 'exchange:recordExchange',
  batch: 'exchange:anchorBatch',
  flowAlert: 'exchange:recordFlowAlert',
  /** An exchange record's personal data, in the transient map, into its department's collection. */
  personalData: 'privacy:putPersonalData',
  /** Answers the caller's Fabric identity, which a gateway registration binds to. */
  whoAmI: 'system:whoAmI',
} as const;

/** What a committed transaction's result says about the record. */
export type SubmitOutcome =
  | { readonly stored: true; readonly duplicate: boolean }
  /** The chain stored something else in its place (e.g. a POLICY_MISMATCH incident). */
  | { readonly stored: false; readonly duplicate: boolean; readonly code: ErrorCode };

/**
 * Reads a result such as core's ExchangeOutcome (`{accepted, duplicate, ...}`) or a batch entry
 * (`{duplicate?, ...}`). A result that is not JSON, or has no such fields, means stored, not a duplicate.
 */
export function interpretResult(_kind: OutboxKind, result: Uint8Array): SubmitOutcome {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(result).toString('utf8'));
  } catch {
    return { stored: true, duplicate: false };
  }
  if (typeof value !== 'object' || value === null) {
    return { stored: true, duplicate: false };
  }
  const v = value as { accepted?: unknown; duplicate?: unknown; code?: unknown };
  const duplicate = v.duplicate === true;
  if (v.accepted === false) {
    return { stored: false, duplicate, code: isErrorCode(v.code) ? v.code : 'INTERNAL' };
  }
  return { stored: true, duplicate };
}
