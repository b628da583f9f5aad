import {
  CityLedgerError,
  type FlowAlertEntry,
  type FlowAlertQuery,
  LIMITS,
  type Page,
} from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { type Caller } from '../caller';
import { FLOW_DIMENSIONS, type FlowIndexValue } from '../exchange/flow-alert-indexes';
import { idFromIndexKey, NO_VALUE, VIEWER_ALL } from '../exchange/indexes';
import { keys } from '../ledger/keys';
import { readPage } from '../ledger/range';
import { getJson } from '../ledger/state';
import { timeRange } from './record-query';

/** Audit sees every flow alert; a department sees those of its own gateways. */
export function canSeeFlowAlert(caller: Caller, entry: FlowAlertEntry): boolean {
  return caller.department === 'audit' || caller.department === entry.department;
}

/** The index range a flow-alert query reads, and for a department's filtered queries, what to keep. */
export interface FlowIndexScan {
  readonly prefix: string;
  readonly keep?: (value: FlowIndexValue) => boolean;
}

const FIELD = { gateway: 'g', zone: 'z', verdict: 'v' } as const;

export function flowIndexScanFor(caller: Caller, query: FlowAlertQuery): FlowIndexScan {
  const own = caller.department === 'audit' ? VIEWER_ALL : caller.department;
  switch (query.by) {
    case 'department': {
      const department = query.value ?? '';
      if (caller.department !== 'audit' && department !== caller.department) {
        throw new CityLedgerError('UNAUTHORIZED', `${caller.department} may only list its own flow alerts`);
      }
      return { prefix: keys.flowIndexPrefix(department, FLOW_DIMENSIONS.time, NO_VALUE) };
    }
    case 'time':
      return { prefix: keys.flowIndexPrefix(own, FLOW_DIMENSIONS.time, NO_VALUE) };
    default: {
      const value = query.value ?? '';
      if (own === VIEWER_ALL) {
        return { prefix: keys.flowIndexPrefix(VIEWER_ALL, FLOW_DIMENSIONS[query.by], value) };
      }
      const field = FIELD[query.by];
      return {
        prefix: keys.flowIndexPrefix(own, FLOW_DIMENSIONS.time, NO_VALUE),
        keep: (v) => v[field] === value,
      };
    }
  }
}

/**
 * One page of the flow alerts the caller may see: at most `pageSize` index entries are read; a
 * department's gateway, zone or verdict query keeps the matching ones, so a page may hold fewer
 * items (even none) while `bookmark` is not empty.
 */
export async function queryFlowAlerts(
  ctx: Context,
  caller: Caller,
  query: FlowAlertQuery,
): Promise<Page<FlowAlertEntry>> {
  const scan = flowIndexScanFor(caller, query);
  const [start, end] = timeRange(scan.prefix, query.from, query.to);
  const pageSize = query.pageSize ?? LIMITS.defaultPageSize;
  const page = await readPage(ctx, start, end, pageSize, query.bookmark ?? '');
  const items: FlowAlertEntry[] = [];
  for (const { key, value } of page.entries) {
    if (scan.keep !== undefined && !scan.keep(JSON.parse(value.toString('utf8')) as FlowIndexValue)) {
      continue;
    }
    const id = idFromIndexKey(key);
    const entry = await getJson<FlowAlertEntry>(ctx, keys.flowAlert(id));
    if (entry === undefined) {
      throw new CityLedgerError('INTERNAL', `index entry without ${keys.flowAlert(id)}`);
    }
    items.push(entry);
  }
  return { items, bookmark: page.bookmark };
}
