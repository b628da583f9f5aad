import { isErrorCode, type ErrorCode } from '@cityledger/core';
import type { OutboxKind } from './outbox-state';

/** Chaincode functions (`<contract>:<function>`, see chaincode/README.md) the gateway calls, by outbox kind. */
export const CHAINCODE_FUNCTIONS = {
  exchange: 'exchange:recordExchange',
  batch: 'exchange:anchorBatch',
  flowAlert: 'exchange:recordFlowAlert',
  /** Up to LIMITS.maxAlertsPerCall flow alerts in one transaction, a result per alert. */
  flowAlerts: 'exchange:recordFlowAlerts',
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

/** One alert's result in a `recordFlowAlerts` answer (core's FlowAlertItemResult, as read back). */
export type AlertResult =
  | { readonly stored: true; readonly duplicate: boolean }
  | { readonly stored: false; readonly code: ErrorCode; readonly detail: string };

/**
 * Reads core's FlowAlertsOutcome for the alerts with these ids, in order. A result is taken only when
 * it answers for the id at its place; any other place is `undefined` (the caller submits that alert
 * again: the chaincode is idempotent).
 */
export function interpretAlertResults(
  result: Uint8Array,
  ids: readonly string[],
): (AlertResult | undefined)[] {
  let items: unknown;
  try {
    items = (JSON.parse(Buffer.from(result).toString('utf8')) as { results?: unknown }).results;
  } catch {
    items = undefined;
  }
  return ids.map((id, i) => {
    const item: unknown = Array.isArray(items) ? items[i] : undefined;
    if (typeof item !== 'object' || item === null) {
      return undefined;
    }
    const r = item as {
      id?: unknown;
      stored?: unknown;
      duplicate?: unknown;
      code?: unknown;
      detail?: unknown;
    };
    if (r.stored === true && r.id === id) {
      return { stored: true, duplicate: r.duplicate === true };
    }
    if (r.stored === false && (r.id === undefined || r.id === id)) {
      return {
        stored: false,
        code: isErrorCode(r.code) ? r.code : 'INTERNAL',
        detail: typeof r.detail === 'string' ? r.detail : 'refused',
      };
    }
    return undefined;
  });
}
