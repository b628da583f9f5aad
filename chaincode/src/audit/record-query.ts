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
import {
  DIMENSIONS,
  FLAGGED_ONLY,
  idFromIndexKey,
  type IndexValue,
  involves,
  NO_VALUE,
  VIEWER_ALL,
} from '../exchange/indexes';
import { keys, RANGE_END } from '../ledger/keys';
import { readPage } from '../ledger/range';
import { getJson } from '../ledger/state';

/** The index range a query reads, and for a department's filtered queries, which entries to keep. */
export interface IndexScan {
  readonly prefix: string;
  readonly keep?: (value: IndexValue) => boolean;
}

const ALL_TIME = keys.indexPrefix(VIEWER_ALL, DIMENSIONS.time, NO_VALUE);

/** The records of the `all` time index a department may see (source or consumer), matching `match`. */
function departmentTimeScan(department: string, match?: (v: IndexValue) => boolean): IndexScan {
  const visible = involves(department);
  return { prefix: ALL_TIME, keep: match === undefined ? visible : (v) => visible(v) && match(v) };
}

/** A department's category, gateway or verdict query: the `all` time index, filtered. */
function departmentScan(department: string, query: RecordQuery): IndexScan {
  const value = query.value ?? '';
  switch (query.by) {
    case 'category':
      return categoryOwner(value) === department
        ? { prefix: keys.indexPrefix(VIEWER_ALL, DIMENSIONS.category, value) }
        : departmentTimeScan(department, (v) => v.k === value);
    case 'gateway':
      return departmentTimeScan(department, (v) => v.g === value);
    default:
      return departmentTimeScan(department, (v) => v.v === value);
  }
}

/**
 * What a caller reads for a query: audit reads the exact `all` indexes; a department reads the `all`
 * time index keeping what it may see (records), or its own incident index.
 */
export function indexScanFor(caller: Caller, query: RecordQuery): IndexScan {
  const own = caller.department === 'audit' ? VIEWER_ALL : caller.department;
  switch (query.by) {
    case 'department': {
      const department = query.value ?? '';
      if (caller.department !== 'audit' && department !== caller.department) {
        throw new CityLedgerError('UNAUTHORIZED', `${caller.department} may only list its own records`);
      }
      return departmentTimeScan(department);
    }
    case 'time':
      return own === VIEWER_ALL ? { prefix: ALL_TIME } : departmentTimeScan(own);
    case 'incidents':
      return { prefix: keys.indexPrefix(own, DIMENSIONS.incidents, NO_VALUE) };
    default:
      if (own !== VIEWER_ALL) {
        return departmentScan(own, query);
      }
      return query.by === 'verdict' && query.value === FLAGGED_ONLY.unindexed
        ? { prefix: ALL_TIME, keep: (v) => v.v === FLAGGED_ONLY.unindexed }
        : { prefix: keys.indexPrefix(VIEWER_ALL, DIMENSIONS[query.by], query.value ?? '') };
  }
}

/** `[from, to)` of observation times under an index prefix. */
export function timeRange(prefix: string, from?: string, to?: string): [string, string] {
  return [prefix + (from ?? ''), to === undefined ? prefix + RANGE_END : prefix + to];
}

/**
 * One page of records (or incidents for `by: incidents`) the caller may see: at most `pageSize` index
 * entries are read; a filtered query keeps the matching ones, so a page may hold fewer items (even
 * none) while `bookmark` is not empty.
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
