import {
  attestationMessage,
  canonicalJson,
  decodeEvent,
  EVENTS,
  type FlowAlert,
  type FlowAlertContent,
  type FlowAlertEntry,
  type FlowAlertEvent,
  flowAlertId,
  type FlowAlertOutcome,
  signFlowAlertAttestation,
} from '@cityledger/core';
import { sign } from 'node:crypto';
import {
  anomalyModelSpec,
  flowAlertContent,
  gatewayRegistration,
  type KeyPair,
  modelSpec,
  p256Keys,
} from '../core/fixtures';
import { expectCode } from './expect-code';
import { fabricId, type FakeIdentity } from './fake-context';
import { contracts, registerModel, setupWorld, T, who, type World } from './world';

let world: World;
beforeEach(async () => {
  world = await setupWorld();
  await registerModel(world.net, anomalyModelSpec());
});

function signAlert(keys: KeyPair, overrides: Partial<FlowAlertContent> = {}): FlowAlert {
  const content = flowAlertContent(overrides);
  return { ...content, signature: signFlowAlertAttestation(keys.privateKeyPem, content) };
}

/** Signed with the health gateway's key. */
function alert(overrides: Partial<FlowAlertContent> = {}): FlowAlert {
  return signAlert(world.keys, overrides);
}

const withAnomaly = { anomalyModelId: 'flow-anomaly', anomalyModelVersion: '1.0.0' } as const;

function submit(a: FlowAlert | string, as: FakeIdentity = who.healthGateway, at?: string) {
  const arg = typeof a === 'string' ? a : canonicalJson(a);
  return world.net.submit(contracts.exchange, 'recordFlowAlert', [arg], {
    as,
    ...(at === undefined ? {} : { at }),
  });
}

async function accepted(a: FlowAlert): Promise<FlowAlertEntry> {
  const o = (await submit(a)).json() as FlowAlertOutcome;
  expect(o.duplicate).toBe(false);
  return o.entry;
}

describe('recordFlowAlert: accepted alerts', () => {
  it("reads the gateway, the alert and the model set, not the models' own entries", async () => {
    const a = alert({ threatScore: 0.1, anomalyScore: 0.8, ...withAnomaly });
    const res = await submit(a);
    expect((res.json() as FlowAlertOutcome).duplicate).toBe(false);
    expect([...new Set(res.stub.stateKeysRead)].sort()).toEqual(
      ['gateway~health-gw-1', `flowalert~${flowAlertId(a)}`, 'modelset'].sort(),
    );
  });

  it('stores the alert under its content id with the registry facts, indexes and an event', async () => {
    const a = alert();
    const res = await submit(a);
    const id = flowAlertId(a);
    const entry: FlowAlertEntry = {
      id,
      alert: a,
      department: 'health',
      zone: 'hospital-north',
      recordedAt: T.now,
      txId: res.txId,
    };
    expect(res.json()).toEqual({ duplicate: false, entry });
    expect(world.net.ledger.state.get(`flowalert~${id}`)?.toString()).toBe(canonicalJson(entry));
    const indexKeys = [...world.net.ledger.state.keys()].filter((k) => k.startsWith('fx~'));
    expect(indexKeys.sort()).toEqual(
      [
        'fx~all~t~_~',
        'fx~all~g~health-gw-1~',
        'fx~all~z~hospital-north~',
        'fx~all~v~suspicious~',
        'fx~health~t~_~',
      ]
        .map((p) => `${p}${a.observedAt}~${id}`)
        .sort(),
    );
    for (const key of indexKeys) {
      const value = world.net.ledger.state.get(key)?.toString();
      const counts = { id, g: 'health-gw-1', d: 'health', z: 'hospital-north', v: 'suspicious' };
      expect(key.includes('~t~_~') ? (JSON.parse(value ?? '') as unknown) : value).toEqual(
        key.includes('~t~_~') ? counts : '1',
      );
    }
    expect([...world.net.ledger.state.keys()].some((k) => k.startsWith('ix~'))).toBe(false);
    expect(res.event?.name).toBe(EVENTS.flowAlert);
    const event: FlowAlertEvent = {
      type: EVENTS.flowAlert,
      txId: res.txId,
      at: T.now,
      alertId: id,
      gatewayId: 'health-gw-1',
      department: 'health',
      zone: 'hospital-north',
      verdict: 'suspicious',
      threatScore: 0.7,
      observedAt: a.observedAt,
      protocol: 6,
      dstPortBucket: 'well-known',
      modelId: 'threat-clf',
      modelVersion: '1.2.0',
    };
    expect(decodeEvent(res.event!.name, res.event!.payload)).toEqual(event);
  });

  it('accepts malicious alerts and alerts made suspicious by the anomaly model alone', async () => {
    const malicious = await accepted(alert({ threatScore: 0.95, verdict: 'malicious', protocol: 17 }));
    expect(malicious.alert.verdict).toBe('malicious');
    const res = await submit(alert({ threatScore: 0.1, anomalyScore: 0.8, ...withAnomaly }));
    expect((res.json() as FlowAlertOutcome).entry.alert.anomalyScore).toBe(0.8);
    expect(decodeEvent(res.event!.name, res.event!.payload)).toMatchObject({
      verdict: 'suspicious',
      threatScore: 0.1,
      anomalyScore: 0.8,
    });
    const both = await accepted(
      alert({ threatScore: 0.95, anomalyScore: 0.1, verdict: 'malicious', ...withAnomaly }),
    );
    expect(both.alert.verdict).toBe('malicious');
  });

  it('accepts an alert naming its registered zone', async () => {
    expect((await accepted(alert({ zone: 'hospital-north' }))).zone).toBe('hospital-north');
  });

  it('is idempotent: the same alert, even re-signed or late, returns the stored entry', async () => {
    const a = alert();
    const first = await accepted(a);
    const resigned = { ...a, signature: signFlowAlertAttestation(world.keys.privateKeyPem, a) };
    expect(resigned.signature).not.toBe(a.signature);
    const late = '2026-03-20T00:00:00.000Z';
    const again = await submit(resigned, who.healthGateway, late);
    expect(again.json()).toEqual({ duplicate: true, entry: first });
    expect(again.stub.writes.size).toBe(0);
    expect(again.event).toBeUndefined();
  });
});

describe('recordFlowAlert: rejections', () => {
  it('validates and size-limits the alert before reading any state', async () => {
    const a = alert();
    const cases: [string, 'INVALID_ARGUMENT' | 'PAYLOAD_TOO_LARGE'][] = [
      ['{', 'INVALID_ARGUMENT'],
      [canonicalJson({ ...a, srcAddr: '10.0.0.1' }), 'INVALID_ARGUMENT'],
      [canonicalJson({ ...a, threatScore: 0.1, verdict: 'benign' }), 'INVALID_ARGUMENT'],
      [canonicalJson({ ...a, protocol: 1 }), 'INVALID_ARGUMENT'],
      [canonicalJson({ ...a, anomalyScore: 0.9 }), 'INVALID_ARGUMENT'],
      [JSON.stringify({ ...a, modelId: 'x'.repeat(9000) }), 'PAYLOAD_TOO_LARGE'],
    ];
    for (const [arg, code] of cases) {
      await expectCode(submit(arg), code);
      expect(world.net.lastStub?.reads).toBe(0);
    }
  });

  it('rejects forged, altered and other-kind signatures with BAD_SIGNATURE', async () => {
    const a = alert();
    await expectCode(submit(signAlert(p256Keys())), 'BAD_SIGNATURE');
    await expectCode(submit({ ...a, fwdBytes: a.fwdBytes + 1 }), 'BAD_SIGNATURE');
    // The gateway's real key, but over the exchange-record context: not a flow alert attestation.
    const content = flowAlertContent();
    const asRecord = sign('sha256', attestationMessage('record', content), {
      key: world.keys.privateKeyPem,
      dsaEncoding: 'ieee-p1363',
    }).toString('base64');
    await expectCode(submit({ ...content, signature: asRecord }), 'BAD_SIGNATURE');
    expect([...world.net.ledger.state.keys()].some((k) => k.startsWith('flowalert~'))).toBe(false);
  });

  it('rejects callers other than the bound gateway with UNAUTHORIZED', async () => {
    const a = alert();
    for (const caller of [
      who.healthGateway2,
      who.transportGateway,
      who.healthSteward,
      who.auditor,
      who.outsider,
    ]) {
      await expectCode(submit(a, caller), 'UNAUTHORIZED');
    }
  });

  it("rejects another department's gateway submitting in its own name with UNAUTHORIZED", async () => {
    // A transport gateway, registered and active, cannot raise alerts as a health gateway...
    const transportKeys = p256Keys();
    await world.net.submit(
      contracts.gateways,
      'registerGateway',
      [
        canonicalJson(
          gatewayRegistration(transportKeys, {
            id: 'transport-gw-1',
            department: 'transport',
            zone: 'depot-east',
            identity: { mspId: 'TransportMSP', id: fabricId('gateway', 'transport') },
          }),
        ),
      ],
      { as: who.transportSteward },
    );
    await expectCode(submit(signAlert(transportKeys), who.transportGateway), 'UNAUTHORIZED');
    // ...while in its own name its alert is its department's.
    const own = signAlert(transportKeys, { gatewayId: 'transport-gw-1' });
    const entry = ((await submit(own, who.transportGateway)).json() as FlowAlertOutcome).entry;
    expect(entry).toMatchObject({ department: 'transport', zone: 'depot-east' });
  });

  it('rejects alerts of unregistered, suspended and revoked gateways with GATEWAY_NOT_ACTIVE', async () => {
    await expectCode(submit(alert({ gatewayId: 'ghost' })), 'GATEWAY_NOT_ACTIVE', /not registered/);
    for (const status of ['suspended', 'revoked']) {
      await world.net.submit(contracts.gateways, 'updateGatewayStatus', ['health-gw-1', status, 'incident'], {
        as: who.healthSteward,
      });
      await expectCode(submit(alert()), 'GATEWAY_NOT_ACTIVE', new RegExp(status));
    }
  });

  it('rejects a zone other than the registered one with INVALID_ARGUMENT', async () => {
    await expectCode(
      submit(alert({ zone: 'depot-east' })),
      'INVALID_ARGUMENT',
      /registered zone hospital-north/,
    );
  });

  it('rejects unregistered, retired and wrong-kind models with MODEL_NOT_APPROVED', async () => {
    await expectCode(submit(alert({ modelVersion: '9.9.9' })), 'MODEL_NOT_APPROVED', /not registered/);
    await expectCode(
      submit(alert({ anomalyScore: 0.8, anomalyModelId: 'flow-anomaly', anomalyModelVersion: '9.9.9' })),
      'MODEL_NOT_APPROVED',
      /not registered/,
    );
    await expectCode(
      submit(alert({ modelId: 'flow-anomaly', modelVersion: '1.0.0' })),
      'MODEL_NOT_APPROVED',
      /registered as anomaly, not classifier/,
    );
    await registerModel(world.net, modelSpec({ version: '2.0.0' }));
    await expectCode(
      submit(alert({ anomalyScore: 0.8, anomalyModelId: 'threat-clf', anomalyModelVersion: '2.0.0' })),
      'MODEL_NOT_APPROVED',
      /registered as classifier, not anomaly/,
    );
    await world.net.submit(contracts.models, 'retireModel', ['flow-anomaly', '1.0.0', 'drift'], {
      as: who.energySteward,
    });
    await expectCode(submit(alert({ anomalyScore: 0.8, ...withAnomaly })), 'MODEL_NOT_APPROVED', /retired/);
    await world.net.submit(contracts.models, 'retireModel', ['threat-clf', '1.2.0', 'drift'], {
      as: who.energySteward,
    });
    await expectCode(submit(alert()), 'MODEL_NOT_APPROVED', /retired/);
  });

  it("rejects a verdict other than the one the scores earn under both models' thresholds with VERDICT_MISMATCH", async () => {
    const cases: Partial<FlowAlertContent>[] = [
      // Scores that earn benign: never an individual alert.
      { threatScore: 0.1, verdict: 'suspicious' },
      { threatScore: 0.1, anomalyScore: 0.5, verdict: 'suspicious', ...withAnomaly },
      // Exact, not "at least as severe": an inflated or a downgraded verdict is refused alike.
      { threatScore: 0.7, verdict: 'malicious' },
      { threatScore: 0.95, verdict: 'suspicious' },
      // The anomaly model never makes a flow malicious.
      { threatScore: 0.1, anomalyScore: 1, verdict: 'malicious', ...withAnomaly },
    ];
    for (const c of cases) {
      await expectCode(submit(alert(c)), 'VERDICT_MISMATCH', /scores give/);
    }
  });

  it('rejects stale and future flows with TIMESTAMP_OUT_OF_WINDOW', async () => {
    await expectCode(
      submit(alert({ flowStart: '2026-02-20T09:00:00.000Z', observedAt: '2026-02-20T10:00:00.000Z' })),
      'TIMESTAMP_OUT_OF_WINDOW',
    );
    await expectCode(submit(alert({ observedAt: '2026-03-01T12:05:00.001Z' })), 'TIMESTAMP_OUT_OF_WINDOW');
    await accepted(alert({ observedAt: '2026-03-01T12:05:00.000Z' }));
  });
});
