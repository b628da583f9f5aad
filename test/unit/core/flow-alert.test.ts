import { createHmac, sign } from 'node:crypto';
import {
  attestationMessage,
  canonicalBytes,
  CityLedgerError,
  type ComplianceSummary,
  decodeEvent,
  EVENTS,
  type ExchangeRecord,
  flowAlertContent,
  flowAlertId,
  flowRef,
  type FlowTuple,
  flowVerdict,
  mergeComplianceSummaries,
  parseFlowAlert,
  parseFlowAlertContent,
  parseFlowAlertQuery,
  portBucket,
  sha256Hex,
  signAttestation,
  signFlowAlertAttestation,
  verifyAttestation,
  verifyFlowAlertAttestation,
} from '@cityledger/core';
import { flowAlertContent as content, p256Keys, signedFlowAlert, signedRecord, withField } from './fixtures';

const keys = p256Keys();

function invalidAt(value: unknown, path: RegExp): void {
  let error: unknown;
  try {
    parseFlowAlert(value);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(CityLedgerError);
  expect((error as CityLedgerError).code).toBe('INVALID_ARGUMENT');
  expect((error as CityLedgerError).detail).toMatch(path);
}

describe('parseFlowAlert', () => {
  it('accepts a signed alert, with and without the optional zone and anomaly fields', () => {
    const plain = signedFlowAlert(keys);
    expect(parseFlowAlert(JSON.parse(JSON.stringify(plain)))).toEqual(plain);
    const full = signedFlowAlert(keys, {
      zone: 'hospital-north',
      anomalyScore: 0.3,
      anomalyModelId: 'flow-anomaly',
      anomalyModelVersion: '1.0.0',
    });
    expect(parseFlowAlert(JSON.parse(JSON.stringify(full)))).toEqual(full);
    expect(parseFlowAlertContent(flowAlertContent(full))).toEqual(flowAlertContent(full));
  });

  it('never accepts a benign verdict: benign flows go into batches', () => {
    invalidAt(signedFlowAlert(keys, { threatScore: 0.1, verdict: 'benign' as 'suspicious' }), /verdict/);
  });

  it('rejects unknown, missing and mistyped fields', () => {
    const alert = signedFlowAlert(keys);
    invalidAt(withField(alert, 'srcAddr', '10.0.0.1'), /srcAddr is not an allowed field/);
    invalidAt(withField(alert, 'flowRef', undefined), /flowRef is required/);
    invalidAt(withField(alert, 'flowRef', 'ABC'), /flowRef/);
    invalidAt(withField(alert, 'protocol', 256), /protocol/);
    invalidAt(withField(alert, 'protocol', 6.5), /protocol/);
    invalidAt(withField(alert, 'fwdBytes', -1), /fwdBytes/);
    invalidAt(withField(alert, 'revPackets', '3'), /revPackets/);
    invalidAt(withField(alert, 'threatScore', 1.01), /threatScore/);
    invalidAt(withField(alert, 'dstPortBucket', 'http'), /dstPortBucket/);
    invalidAt(withField(alert, 'observedAt', '2026-03-01T10:00:00Z'), /observedAt/);
    invalidAt(withField(alert, 'zone', 'Zone A'), /zone/);
    invalidAt(withField(alert, 'signature', 'x'), /signature/);
    invalidAt([alert], /must be a JSON object/);
  });

  it('checks the cross-field rules', () => {
    invalidAt(
      signedFlowAlert(keys, { flowStart: '2026-03-01T10:00:00.001Z' }),
      /flowStart must not be after/,
    );
    invalidAt(
      signedFlowAlert(keys, { protocol: 1, dstPortBucket: 'well-known' }),
      /dstPortBucket must be none/,
    );
    expect(() => parseFlowAlert(signedFlowAlert(keys, { protocol: 1, dstPortBucket: 'none' }))).not.toThrow();
    invalidAt(signedFlowAlert(keys, { anomalyScore: 0.9 }), /go together/);
    invalidAt(
      signedFlowAlert(keys, { anomalyModelId: 'flow-anomaly', anomalyModelVersion: '1.0.0' }),
      /go together/,
    );
    invalidAt(
      signedFlowAlert(keys, {
        anomalyScore: 0.9,
        anomalyModelId: 'threat-clf',
        anomalyModelVersion: '1.2.0',
      }),
      /another model/,
    );
  });
});

describe('flowAlertId', () => {
  it('is the sha256 of the canonical content without signature, so re-signing keeps it', () => {
    const alert = signedFlowAlert(keys);
    expect(flowAlertId(alert)).toBe(sha256Hex(canonicalBytes(flowAlertContent(alert))));
    const resigned = { ...alert, signature: signFlowAlertAttestation(keys.privateKeyPem, alert) };
    expect(resigned.signature).not.toBe(alert.signature);
    expect(flowAlertId(resigned)).toBe(flowAlertId(alert));
  });

  it('changes with any field', () => {
    const base = flowAlertId(content());
    expect(flowAlertId(content({ fwdBytes: 1201 }))).not.toBe(base);
    expect(flowAlertId(content({ zone: 'hospital-north' }))).not.toBe(base);
    expect(flowAlertId(content({ flowRef: sha256Hex('flow 2') }))).not.toBe(base);
  });
});

describe('flow alert attestation', () => {
  it('signs the flow-alert context line followed by the canonical content', () => {
    const alert = signedFlowAlert(keys);
    const message = attestationMessage('flowAlert', alert);
    expect(
      message.equals(
        Buffer.concat([Buffer.from('cityledger/flow-alert/v1\n'), canonicalBytes(flowAlertContent(alert))]),
      ),
    ).toBe(true);
    expect(verifyFlowAlertAttestation(keys.publicKeyPem, alert)).toBe(true);
    expect(verifyFlowAlertAttestation(p256Keys().publicKeyPem, alert)).toBe(false);
    expect(verifyFlowAlertAttestation(keys.publicKeyPem, { ...alert, fwdBytes: 1 })).toBe(false);
  });

  it('never accepts a signature made for another kind, even over the same bytes', () => {
    const alert = content();
    const asRecord = sign('sha256', attestationMessage('record', alert), {
      key: keys.privateKeyPem,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64');
    expect(verifyFlowAlertAttestation(keys.publicKeyPem, { ...alert, signature: asRecord })).toBe(false);
    const asBatch = sign('sha256', attestationMessage('batch', alert), {
      key: keys.privateKeyPem,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64');
    expect(verifyFlowAlertAttestation(keys.publicKeyPem, { ...alert, signature: asBatch })).toBe(false);
    // And the other way round: a flow-alert signature is no exchange-record signature.
    const record = signedRecord(keys);
    const flowSigned = signFlowAlertAttestation(keys.privateKeyPem, alert);
    const recordLike = { ...(alert as object), signature: flowSigned } as unknown as ExchangeRecord;
    expect(verifyAttestation(keys.publicKeyPem, recordLike)).toBe(false);
    expect(verifyAttestation(keys.publicKeyPem, record)).toBe(true);
    expect(signAttestation(keys.privateKeyPem, record)).not.toBe(flowSigned);
  });
});

describe('flowVerdict (models/feature-spec.json verdictRule)', () => {
  const classifier = { suspicious: 0.5, malicious: 0.9 };
  const anomaly = { suspicious: 0.72, malicious: 1 };
  it.each([
    [0.49, undefined, false, 'benign'],
    [0.5, undefined, false, 'suspicious'],
    [0.9, undefined, false, 'malicious'],
    [0.1, 0.72, true, 'suspicious'],
    [0.1, 0.7199, true, 'benign'],
    [0.1, 1, true, 'suspicious'],
    [0.95, 0.1, true, 'malicious'],
    [0.6, 1, true, 'suspicious'],
    [0.1, 0.99, false, 'benign'],
  ] as const)(
    'threat %p, anomaly %p (anomaly model: %p) -> %s',
    (threatScore, anomalyScore, withModel, expected) => {
      const scores = anomalyScore === undefined ? { threatScore } : { threatScore, anomalyScore };
      expect(flowVerdict(scores, classifier, withModel ? anomaly : undefined)).toBe(expected);
    },
  );
});

describe('portBucket', () => {
  it.each([
    [6, 0, 'none'],
    [6, 1, 'well-known'],
    [17, 1023, 'well-known'],
    [132, 1024, 'registered'],
    [6, 49151, 'registered'],
    [6, 49152, 'dynamic'],
    [17, 65535, 'dynamic'],
    [6, 65536, 'none'],
    [1, 80, 'none'],
    [58, 443, 'none'],
  ] as const)('protocol %p port %p -> %s', (protocol, port, bucket) => {
    expect(portBucket(protocol, port)).toBe(bucket);
  });
});

describe('flowRef', () => {
  const salt = sha256Hex('gateway salt');
  const tuple: FlowTuple = {
    protocol: 6,
    srcAddr: '192.168.1.20',
    srcPort: 51234,
    dstAddr: '2001:db8::1',
    dstPort: 443,
    flowStart: '2026-03-01T09:59:58.250Z',
  };

  it('is HMAC-SHA256 keyed with the salt over the context line and the canonical tuple', () => {
    const expected = createHmac('sha256', Buffer.from(salt, 'hex'))
      .update(
        'cityledger/flow-ref/v1\n' +
          '{"dstAddr":"2001:db8::1","dstPort":443,"flowStart":"2026-03-01T09:59:58.250Z",' +
          '"protocol":6,"srcAddr":"192.168.1.20","srcPort":51234}',
      )
      .digest('hex');
    expect(flowRef(salt, tuple)).toBe(expected);
    expect(flowRef(salt, { ...tuple })).toBe(expected);
  });

  it('depends on the salt and on every part of the tuple', () => {
    const ref = flowRef(salt, tuple);
    expect(flowRef(sha256Hex('other gateway'), tuple)).not.toBe(ref);
    for (const change of [
      { protocol: 17 },
      { srcAddr: '192.168.1.21' },
      { srcPort: 51235 },
      { dstAddr: '2001:db8::2' },
      { dstPort: 444 },
      { flowStart: '2026-03-01T09:59:58.251Z' },
    ]) {
      expect(flowRef(salt, { ...tuple, ...change })).not.toBe(ref);
    }
  });

  it('rejects a bad salt or tuple', () => {
    expect(() => flowRef('abc', tuple)).toThrow(/salt/);
    expect(() => flowRef(salt, { ...tuple, srcAddr: 'host.example' })).toThrow(/addresses/);
    expect(() => flowRef(salt, { ...tuple, dstPort: 70000 })).toThrow(/ports/);
    expect(() => flowRef(salt, { ...tuple, protocol: -1 })).toThrow(/protocol/);
    expect(() => flowRef(salt, { ...tuple, flowStart: 'yesterday' })).toThrow(/flowStart/);
  });
});

describe('parseFlowAlertQuery', () => {
  it('requires a value exactly for department, gateway, zone and verdict', () => {
    expect(parseFlowAlertQuery({ by: 'time', pageSize: 200 })).toEqual({ by: 'time', pageSize: 200 });
    expect(parseFlowAlertQuery({ by: 'zone', value: 'hospital-north' })).toEqual({
      by: 'zone',
      value: 'hospital-north',
    });
    expect(() => parseFlowAlertQuery({ by: 'time', value: 'x' })).toThrow(/not allowed/);
    expect(() => parseFlowAlertQuery({ by: 'gateway' })).toThrow(/required/);
    expect(() => parseFlowAlertQuery({ by: 'verdict', value: 'benign' })).toThrow(/value/);
    expect(() => parseFlowAlertQuery({ by: 'department', value: 'audit' })).toThrow(/value/);
    expect(() => parseFlowAlertQuery({ by: 'category', value: 'health/x' })).toThrow(/by/);
    expect(() => parseFlowAlertQuery({ by: 'time', pageSize: 201 })).toThrow(/pageSize/);
    expect(() =>
      parseFlowAlertQuery({ by: 'time', from: '2026-03-02T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' }),
    ).toThrow(/after from/);
  });
});

describe('flow alerts in events and summaries', () => {
  it('decodes a flow alert event', () => {
    const payload = canonicalBytes({ type: EVENTS.flowAlert, txId: 't', at: 'a', alertId: 'x' });
    expect(decodeEvent('cityledger.flow.alert', payload)).toMatchObject({ alertId: 'x' });
    expect(decodeEvent(EVENTS.flowAlert, canonicalBytes({ type: EVENTS.batchAnchored }))).toBeUndefined();
  });

  it('merges flow alert counts, keeping pages without them', () => {
    const base: ComplianceSummary = {
      from: '2026-03-01T00:00:00.000Z',
      to: '2026-03-02T00:00:00.000Z',
      scope: 'all',
      records: 1,
      pairs: {},
      categories: {},
      verdicts: { benign: 1, suspicious: 0, malicious: 0 },
      denials: 0,
      denialsByReason: {},
      mismatches: 0,
      bookmark: 'f:',
    };
    const alerts = { total: 3, verdicts: { suspicious: 2, malicious: 1 }, zones: { a: 2, b: 1 } };
    const page2 = { ...base, records: 0, flowAlerts: alerts, bookmark: 'f:next' };
    const page3 = {
      ...base,
      records: 0,
      flowAlerts: { total: 1, verdicts: { suspicious: 0, malicious: 1 }, zones: { b: 1 } },
      bookmark: '',
    };
    expect(mergeComplianceSummaries(base, { ...base, bookmark: 'x:' }).flowAlerts).toBeUndefined();
    const merged = mergeComplianceSummaries(mergeComplianceSummaries(base, page2), page3);
    expect(merged.flowAlerts).toEqual({
      total: 4,
      verdicts: { suspicious: 2, malicious: 2 },
      zones: { a: 2, b: 2 },
    });
    expect(merged.bookmark).toBe('');
  });
});
