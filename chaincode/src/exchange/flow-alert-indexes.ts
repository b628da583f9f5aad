import { type DataDepartment, type FlowAlertEntry, type FlowAlertVerdict } from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { keys } from '../ledger/keys';
import { putJson } from '../ledger/state';
import { NO_VALUE, POINTER, VIEWER_ALL } from './indexes';

/**
 * Secondary indexes of flow alerts, apart from those of exchange records (`ix~`) so that neither
 * query ever meets the other's entries:
 *
 *     fx~<viewer>~<dimension>~<value>~<observedAt>~<alertId>
 *
 * dimension: `t` time (value `_`), `g` gateway, `z` zone, `v` verdict; entries sort by the flow's end.
 * As for records (see indexes.ts): viewer `all` (audit) has every dimension, with counts
 * (`FlowIndexValue`) on time entries and `1` on the others; the gateway's department has its own time
 * index, which its gateway, zone and verdict queries scan and filter. 5 keys per alert.
 */
export const FLOW_DIMENSIONS = { time: 't', gateway: 'g', zone: 'z', verdict: 'v' } as const;

/** What a flow-alert index entry holds: enough to count alerts without reading them. */
export interface FlowIndexValue {
  readonly id: string;
  readonly g: string;
  readonly d: DataDepartment;
  readonly z: string;
  readonly v: FlowAlertVerdict;
}

export async function indexFlowAlert(ctx: Context, entry: FlowAlertEntry): Promise<void> {
  const { alert } = entry;
  const value: FlowIndexValue = {
    id: entry.id,
    g: alert.gatewayId,
    d: entry.department,
    z: entry.zone,
    v: alert.verdict,
  };
  const suffix = `${alert.observedAt}~${entry.id}`;
  for (const viewer of [VIEWER_ALL, entry.department]) {
    await putJson(ctx, keys.flowIndexPrefix(viewer, FLOW_DIMENSIONS.time, NO_VALUE) + suffix, value);
  }
  const pointers: [string, string][] = [
    [FLOW_DIMENSIONS.gateway, alert.gatewayId],
    [FLOW_DIMENSIONS.zone, entry.zone],
    [FLOW_DIMENSIONS.verdict, alert.verdict],
  ];
  for (const [dimension, dimensionValue] of pointers) {
    await ctx.stub.putState(keys.flowIndexPrefix(VIEWER_ALL, dimension, dimensionValue) + suffix, POINTER);
  }
}
