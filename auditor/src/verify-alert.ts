import {
  flowAlertId,
  flowVerdict,
  parseFlowAlert,
  verifyFlowAlertAttestation,
  type FlowAlert,
  type FlowAlertEntry,
  type GatewayEntry,
  type ModelEntry,
  type ModelKind,
} from '@cityledger/core';
import { fail, pass, skip, type CheckResult } from './checks';
import { versionAt, type Versioned } from './versions';

/** Everything `verify alert` needs, all of it read from the ledger. */
export interface AlertEvidence {
  readonly id: string;
  readonly entry: FlowAlertEntry | undefined;
  readonly gatewayHistory: readonly Versioned<GatewayEntry>[];
  /** Every version of the classifier's registry entry. */
  readonly classifierHistory: readonly Versioned<ModelEntry>[];
  /** Every version of the anomaly model's entry, when the alert names one. */
  readonly anomalyHistory: readonly Versioned<ModelEntry>[];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function checkGateway(
  entry: FlowAlertEntry,
  history: readonly Versioned<GatewayEntry>[],
): { result: CheckResult; gateway?: GatewayEntry } {
  const { gatewayId } = entry.alert;
  const version = versionAt(history, entry.recordedAt);
  if (version === undefined || version.value.id !== gatewayId) {
    return { result: fail('gateway-registered', `${gatewayId} was not registered at ${entry.recordedAt}`) };
  }
  const gateway = version.value;
  if (gateway.status !== 'active') {
    return {
      result: fail('gateway-registered', `${gatewayId} was ${gateway.status} at ${entry.recordedAt}`),
      gateway,
    };
  }
  const zones = [entry.zone, entry.alert.zone ?? gateway.zone];
  if (zones.some((z) => z !== gateway.zone)) {
    return {
      result: fail(
        'gateway-registered',
        `alert names zone ${zones.join('/')}, ${gatewayId} is registered in ${gateway.zone}`,
      ),
      gateway,
    };
  }
  return {
    result: pass('gateway-registered', `${gatewayId} (${gateway.department}, zone ${gateway.zone}) active`),
    gateway,
  };
}

/** A model version active when the flow ended and when the alert was committed, of the right kind. */
function modelAt(
  history: readonly Versioned<ModelEntry>[],
  id: string,
  version: string,
  kind: ModelKind,
  alert: FlowAlert,
  recordedAt: string,
): { model?: ModelEntry; problem?: string } {
  const name = `${id}@${version}`;
  const relevant = history.filter((v) => v.value.id === id && v.value.version === version);
  const observed = versionAt(relevant, alert.observedAt)?.value;
  if (observed === undefined) {
    return { problem: `${name} was not registered at ${alert.observedAt}` };
  }
  const committed = versionAt(relevant, recordedAt)?.value ?? observed;
  if (observed.kind !== kind) {
    return { problem: `${name} is a ${observed.kind} model, not ${kind}` };
  }
  if (observed.status !== 'active' || committed.status !== 'active') {
    return { problem: `${name} was retired when the flow was scored or committed` };
  }
  return { model: observed };
}

function checkModels(evidence: AlertEvidence, entry: FlowAlertEntry): CheckResult[] {
  const a = entry.alert;
  const classifier = modelAt(
    evidence.classifierHistory,
    a.modelId,
    a.modelVersion,
    'classifier',
    a,
    entry.recordedAt,
  );
  const anomaly =
    a.anomalyModelId === undefined || a.anomalyModelVersion === undefined
      ? undefined
      : modelAt(
          evidence.anomalyHistory,
          a.anomalyModelId,
          a.anomalyModelVersion,
          'anomaly',
          a,
          entry.recordedAt,
        );
  const problems = [classifier.problem, anomaly?.problem].filter((p): p is string => p !== undefined);
  if (problems.length > 0 || classifier.model === undefined) {
    return [
      fail('model-approved', problems.join('; ')),
      skip('verdict-thresholds', 'no approved model thresholds to apply'),
    ];
  }
  const names = [classifier.model, anomaly?.model]
    .filter((m): m is ModelEntry => m !== undefined)
    .map((m) => `${m.id}@${m.version}`);
  const expected = flowVerdict(a, classifier.model.thresholds, anomaly?.model?.thresholds);
  const scores = `threat ${a.threatScore}${a.anomalyScore === undefined ? '' : `, anomaly ${a.anomalyScore}`}`;
  return [
    pass('model-approved', `${names.join(' and ')} approved`),
    expected === a.verdict
      ? pass('verdict-thresholds', `${scores} gives ${expected} (feature-spec rule)`)
      : fail('verdict-thresholds', `${scores} gives ${expected}, not ${a.verdict}`),
  ];
}

/** Every check of `verify alert`, in order. Pure: the evidence comes from the ledger. */
export function verifyAlertEvidence(evidence: AlertEvidence): CheckResult[] {
  const { entry } = evidence;
  if (entry?.id !== evidence.id) {
    return [fail('record-on-chain', `no flow alert ${evidence.id} on the ledger`)];
  }
  let format: CheckResult;
  try {
    parseFlowAlert(entry.alert);
    format = pass('record-format', 'flow alert fields, formats and cross-field rules valid');
  } catch (err) {
    format = fail('record-format', message(err));
  }
  const derived = flowAlertId(entry.alert);
  const gateway = checkGateway(entry, evidence.gatewayHistory);
  let signature: CheckResult;
  if (gateway.gateway === undefined) {
    signature = skip('attestation-signature', 'no registered key to verify with');
  } else {
    try {
      signature = verifyFlowAlertAttestation(gateway.gateway.attestationKeyPem, entry.alert)
        ? pass(
            'attestation-signature',
            `flow-alert signature verifies with ${gateway.gateway.id}'s key at that time`,
          )
        : fail(
            'attestation-signature',
            `signature does not verify with ${gateway.gateway.id}'s key at that time`,
          );
    } catch (err) {
      signature = fail('attestation-signature', `registered key unusable: ${message(err)}`);
    }
  }
  return [
    pass('record-on-chain', `flow alert committed ${entry.recordedAt} in transaction ${entry.txId}`),
    format,
    derived === entry.id
      ? pass('record-id', `sha256 of canonical content = ${derived}`)
      : fail('record-id', `content hashes to ${derived}, stored under ${entry.id}`),
    gateway.result,
    signature,
    ...checkModels(evidence, entry),
  ];
}
