import { recordId, signAttestation, type ExchangeEntry } from '@cityledger/core';
import { exitCodeFor, failedChecks, verified, type CheckResult } from '../../../auditor/src/checks';
import { verifyRecordEvidence, type RecordEvidence } from '../../../auditor/src/verify-record';
import {
  at,
  content,
  entryFor,
  gatewayHistory,
  keys,
  model,
  modelHistory,
  p256,
  policyHistory,
  rotatedKeys,
} from './world';

function evidence(entry: ExchangeEntry | undefined, overrides: Partial<RecordEvidence> = {}): RecordEvidence {
  return {
    id: entry?.id ?? 'f'.repeat(64),
    entry,
    gatewayHistory,
    modelHistory,
    policyHistory,
    ...overrides,
  };
}

function statusOf(results: readonly CheckResult[]): Record<string, string> {
  return Object.fromEntries(results.map((r) => [r.name, r.status]));
}

describe('verify record', () => {
  const genuine = entryFor(content());

  it('passes every check on a genuine record', () => {
    const results = verifyRecordEvidence(evidence(genuine));
    expect(results.map((r) => r.name)).toEqual([
      'record-on-chain',
      'record-format',
      'record-id',
      'gateway-registered',
      'attestation-signature',
      'model-approved',
      'verdict-thresholds',
      'policy-version',
      'policy-decision',
    ]);
    expect(results.filter((r) => r.status !== 'pass')).toEqual([]);
    expect(verified(results)).toBe(true);
    expect(exitCodeFor(results)).toBe(0);
  });

  it('passes on a genuine denial and a suspicious verdict', () => {
    const denied = entryFor(content({ purpose: 'marketing' }));
    expect(denied.record.decision).toBe('deny');
    expect(verified(verifyRecordEvidence(evidence(denied)))).toBe(true);
    const suspicious = entryFor(content({ threatScore: 0.7 }));
    expect(suspicious.record.verdict).toBe('suspicious');
    expect(verified(verifyRecordEvidence(evidence(suspicious)))).toBe(true);
  });

  it('uses the key registered when the record was committed, not the current one', () => {
    const after = entryFor(content({ observedAt: at(130) }), at(130), rotatedKeys);
    // Cites v1 long after v2: the policy check fails, the signature check must pass.
    expect(statusOf(verifyRecordEvidence(evidence(after)))['attestation-signature']).toBe('pass');
    const oldKeyLate = entryFor(content({ observedAt: at(130) }), at(130), keys);
    const results = verifyRecordEvidence(evidence(oldKeyLate));
    expect(statusOf(results)['attestation-signature']).toBe('fail');
  });

  it('names record-on-chain when the record is missing', () => {
    const results = verifyRecordEvidence(evidence(undefined, { id: 'a'.repeat(64) }));
    expect(failedChecks(results)).toEqual(['record-on-chain']);
    expect(exitCodeFor(results)).toBe(10);
  });

  it('names record-id and attestation-signature when a stored field was altered', () => {
    const altered: ExchangeEntry = {
      ...genuine,
      record: { ...genuine.record, payloadSha256: 'b'.repeat(64) },
    };
    const results = verifyRecordEvidence(evidence(altered));
    expect(failedChecks(results)).toEqual(['record-id', 'attestation-signature']);
    expect(exitCodeFor(results)).toBe(12);
  });

  it('names attestation-signature alone for a forged signature', () => {
    const forger = p256();
    const forged: ExchangeEntry = {
      ...genuine,
      record: { ...genuine.record, signature: signAttestation(forger.privateKeyPem, genuine.record) },
    };
    const results = verifyRecordEvidence(evidence(forged));
    expect(failedChecks(results)).toEqual(['attestation-signature']);
    expect(exitCodeFor(results)).toBe(14);
  });

  it('names gateway-registered when the gateway was suspended at commit time', () => {
    const suspended = [
      ...gatewayHistory,
      { value: { ...gatewayHistory[0]!.value, status: 'suspended' as const }, txId: 'tx-s', at: at(5) },
    ];
    const results = verifyRecordEvidence(evidence(genuine, { gatewayHistory: suspended }));
    expect(failedChecks(results)).toEqual(['gateway-registered']);
    expect(statusOf(results)['attestation-signature']).toBe('pass');
  });

  it('names model-approved for a wrong model, and for a model retired before the observation', () => {
    const wrong = entryFor(content({ modelVersion: '9.9.9' }));
    const results = verifyRecordEvidence(evidence(wrong));
    expect(failedChecks(results)).toEqual(['model-approved']);
    expect(statusOf(results)['verdict-thresholds']).toBe('skip');
    expect(exitCodeFor(results)).toBe(15);
    const retired = [
      ...modelHistory,
      { value: { ...model, status: 'retired' as const, retiredAt: at(5) }, txId: 'tx-r', at: at(5) },
    ];
    expect(failedChecks(verifyRecordEvidence(evidence(genuine, { modelHistory: retired })))).toEqual([
      'model-approved',
    ]);
  });

  it("names verdict-thresholds when the verdict does not follow from the model's thresholds", () => {
    const c = content({ threatScore: 0.95, verdict: 'benign' });
    const signed = { ...c, signature: signAttestation(keys.privateKeyPem, c) };
    const entry: ExchangeEntry = { ...entryFor(c), record: signed };
    const results = verifyRecordEvidence(evidence({ ...entry, id: entry.id }));
    expect(failedChecks(results)).toContain('verdict-thresholds');
  });

  it('names policy-version for a version that does not exist, or was superseded beyond the grace', () => {
    const missing = entryFor(content({ policyVersion: 1 }));
    const results = verifyRecordEvidence(evidence(missing, { policyHistory: policyHistory.slice(1) }));
    expect(failedChecks(results)).toEqual(['policy-version']);
    expect(statusOf(results)['policy-decision']).toBe('skip');
    expect(exitCodeFor(results)).toBe(17);
    const stale = entryFor(content({ observedAt: at(80) }), at(80));
    expect(failedChecks(verifyRecordEvidence(evidence(stale)))).toEqual(['policy-version']);
    // Within the grace period after v2 (300 s) v1 may still be cited.
    const inGrace = entryFor(content({ observedAt: at(62) }), at(62));
    expect(verified(verifyRecordEvidence(evidence(inGrace)))).toBe(true);
  });

  it('names policy-decision when the recorded decision differs from decide() at the cited version', () => {
    const c = content({ policyVersion: 2, observedAt: at(70), decision: 'allow' });
    const signed = { ...c, signature: signAttestation(keys.privateKeyPem, c) };
    const base = entryFor(content({ policyVersion: 2, observedAt: at(70) }), at(70));
    const entry: ExchangeEntry = { id: base.id, record: signed, recordedAt: at(70), txId: 'tx' };
    const wrongPolicy = verifyRecordEvidence(evidence(entry));
    expect(failedChecks(wrongPolicy)).toEqual(['record-id', 'policy-decision']);
    const fixedId = { ...entry, id: recordId(c) };
    const results = verifyRecordEvidence(evidence(fixedId));
    expect(failedChecks(results)).toEqual(['policy-decision']);
    expect(results.find((r) => r.name === 'policy-decision')!.detail).toMatch(/decide\(\) gives deny/);
    expect(exitCodeFor(results)).toBe(18);
  });
});
