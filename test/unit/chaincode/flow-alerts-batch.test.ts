/**
 * exchange:recordFlowAlerts: several attested alerts in one transaction, each checked as
 * recordFlowAlert checks it, refused alone when a check fails, with one combined event.
 */
import {
  canonicalJson,
  decodeEvent,
  EVENTS,
  type FlowAlert,
  type FlowAlertContent,
  type FlowAlertsEvent,
  type FlowAlertsOutcome,
  flowAlertId,
  type FlowAlertOutcome,
  LIMITS,
  signFlowAlertAttestation,
} from '@cityledger/core';
import { flowAlertContent, type KeyPair, p256Keys } from '../core/fixtures';
import { expectCode } from './expect-code';
import type { FakeIdentity } from './fake-context';
import { contracts, setupWorld, T, who, type World } from './world';

let world: World;
beforeEach(async () => {
  world = await setupWorld();
});

function signAlert(keys: KeyPair, overrides: Partial<FlowAlertContent> = {}): FlowAlert {
  const content = flowAlertContent(overrides);
  return { ...content, signature: signFlowAlertAttestation(keys.privateKeyPem, content) };
}

/** Signed with the health gateway's key; `n` makes the flow (and so the id) distinct. */
function alert(n: number, overrides: Partial<FlowAlertContent> = {}): FlowAlert {
  return signAlert(world.keys, { fwdBytes: 1_000 + n, ...overrides });
}

function submitMany(list: readonly unknown[] | string, as: FakeIdentity = who.healthGateway) {
  const arg = typeof list === 'string' ? list : `[${list.map((a) => canonicalJson(a)).join(',')}]`;
  return world.net.submit(contracts.exchange, 'recordFlowAlerts', [arg], { as });
}

function stored(id: string): boolean {
  return world.net.ledger.state.has(`flowalert~${id}`);
}

describe('recordFlowAlerts', () => {
  it('stores every valid alert in one transaction, entries as recordFlowAlert writes them', async () => {
    const alerts = [alert(1), alert(2, { threatScore: 0.95, verdict: 'malicious' }), alert(3)];
    const res = await submitMany(alerts);
    const ids = alerts.map(flowAlertId);
    expect((res.json() as FlowAlertsOutcome).results).toEqual(
      ids.map((id) => ({ id, stored: true, duplicate: false })),
    );
    for (const [i, id] of ids.entries()) {
      const entry = JSON.parse(
        world.net.ledger.state.get(`flowalert~${id}`)?.toString() ?? 'null',
      ) as unknown;
      expect(entry).toEqual({
        id,
        alert: alerts[i],
        department: 'health',
        zone: 'hospital-north',
        recordedAt: T.now,
        txId: res.txId,
      });
    }
    // The same alert alone is now a duplicate of what the batch stored.
    const single = await world.net.submit(contracts.exchange, 'recordFlowAlert', [canonicalJson(alerts[0])], {
      as: who.healthGateway,
    });
    expect((single.json() as FlowAlertOutcome).duplicate).toBe(true);
  });

  it('emits one combined event listing the alerts it newly stored, in order', async () => {
    const before = alert(1);
    await submitMany([before]);
    const fresh = alert(2, { threatScore: 0.95, verdict: 'malicious', protocol: 17 });
    const res = await submitMany([before, fresh]);
    expect(res.event?.name).toBe(EVENTS.flowAlerts);
    const event = decodeEvent(res.event!.name, res.event!.payload) as FlowAlertsEvent;
    expect(event.txId).toBe(res.txId);
    expect(event.at).toBe(T.now);
    expect(event.alerts).toEqual([
      {
        alertId: flowAlertId(fresh),
        gatewayId: 'health-gw-1',
        department: 'health',
        zone: 'hospital-north',
        verdict: 'malicious',
        threatScore: 0.95,
        observedAt: fresh.observedAt,
        protocol: 17,
        dstPortBucket: 'well-known',
        modelId: 'threat-clf',
        modelVersion: '1.2.0',
      },
    ]);
  });

  it('refuses a failing alert alone, with its code, and stores the others', async () => {
    const good = alert(1);
    const forged = signAlert(p256Keys(), { fwdBytes: 2 });
    const wrongVerdict = alert(3, { threatScore: 0.7, verdict: 'malicious' });
    const stale = alert(4, { observedAt: '2025-01-01T00:00:00.000Z', flowStart: '2025-01-01T00:00:00.000Z' });
    const malformed = { ...alert(5), protocol: 'tcp' };
    const res = await submitMany([good, forged, wrongVerdict, stale, malformed]);
    const results = (res.json() as FlowAlertsOutcome).results;
    expect(results.map((r) => (r.stored ? 'stored' : r.code))).toEqual([
      'stored',
      'BAD_SIGNATURE',
      'VERDICT_MISMATCH',
      'TIMESTAMP_OUT_OF_WINDOW',
      'INVALID_ARGUMENT',
    ]);
    expect(results[1]).toMatchObject({ id: flowAlertId(forged), stored: false, code: 'BAD_SIGNATURE' });
    expect(results[1]?.stored === false && results[1].detail).toMatch(/signature/);
    expect(results[4]).not.toHaveProperty('id');
    expect([good, forged, wrongVerdict, stale].map((a) => stored(flowAlertId(a)))).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });

  it('stores an alert given twice in one call once, the second as a duplicate', async () => {
    const a = alert(1);
    const res = await submitMany([a, a]);
    const id = flowAlertId(a);
    expect((res.json() as FlowAlertsOutcome).results).toEqual([
      { id, stored: true, duplicate: false },
      { id, stored: true, duplicate: true },
    ]);
    const event = decodeEvent(res.event!.name, res.event!.payload) as FlowAlertsEvent;
    expect(event.alerts).toHaveLength(1);
  });

  it('refuses alone an alert in the name of a gateway the caller is not bound to, or of an unknown one', async () => {
    // health-gw-1 is bound to the healthGateway identity; healthGateway2 may not raise its alerts.
    const res = await submitMany([alert(1), alert(2, { gatewayId: 'nobody-gw' })], who.healthGateway2);
    const results = (res.json() as FlowAlertsOutcome).results;
    expect(results.map((r) => (r.stored ? 'stored' : r.code))).toEqual([
      'UNAUTHORIZED',
      'GATEWAY_NOT_ACTIVE',
    ]);
    const mixed = await submitMany([alert(3), alert(4, { gatewayId: 'nobody-gw' })]);
    expect((mixed.json() as FlowAlertsOutcome).results.map((r) => r.stored)).toEqual([true, false]);
  });

  it('rejects the whole call for a caller that is not a gateway, and for a bad argument', async () => {
    await expectCode(submitMany([alert(1)], who.healthSteward), 'UNAUTHORIZED');
    await expectCode(submitMany('[]'), 'INVALID_ARGUMENT', /JSON array of 1 to/);
    await expectCode(submitMany('{"not":"a list"}'), 'INVALID_ARGUMENT');
    await expectCode(submitMany('[1,'), 'INVALID_ARGUMENT');
    const tooMany = Array.from({ length: LIMITS.maxAlertsPerCall + 1 }, (_, i) => alert(i));
    await expectCode(submitMany(tooMany), 'INVALID_ARGUMENT');
    expect([...world.net.ledger.state.keys()].some((k) => k.startsWith('flowalert~'))).toBe(false);
  });

  it('takes LIMITS.maxAlertsPerCall alerts in one call', async () => {
    const many = Array.from({ length: LIMITS.maxAlertsPerCall }, (_, i) => alert(i));
    const res = await submitMany(many);
    const results = (res.json() as FlowAlertsOutcome).results;
    expect(results.filter((r) => r.stored && !r.duplicate)).toHaveLength(LIMITS.maxAlertsPerCall);
  });
});
