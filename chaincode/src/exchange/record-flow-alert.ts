import {
  CityLedgerError,
  EVENTS,
  type FlowAlert,
  type FlowAlertEntry,
  type FlowAlertItemResult,
  type FlowAlertOutcome,
  type FlowAlertsOutcome,
  type FlowAlertSummary,
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

/** What a flow alert event says about one alert (the summary of a combined event, too). */
function alertSummary(entry: FlowAlertEntry): FlowAlertSummary {
  const a = entry.alert;
  return {
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
  };
}

/** The keys the checks of these alerts read: one GET_STATE_MULTIPLE where the peer allows. */
async function prefetchFor(ctx: Context, alerts: readonly { alert: FlowAlert; id: string }[]): Promise<void> {
  // The model set carries the approved models' kinds and thresholds, so their entries are not read.
  const gatewayKeys = new Set(alerts.map(({ alert }) => keys.gateway(alert.gatewayId)));
  await prefetchState(ctx.stub, [
    ...gatewayKeys,
    ...alerts.map(({ id }) => keys.flowAlert(id)),
    keys.modelSet(),
  ]);
}

/**
 * Identity and signature, then (unless already stored) time window, models and verdict; then the
 * entry and its indexes are written. Throws the failed check's CityLedgerError, writing nothing.
 */
async function storeFlowAlert(
  ctx: Context,
  caller: Caller,
  alert: FlowAlert,
  id: string,
): Promise<FlowAlertOutcome> {
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
  return { duplicate: false, entry };
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
  await prefetchFor(ctx, [{ alert, id }]);
  const outcome = await storeFlowAlert(ctx, caller, alert, id);
  if (!outcome.duplicate) {
    const { entry } = outcome;
    emit(ctx, { type: EVENTS.flowAlert, txId: entry.txId, at: entry.recordedAt, ...alertSummary(entry) });
  }
  return outcome;
}

function refused(err: unknown, id?: string): FlowAlertItemResult {
  if (!(err instanceof CityLedgerError)) {
    throw err; // not a check that failed: the whole transaction fails
  }
  return { ...(id === undefined ? {} : { id }), stored: false, code: err.code, detail: err.detail };
}

/**
 * recordFlowAlerts: up to LIMITS.maxAlertsPerCall alerts in one transaction (a JSON array within
 * LIMITS.maxArgumentBytes), each checked and stored as recordFlowAlert would, each with its own
 * signature. An alert that fails a check is refused alone with its code; the others are stored. The
 * same alert twice, in this call or before, is a duplicate. One combined event lists the alerts stored.
 */
export async function recordFlowAlerts(ctx: Context, alertsJson: string): Promise<FlowAlertsOutcome> {
  const list = parseJsonArgument(alertsJson, 'alerts', LIMITS.maxArgumentBytes);
  if (!Array.isArray(list) || list.length === 0 || list.length > LIMITS.maxAlertsPerCall) {
    throw new CityLedgerError(
      'INVALID_ARGUMENT',
      `alerts must be a JSON array of 1 to ${LIMITS.maxAlertsPerCall} flow alerts`,
    );
  }
  const caller = getCaller(ctx);
  requireRole(caller, ['gateway'], 'recordFlowAlerts');
  const parsed = list.map((value: unknown) => {
    try {
      const alert = parseFlowAlert(value);
      return { alert, id: flowAlertId(alert) };
    } catch (err) {
      return refused(err);
    }
  });
  const valid = parsed.filter((p): p is { alert: FlowAlert; id: string } => 'alert' in p);
  await prefetchFor(ctx, valid);
  const results: FlowAlertItemResult[] = [];
  const stored: FlowAlertSummary[] = [];
  const storedNow = new Set<string>();
  for (const item of parsed) {
    if (!('alert' in item)) {
      results.push(item);
      continue;
    }
    if (storedNow.has(item.id)) {
      results.push({ id: item.id, stored: true, duplicate: true });
      continue;
    }
    try {
      const outcome = await storeFlowAlert(ctx, caller, item.alert, item.id);
      results.push({ id: item.id, stored: true, duplicate: outcome.duplicate });
      if (!outcome.duplicate) {
        storedNow.add(item.id);
        stored.push(alertSummary(outcome.entry));
      }
    } catch (err) {
      results.push(refused(err, item.id));
    }
  }
  if (stored.length > 0) {
    emit(ctx, { type: EVENTS.flowAlerts, txId: ctx.stub.getTxID(), at: txTime(ctx), alerts: stored });
  }
  return { results };
}
