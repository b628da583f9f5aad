import {
  CityLedgerError,
  type ExchangeEntry,
  LIMITS,
  type MismatchIncident,
  type Page,
  type RecordQuery,
} from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { type Caller } from '../caller';
import { categoryViewer, DIMENSIONS, idFromIndexKey, NO_VALUE, VIEWER_ALL } from '../exchange/indexes';
import { keys, RANGE_END } from '../ledger/keys';
import { readPage } from '../ledger/range';
import { getJson } from '../ledger/state';

/** The index prefix a caller reads for a query: audit reads `all`, a department its own view. */
export function indexPrefixFor(caller: Caller, query: RecordQuery): string {
  const own = caller.department === 'audit' ? VIEWER_ALL : caller.department;
  switch (query.by) {
    case 'department': {
      const department = query.value ?? '';
      if (caller.department !== 'audit' && department !== caller.department) {
        throw new CityLedgerError('UNAUTHORIZED', `${caller.department} may only list its own records`);
      }
      return keys.indexPrefix(department, DIMENSIONS.time, NO_VALUE);
    }
    case 'time':
      return keys.indexPrefix(own, DIMENSIONS.time, NO_VALUE);
    case 'incidents':
      return keys.indexPrefix(own, DIMENSIONS.incidents, NO_VALUE);
    case 'category': {
      const category = query.value ?? '';
      return keys.indexPrefix(categoryViewer(own, category), DIMENSIONS.category, category);
    }
    default:
      return keys.indexPrefix(own, DIMENSIONS[query.by], query.value ?? '');
  }
}

/** `[from, to)` of observation times under an index prefix. */
export function timeRange(prefix: string, from?: string, to?: string): [string, string] {
  return [prefix + (from ?? ''), to === undefined ? prefix + RANGE_END : prefix + to];
}

/** One page of records (or incidents for `by: incidents`) the caller may see. */
export async function queryRecords(
  ctx: Context,
  caller: Caller,
  query: RecordQuery,
): Promise<Page<ExchangeEntry | MismatchIncident>> {
  const [start, end] = timeRange(indexPrefixFor(caller, query), query.from, query.to);
  const pageSize = query.pageSize ?? LIMITS.defaultPageSize;
  const page = await readPage(ctx, start, end, pageSize, query.bookmark ?? '');
  const items: (ExchangeEntry | MismatchIncident)[] = [];
  for (const { key: indexKey } of page.entries) {
    const id = idFromIndexKey(indexKey);
    const key = query.by === 'incidents' ? keys.incident(id) : keys.record(id);
    const item = await getJson<ExchangeEntry | MismatchIncident>(ctx, key);
    if (item === undefined) {
      throw new CityLedgerError('INTERNAL', `index entry without ${key}`);
    }
    items.push(item);
  }
  return { items, bookmark: page.bookmark };
}
