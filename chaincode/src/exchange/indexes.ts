import {
  type DataDepartment,
  type Decision,
  type DenyReason,
  type Department,
  type ExchangeContent,
  type Verdict,
} from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { keys } from '../ledger/keys';
import { putJson } from '../ledger/state';

/**
 * Secondary indexes of records and incidents:
 *
 *     ix~<viewer>~<dimension>~<value>~<observedAt>~<recordId>
 *
 * dimension: `t` time (value `_`), `c` category, `g` gateway, `v` verdict, `x` policy-mismatch
 * incidents (value `_`). Entries sort by observation time within each prefix, so `from`/`to` become a
 * key range.
 *
 * - viewer `all` (the audit org) has every dimension, so audit pages are exact;
 * - the source and the consumer department each have their own time and incident index, holding
 *   only what they may see. A department's category, gateway or verdict query scans its own time
 *   index and keeps the matching entries (time entries carry those fields), so its pages may hold
 *   fewer items than asked before the end. The exception is a category's owner, which is the source
 *   of every record of its category and reads the exact `all` category index.
 * - Time and incident entries hold counts (`IndexValue`: the compliance summary and the filters read
 *   them); the `all` category, gateway and verdict entries hold `1` (a value cannot be empty) and
 *   queries take the id from the key's last part.
 *
 * So a record costs 6 index keys (4 for audit, 1 per department), each a round trip to the peer and
 * a write on every peer, instead of 4 per viewer.
 */
export const VIEWER_ALL = 'all';
export const DIMENSIONS = { time: 't', category: 'c', gateway: 'g', verdict: 'v', incidents: 'x' } as const;
export const NO_VALUE = '_';
/** The value of index entries that only point at a record (the id is the key's last component). */
export const POINTER = Buffer.from('1', 'utf8');

/** The id an index key ends with. */
export function idFromIndexKey(key: string): string {
  return key.slice(key.lastIndexOf('~') + 1);
}

/**
 * What a time or incident index entry holds: enough to count and filter records without reading
 * them. The record id is the key's last component (entries written before 2026-11 also carry it as
 * `id`; nothing reads it).
 */
export interface IndexValue {
  readonly g: string;
  readonly s: DataDepartment;
  readonly c: Department;
  readonly k: string;
  readonly v: Verdict;
  /** Decision (for incidents, the chain's). */
  readonly d: Decision;
  readonly r?: DenyReason;
}

function viewers(record: ExchangeContent): string[] {
  return [VIEWER_ALL, record.sourceDepartment, record.consumerDepartment];
}

function indexValue(record: ExchangeContent, decision: Decision, reason?: DenyReason): IndexValue {
  return {
    g: record.gatewayId,
    s: record.sourceDepartment,
    c: record.consumerDepartment,
    k: record.category,
    v: record.verdict,
    d: decision,
    ...(reason === undefined ? {} : { r: reason }),
  };
}

export async function indexRecord(
  ctx: Context,
  id: string,
  record: ExchangeContent,
  reason?: DenyReason,
): Promise<void> {
  const value = indexValue(record, record.decision, reason);
  const suffix = `${record.observedAt}~${id}`;
  for (const viewer of viewers(record)) {
    await putJson(ctx, keys.indexPrefix(viewer, DIMENSIONS.time, NO_VALUE) + suffix, value);
  }
  const pointers: [string, string][] = [
    [DIMENSIONS.category, record.category],
    [DIMENSIONS.gateway, record.gatewayId],
    [DIMENSIONS.verdict, record.verdict],
  ];
  for (const [dimension, dimensionValue] of pointers) {
    await ctx.stub.putState(keys.indexPrefix(VIEWER_ALL, dimension, dimensionValue) + suffix, POINTER);
  }
}

export async function indexIncident(
  ctx: Context,
  id: string,
  record: ExchangeContent,
  chainDecision: Decision,
  reason?: DenyReason,
): Promise<void> {
  const value = indexValue(record, chainDecision, reason);
  for (const viewer of viewers(record)) {
    await putJson(
      ctx,
      keys.indexPrefix(viewer, DIMENSIONS.incidents, NO_VALUE) + `${record.observedAt}~${id}`,
      value,
    );
  }
}
