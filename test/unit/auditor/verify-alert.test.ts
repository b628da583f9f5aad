import { signFlowAlertAttestation, type FlowAlertEntry } from '@cityledger/core';
import { exitCodeFor, failedChecks, verified } from '../../../auditor/src/checks';
import { verifyAlertEvidence, type AlertEvidence } from '../../../auditor/src/verify-alert';
import {
  alertContent,
  alertEntry,
  anomalyHistory,
  anomalyModel,
  at,
  gatewayHistory,
  model,
  modelHistory,
  p256,
} from './world';

function evidence(entry: FlowAlertEntry | undefined, overrides: Partial<AlertEvidence> = {}): AlertEvidence {
  return {
    id: entry?.id ?? 'f'.repeat(64),
    entry,
    gatewayHistory,
    classifierHistory: modelHistory,
    anomalyHistory,
    ...overrides,
  };
}

describe('verify alert', () => {
  const genuine = alertEntry(alertContent());

  it('passes every check on a genuine flow alert, with and without an anomaly model', () => {
    const results = verifyAlertEvidence(evidence(genuine));
    expect(results.map((r) => r.name)).toEqual([
      'record-on-chain',
      'record-format',
      'record-id',
      'gateway-registered',
      'attestation-signature',
      'model-approved',
      'verdict-thresholds',
    ]);
    expect(verified(results)).toBe(true);
    const {
      anomalyScore: _s,
      anomalyModelId: _i,
      anomalyModelVersion: _v,
      ...plain
    } = alertContent({ threatScore: 0.6, verdict: 'suspicious' });
    expect(verified(verifyAlertEvidence(evidence(alertEntry(plain), { anomalyHistory: [] })))).toBe(true);
  });

  it('accepts a suspicious verdict that only the anomaly model gives', () => {
    const byAnomaly = alertEntry(
      alertContent({ threatScore: 0.1, anomalyScore: 0.8, verdict: 'suspicious' }),
    );
    expect(verified(verifyAlertEvidence(evidence(byAnomaly)))).toBe(true);
  });

  it('names attestation-signature for a forged signature', () => {
    const forged = {
      ...genuine,
      alert: { ...genuine.alert, signature: signFlowAlertAttestation(p256().privateKeyPem, genuine.alert) },
    };
    const results = verifyAlertEvidence(evidence(forged));
    expect(failedChecks(results)).toEqual(['attestation-signature']);
    expect(exitCodeFor(results)).toBe(14);
  });

  it('names record-id when a field was altered after signing', () => {
    const altered = { ...genuine, alert: { ...genuine.alert, revBytes: 1 } };
    expect(failedChecks(verifyAlertEvidence(evidence(altered)))).toEqual([
      'record-id',
      'attestation-signature',
    ]);
  });

  it('names gateway-registered for a zone other than the registered one', () => {
    const elsewhere = { ...genuine, zone: 'harbour' };
    expect(failedChecks(verifyAlertEvidence(evidence(elsewhere)))).toEqual(['gateway-registered']);
  });

  it('names model-approved for a retired anomaly model or a classifier of the wrong kind', () => {
    const retired = [
      ...anomalyHistory,
      { value: { ...anomalyModel, status: 'retired' as const }, txId: 'r', at: at(5) },
    ];
    expect(failedChecks(verifyAlertEvidence(evidence(genuine, { anomalyHistory: retired })))).toEqual([
      'model-approved',
    ]);
    const wrongKind = [{ value: { ...model, kind: 'anomaly' as const }, txId: 'm', at: at(1) }];
    expect(exitCodeFor(verifyAlertEvidence(evidence(genuine, { classifierHistory: wrongKind })))).toBe(15);
  });

  it('names verdict-thresholds when the scores do not give the verdict', () => {
    const c = alertContent({ threatScore: 0.6, verdict: 'malicious' });
    const results = verifyAlertEvidence(evidence(alertEntry(c)));
    expect(failedChecks(results)).toEqual(['verdict-thresholds']);
    expect(exitCodeFor(results)).toBe(16);
  });

  it('names record-on-chain for a missing alert', () => {
    expect(exitCodeFor(verifyAlertEvidence(evidence(undefined)))).toBe(10);
  });
});
