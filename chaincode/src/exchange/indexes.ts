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
 * - Records: viewer `all` only, with every dimension (the verdict one for flagged records only, see
 *   FLAGGED_ONLY), so audit pages are exact. A department reads
 *   the `all` time index and keeps the entries where it is source or consumer (time entries carry
 *   both, and the category, gateway and verdict its filters need), so its pages may hold fewer items
 *   than asked before the end. Each record involves two of the three departments, so a department
 *   keeps about two entries in three. The exception is a category's owner, which is the source of
 *   every record of its category and reads the exact `all` category index.
 * - Incidents (rare): viewer `all` and the source and consumer departments each have an exact index.
 * - Time and incident entries hold an `IndexValue` (the compliance summary and the filters read it);
 *   the category, gateway and verdict entries hold `1` (a value cannot be empty) and queries take the
 *   id from the key's last part.
 *
 * So a record costs 4 index keys (3 when benign). Every key written is a write in the transaction, validated and
 * stored by every peer, and the benchmark shows index keys dominating what a record costs over a bare
 * write (bench/chaincode.ts); per-department time indexes (2 more keys, the largest) bought only a
 * third fewer entries read by department queries. Entries of the per-department record indexes
 * written before (`ix~<department>~t|c|g|v~`) stay on the ledger, unused.
 */
export const VIEWER_ALL = 'all';
export const DIMENSIONS = { time: 't', category: 'c', gateway: 'g', verdict: 'v', incidents: 'x' } as const;
export const NO_VALUE = '_';
/**
 * The verdict index holds flagged records only: a query for `benign` (most records) reads the time
 * index and keeps the benign entries, so its pages are nearly full anyway, and a benign record costs
 * one key less. Suspicious and malicious records, the ones audit looks for, keep an exact index.
 */
export const FLAGGED_ONLY = { unindexed: 'benign' } as const;
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

/** Whether a department is the source or the consumer of an indexed record or incident. */
export function involves(department: string): (value: IndexValue) => boolean {
  return (value) => value.s === department || value.c === department;
}

function incidentViewers(record: ExchangeContent): string[] {
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
  const suffix = `${record.observedAt}~${id}`;
  await putJson(
    ctx,
    keys.indexPrefix(VIEWER_ALL, DIMENSIONS.time, NO_VALUE) + suffix,
    indexValue(record, record.decision, reason),
  );
  const pointers: [string, string][] = [
    [DIMENSIONS.category, record.category],
    [DIMENSIONS.gateway, record.gatewayId],
    // Benign records (most of them) have no verdict entry: see FLAGGED_ONLY.
    ...(record.verdict === FLAGGED_ONLY.unindexed
      ? []
      : [[DIMENSIONS.verdict, record.verdict] as [string, string]]),
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
  for (const viewer of incidentViewers(record)) {
    await putJson(
      ctx,
      keys.indexPrefix(viewer, DIMENSIONS.incidents, NO_VALUE) + `${record.observedAt}~${id}`,
      value,
    );
  }
}
