import {
  type DataDepartment,
  type Decision,
  type DenyReason,
  type Department,
  type ExchangeContent,
  type Verdict,
  categoryOwner,
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
 *
 * Kept small, since every key is a round trip to the peer and a write on every peer:
 * - the source has no category index of its own: a category belongs to its source department, so
 *   that index would equal the `all` one, which the owner reads instead (`categoryViewer`);
 * - only time and incident entries hold counts (`IndexValue`, read by the compliance summary); the
 *   others hold `1` (a value cannot be empty), and queries take the id from the key's last part.
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
 * Whose category index a viewer reads: the owner of a category reads the `all` one (its own would
 * hold exactly the same records); audit reads `all`; any other department its own.
 */
export function categoryViewer(viewer: string, category: string): string {
  return categoryOwner(category) === viewer ? VIEWER_ALL : viewer;
}

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
  const pointers: [string, string][] = [
    [DIMENSIONS.gateway, record.gatewayId],
    [DIMENSIONS.verdict, record.verdict],
  ];
  for (const viewer of viewers(record)) {
    await putJson(ctx, keys.indexPrefix(viewer, DIMENSIONS.time, NO_VALUE) + suffix, value);
    const dims: [string, string][] =
      viewer === record.sourceDepartment ? pointers : [[DIMENSIONS.category, record.category], ...pointers];
    for (const [dimension, dimensionValue] of dims) {
      await ctx.stub.putState(keys.indexPrefix(viewer, dimension, dimensionValue) + suffix, POINTER);
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
