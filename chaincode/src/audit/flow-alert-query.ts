import {
  CityLedgerError,
  type FlowAlertEntry,
  type FlowAlertQuery,
  LIMITS,
  type Page,
} from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { type Caller } from '../caller';
import { FLOW_DIMENSIONS } from '../exchange/flow-alert-indexes';
import { idFromIndexKey, NO_VALUE, VIEWER_ALL } from '../exchange/indexes';
import { keys } from '../ledger/keys';
import { readPage } from '../ledger/range';
import { getJson } from '../ledger/state';
import { timeRange } from './record-query';

/** Audit sees every flow alert; a department sees those of its own gateways. */
export function canSeeFlowAlert(caller: Caller, entry: FlowAlertEntry): boolean {
  return caller.department === 'audit' || caller.department === entry.department;
}

/** The flow-alert index prefix a caller reads for a query: audit reads `all`, a department its own. */
export function flowIndexPrefixFor(caller: Caller, query: FlowAlertQuery): string {
  const own = caller.department === 'audit' ? VIEWER_ALL : caller.department;
  switch (query.by) {
    case 'department': {
      const department = query.value ?? '';
      if (caller.department !== 'audit' && department !== caller.department) {
        throw new CityLedgerError('UNAUTHORIZED', `${caller.department} may only list its own flow alerts`);
      }
      return keys.flowIndexPrefix(department, FLOW_DIMENSIONS.time, NO_VALUE);
    }
    case 'time':
      return keys.flowIndexPrefix(own, FLOW_DIMENSIONS.time, NO_VALUE);
    default:
      return keys.flowIndexPrefix(own, FLOW_DIMENSIONS[query.by], query.value ?? '');
  }
}

/** One page of the flow alerts the caller may see. */
export async function queryFlowAlerts(
  ctx: Context,
  caller: Caller,
  query: FlowAlertQuery,
): Promise<Page<FlowAlertEntry>> {
  const [start, end] = timeRange(flowIndexPrefixFor(caller, query), query.from, query.to);
  const pageSize = query.pageSize ?? LIMITS.defaultPageSize;
  const page = await readPage(ctx, start, end, pageSize, query.bookmark ?? '');
  const items: FlowAlertEntry[] = [];
  for (const { key } of page.entries) {
    const id = idFromIndexKey(key);
    const entry = await getJson<FlowAlertEntry>(ctx, keys.flowAlert(id));
    if (entry === undefined) {
      throw new CityLedgerError('INTERNAL', `index entry without ${keys.flowAlert(id)}`);
    }
    items.push(entry);
  }
  return { items, bookmark: page.bookmark };
}
