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
 * Secondary indexes of records and incidents, one set per viewer so that every page a department
 * reads holds only what it may see:
 *
 *     ix~<viewer>~<dimension>~<value>~<observedAt>~<recordId>
 *
 * viewer: `all` (the audit org) and the source and consumer departments; dimension: `t` time (value
 * `_`), `c` category, `g` gateway, `v` verdict, `x` policy-mismatch incidents (value `_`). Entries sort
 * by observation time within each prefix, so `from`/`to` become a key range.
 */

export const VIEWER_ALL = 'all';
export const DIMENSIONS = { time: 't', category: 'c', gateway: 'g', verdict: 'v', incidents: 'x' } as const;
export const NO_VALUE = '_';

/** What an index entry holds: enough to count records without reading them. */
export interface IndexValue {
  readonly id: string;
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

function indexValue(
  id: string,
  record: ExchangeContent,
  decision: Decision,
  reason?: DenyReason,
): IndexValue {
  return {
    id,
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
  const value = indexValue(id, record, record.decision, reason);
  const suffix = `${record.observedAt}~${id}`;
  const paths: [string, string][] = [
    [DIMENSIONS.time, NO_VALUE],
    [DIMENSIONS.category, record.category],
    [DIMENSIONS.gateway, record.gatewayId],
    [DIMENSIONS.verdict, record.verdict],
  ];
  for (const viewer of viewers(record)) {
    for (const [dimension, dimensionValue] of paths) {
      await putJson(ctx, keys.indexPrefix(viewer, dimension, dimensionValue) + suffix, value);
    }
  }
}

export async function indexIncident(
  ctx: Context,
  id: string,
  record: ExchangeContent,
  chainDecision: Decision,
  reason?: DenyReason,
): Promise<void> {
  const value = indexValue(id, record, chainDecision, reason);
  for (const viewer of viewers(record)) {
    await putJson(
      ctx,
      keys.indexPrefix(viewer, DIMENSIONS.incidents, NO_VALUE) + `${record.observedAt}~${id}`,
      value,
    );
  }
}
