import {
  categoryOwner,
  CityLedgerError,
  type ExchangeEntry,
  LIMITS,
  type MismatchIncident,
  type Page,
  type RecordQuery,
} from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { type Caller } from '../caller';
import { DIMENSIONS, idFromIndexKey, type IndexValue, NO_VALUE, VIEWER_ALL } from '../exchange/indexes';
import { keys, RANGE_END } from '../ledger/keys';
import { readPage } from '../ledger/range';
import { getJson } from '../ledger/state';

/** The index range a query reads, and for a department's filtered queries, which entries to keep. */
export interface IndexScan {
  readonly prefix: string;
  readonly keep?: (value: IndexValue) => boolean;
}

/** A department's category, gateway or verdict query: its own time index, filtered. */
function departmentScan(department: string, query: RecordQuery): IndexScan {
  const value = query.value ?? '';
  const own = keys.indexPrefix(department, DIMENSIONS.time, NO_VALUE);
  switch (query.by) {
    case 'category':
      return categoryOwner(value) === department
        ? { prefix: keys.indexPrefix(VIEWER_ALL, DIMENSIONS.category, value) }
        : { prefix: own, keep: (v) => v.k === value };
    case 'gateway':
      return { prefix: own, keep: (v) => v.g === value };
    default:
      return { prefix: own, keep: (v) => v.v === value };
  }
}

/** What a caller reads for a query: audit reads the exact `all` indexes, a department its own view. */
export function indexScanFor(caller: Caller, query: RecordQuery): IndexScan {
  const own = caller.department === 'audit' ? VIEWER_ALL : caller.department;
  switch (query.by) {
    case 'department': {
      const department = query.value ?? '';
      if (caller.department !== 'audit' && department !== caller.department) {
        throw new CityLedgerError('UNAUTHORIZED', `${caller.department} may only list its own records`);
      }
      return { prefix: keys.indexPrefix(department, DIMENSIONS.time, NO_VALUE) };
    }
    case 'time':
      return { prefix: keys.indexPrefix(own, DIMENSIONS.time, NO_VALUE) };
    case 'incidents':
      return { prefix: keys.indexPrefix(own, DIMENSIONS.incidents, NO_VALUE) };
    default:
      return own === VIEWER_ALL
        ? { prefix: keys.indexPrefix(VIEWER_ALL, DIMENSIONS[query.by], query.value ?? '') }
        : departmentScan(own, query);
  }
}

/** `[from, to)` of observation times under an index prefix. */
export function timeRange(prefix: string, from?: string, to?: string): [string, string] {
  return [prefix + (from ?? ''), to === undefined ? prefix + RANGE_END : prefix + to];
}

/**
 * One page of records (or incidents for `by: incidents`) the caller may see: at most `pageSize` index
 * entries are read; a department's filtered query keeps the matching ones, so a page may hold fewer
 * items (even none) while `bookmark` is not empty.
 */
export async function queryRecords(
  ctx: Context,
  caller: Caller,
  query: RecordQuery,
): Promise<Page<ExchangeEntry | MismatchIncident>> {
  const scan = indexScanFor(caller, query);
  const [start, end] = timeRange(scan.prefix, query.from, query.to);
  const pageSize = query.pageSize ?? LIMITS.defaultPageSize;
  const page = await readPage(ctx, start, end, pageSize, query.bookmark ?? '');
  const items: (ExchangeEntry | MismatchIncident)[] = [];
  for (const entry of page.entries) {
    if (scan.keep !== undefined && !scan.keep(JSON.parse(entry.value.toString('utf8')) as IndexValue)) {
      continue;
    }
    const id = idFromIndexKey(entry.key);
    const key = query.by === 'incidents' ? keys.incident(id) : keys.record(id);
    const item = await getJson<ExchangeEntry | MismatchIncident>(ctx, key);
    if (item === undefined) {
      throw new CityLedgerError('INTERNAL', `index entry without ${key}`);
    }
    items.push(item);
  }
  return { items, bookmark: page.bookmark };
}
