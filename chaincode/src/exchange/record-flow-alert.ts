import {
  CityLedgerError,
  EVENTS,
  type FlowAlert,
  type FlowAlertEntry,
  type FlowAlertOutcome,
  flowAlertId,
  flowVerdict,
  type GatewayEntry,
  LIMITS,
  parseFlowAlert,
  parseJsonArgument,
  verifyFlowAlertAttestation,
} from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { type Caller, getCaller, requireRole } from '../caller';
import { attestationKey } from '../gateways/attestation-keys';
import { requireCallingGateway } from '../gateways/gateway-store';
import { prefetchState } from '../ledger/batched-state';
import { keys } from '../ledger/keys';
import { emit, getJson, putJson, txTime } from '../ledger/state';
import { getModelSet, requireApprovedModelIn } from '../models/model-store';
import { indexFlowAlert } from './flow-alert-indexes';
import { checkWindow } from './record-exchange';

/** Caller binding, signature with the registered key, and the zone the alert names. */
async function authenticate(ctx: Context, caller: Caller, alert: FlowAlert): Promise<GatewayEntry> {
  const gateway = await requireCallingGateway(ctx, caller, alert.gatewayId);
  if (!verifyFlowAlertAttestation(attestationKey(gateway), alert)) {
    throw new CityLedgerError(
      'BAD_SIGNATURE',
      `flow alert signature does not verify with gateway ${gateway.id}'s key`,
    );
  }
  if (alert.zone !== undefined && alert.zone !== gateway.zone) {
    throw new CityLedgerError(
      'INVALID_ARGUMENT',
      `alert.zone ${alert.zone} is not gateway ${gateway.id}'s registered zone ${gateway.zone}`,
    );
  }
  return gateway;
}

/**
 * Both models approved and of the right kind, and the verdict exactly what the feature spec's rule
 * gives for the scores under their registered thresholds (a benign result is a VERDICT_MISMATCH too:
 * benign flows belong in batches).
 */
async function checkVerdict(ctx: Context, alert: FlowAlert): Promise<void> {
  const set = await getModelSet(ctx);
  const classifier = await requireApprovedModelIn(ctx, set, {
    id: alert.modelId,
    version: alert.modelVersion,
    kind: 'classifier',
  });
  const anomaly =
    alert.anomalyModelId === undefined || alert.anomalyModelVersion === undefined
      ? undefined
      : await requireApprovedModelIn(ctx, set, {
          id: alert.anomalyModelId,
          version: alert.anomalyModelVersion,
          kind: 'anomaly',
        });
  const expected = flowVerdict(alert, classifier.thresholds, anomaly?.thresholds);
  if (expected !== alert.verdict) {
    const models = anomaly === undefined ? '' : ` and ${anomaly.id}@${anomaly.version}`;
    throw new CityLedgerError(
      'VERDICT_MISMATCH',
      `scores give ${expected}, not ${alert.verdict}, under ${classifier.id}@${classifier.version}${models}`,
    );
  }
}

function emitAlert(ctx: Context, entry: FlowAlertEntry): void {
  const a = entry.alert;
  emit(ctx, {
    type: EVENTS.flowAlert,
    txId: entry.txId,
    at: entry.recordedAt,
    alertId: entry.id,
    gatewayId: a.gatewayId,
    department: entry.department,
    zone: entry.zone,
    verdict: a.verdict,
    threatScore: a.threatScore,
    ...(a.anomalyScore === undefined ? {} : { anomalyScore: a.anomalyScore }),
    observedAt: a.observedAt,
    protocol: a.protocol,
    dstPortBucket: a.dstPortBucket,
    modelId: a.modelId,
    modelVersion: a.modelVersion,
  });
}

/**
 * recordFlowAlert: arguments first, then identity and signature, then (unless already stored) time
 * window, models and verdict. The same alert again returns the stored entry with `duplicate: true`.
 */
export async function recordFlowAlert(ctx: Context, alertJson: string): Promise<FlowAlertOutcome> {
  const alert = parseFlowAlert(parseJsonArgument(alertJson, 'alert', LIMITS.maxRecordBytes * 2));
  const caller = getCaller(ctx);
  requireRole(caller, ['gateway'], 'recordFlowAlert');
  const id = flowAlertId(alert);
  // Every key the checks read follows from the alert: one GET_STATE_MULTIPLE where the peer allows.
  // The model set carries the approved models' kinds and thresholds, so their entries are not read.
  await prefetchState(ctx.stub, [keys.gateway(alert.gatewayId), keys.flowAlert(id), keys.modelSet()]);
  const gateway = await authenticate(ctx, caller, alert);
  const existing = await getJson<FlowAlertEntry>(ctx, keys.flowAlert(id));
  if (existing !== undefined) {
    return { duplicate: true, entry: existing };
  }
  const at = txTime(ctx);
  checkWindow(alert.observedAt, at);
  await checkVerdict(ctx, alert);
  const entry: FlowAlertEntry = {
    id,
    alert,
    department: gateway.department,
    zone: gateway.zone,
    recordedAt: at,
    txId: ctx.stub.getTxID(),
  };
  await putJson(ctx, keys.flowAlert(id), entry);
  await indexFlowAlert(ctx, entry);
  emitAlert(ctx, entry);
  return { duplicate: false, entry };
}
