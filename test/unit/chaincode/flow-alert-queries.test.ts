import {
  addSeconds,
  canonicalJson,
  type ComplianceSummary,
  type FlowAlert,
  type FlowAlertContent,
  type FlowAlertEntry,
  type FlowAlertOutcome,
  type FlowAlertQuery,
  type Page,
  sha256Hex,
  signFlowAlertAttestation,
} from '@cityledger/core';
import { flowAlertContent, gatewayRegistration, type KeyPair, p256Keys } from '../core/fixtures';
import { expectCode } from './expect-code';
import { fabricId, type FakeIdentity } from './fake-context';
import { complianceSummaryOf, contracts, setupWorld, who, type World } from './world';

/**
 * 300 alerts from the health gateway (zone hospital-north) and 30 from a transport gateway (zone
 * depot-east), one second apart; every 3rd is malicious.
 */
const HEALTH = 300;
const TRANSPORT = 30;
const BASE = '2026-03-01T08:00:00.000Z';

let world: World;
let transportKeys: KeyPair;
const stored: FlowAlertEntry[] = [];

function signed(keys: KeyPair, overrides: Partial<FlowAlertContent>): FlowAlert {
  const content = flowAlertContent(overrides);
  return { ...content, signature: signFlowAlertAttestation(keys.privateKeyPem, content) };
}

function scores(i: number): Partial<FlowAlertContent> {
  return i % 3 === 0
    ? { threatScore: 0.95, verdict: 'malicious' }
    : { threatScore: 0.6, verdict: 'suspicious' };
}

beforeAll(async () => {
  world = await setupWorld();
  transportKeys = p256Keys();
  const registration = gatewayRegistration(transportKeys, {
    id: 'transport-gw-1',
    department: 'transport',
    zone: 'depot-east',
    identity: { mspId: 'TransportMSP', id: fabricId('gateway', 'transport') },
  });
  await world.net.submit(contracts.gateways, 'registerGateway', [canonicalJson(registration)], {
    as: who.transportSteward,
  });
  const total = HEALTH + TRANSPORT;
  for (let i = 0; i < total; i += 1) {
    const transport = i >= HEALTH;
    const alert = signed(transport ? transportKeys : world.keys, {
      gatewayId: transport ? 'transport-gw-1' : 'health-gw-1',
      observedAt: addSeconds(BASE, i),
      flowStart: addSeconds(BASE, i - 1),
      flowRef: sha256Hex(`flow ${i}`),
      ...scores(i),
    });
    const res = await world.net.submit(contracts.exchange, 'recordFlowAlert', [canonicalJson(alert)], {
      as: transport ? who.transportGateway : who.healthGateway,
    });
    stored.push((res.json() as FlowAlertOutcome).entry);
  }
}, 120_000);

async function page(as: FakeIdentity, query: FlowAlertQuery): Promise<Page<FlowAlertEntry>> {
  const res = await world.net.evaluate(contracts.audit, 'queryFlowAlerts', [canonicalJson(query)], { as });
  return res.json() as Page<FlowAlertEntry>;
}

async function all(as: FakeIdentity, query: FlowAlertQuery): Promise<string[]> {
  const ids: string[] = [];
  let bookmark = '';
  let pages = 0;
  do {
    const p = await page(as, { ...query, pageSize: 200, ...(bookmark === '' ? {} : { bookmark }) });
    ids.push(...p.items.map((e) => e.id));
    bookmark = p.bookmark;
    pages += 1;
    expect(pages).toBeLessThan(20);
  } while (bookmark !== '');
  return ids;
}

function idsWhere(pred: (e: FlowAlertEntry) => boolean): string[] {
  return stored.filter(pred).map((e) => e.id);
}

describe('queryFlowAlerts', () => {
  it('pages through every alert for audit, each exactly once, in flow-end order, 200 at most', async () => {
    const first = await page(who.auditor, { by: 'time', pageSize: 200 });
    expect(first.items).toHaveLength(200);
    expect(first.bookmark).not.toBe('');
    expect(await all(who.auditor, { by: 'time' })).toEqual(stored.map((e) => e.id));
    await expectCode(
      world.net.evaluate(contracts.audit, 'queryFlowAlerts', [canonicalJson({ by: 'time', pageSize: 201 })], {
        as: who.auditor,
      }),
      'INVALID_ARGUMENT',
    );
    expect((await page(who.auditor, { by: 'time' })).items).toHaveLength(50);
  });

  it('lists by gateway, zone, verdict, department and time range for audit', async () => {
    expect(await all(who.auditor, { by: 'gateway', value: 'transport-gw-1' })).toEqual(
      idsWhere((e) => e.alert.gatewayId === 'transport-gw-1'),
    );
    expect(await all(who.auditor, { by: 'zone', value: 'hospital-north' })).toEqual(
      idsWhere((e) => e.zone === 'hospital-north'),
    );
    expect(await all(who.auditor, { by: 'verdict', value: 'malicious' })).toEqual(
      idsWhere((e) => e.alert.verdict === 'malicious'),
    );
    expect(await all(who.auditor, { by: 'department', value: 'transport' })).toHaveLength(TRANSPORT);
    const from = addSeconds(BASE, 10);
    const to = addSeconds(BASE, 20);
    expect(await all(who.auditor, { by: 'time', from, to })).toEqual(stored.slice(10, 20).map((e) => e.id));
  });

  it("shows a department only its own gateways' alerts", async () => {
    expect(await all(who.transportSteward, { by: 'time' })).toEqual(
      idsWhere((e) => e.department === 'transport'),
    );
    expect(await all(who.transportSteward, { by: 'zone', value: 'hospital-north' })).toEqual([]);
    expect(await all(who.healthAdmin, { by: 'verdict', value: 'suspicious' })).toEqual(
      idsWhere((e) => e.department === 'health' && e.alert.verdict === 'suspicious'),
    );
    expect(await all(who.energySteward, { by: 'time' })).toEqual([]);
    // A department's gateway, zone and verdict queries filter its own time index: sparse pages.
    const sparse = await page(who.healthSteward, { by: 'verdict', value: 'malicious', pageSize: 30 });
    expect(sparse.items).toHaveLength(10);
    expect(sparse.bookmark).not.toBe('');
    expect(await all(who.healthSteward, { by: 'gateway', value: 'health-gw-1' })).toEqual(
      idsWhere((e) => e.department === 'health'),
    );
    await expectCode(
      world.net.evaluate(
        contracts.audit,
        'queryFlowAlerts',
        [canonicalJson({ by: 'department', value: 'health' })],
        { as: who.transportSteward },
      ),
      'UNAUTHORIZED',
    );
    await expectCode(
      world.net.evaluate(contracts.audit, 'queryFlowAlerts', [canonicalJson({ by: 'time' })], {
        as: who.outsider,
      }),
      'UNAUTHORIZED',
    );
  });

  it("refuses a bookmark from another viewer's index", async () => {
    const auditPage = await page(who.auditor, { by: 'time', pageSize: 10 });
    await expectCode(
      world.net.evaluate(
        contracts.audit,
        'queryFlowAlerts',
        [canonicalJson({ by: 'time', bookmark: auditPage.bookmark })],
        { as: who.transportSteward },
      ),
      'INVALID_ARGUMENT',
    );
  });

  it('keeps flow alerts out of exchange-record queries', async () => {
    const res = await world.net.evaluate(contracts.audit, 'queryRecords', [canonicalJson({ by: 'time' })], {
      as: who.auditor,
    });
    expect((res.json() as Page<unknown>).items).toEqual([]);
  });
});

describe('getFlowAlert', () => {
  it('returns an alert to audit and to its gateway department only', async () => {
    const healthAlert = stored[0]!;
    for (const as of [who.auditor, who.healthSteward, who.healthGateway]) {
      const res = await world.net.evaluate(contracts.audit, 'getFlowAlert', [healthAlert.id], { as });
      expect(res.json()).toEqual(healthAlert);
    }
    await expectCode(
      world.net.evaluate(contracts.audit, 'getFlowAlert', [healthAlert.id], { as: who.transportSteward }),
      'UNAUTHORIZED',
    );
    await expectCode(
      world.net.evaluate(contracts.audit, 'getFlowAlert', [sha256Hex('none')], { as: who.auditor }),
      'NOT_FOUND',
    );
    await expectCode(
      world.net.evaluate(contracts.audit, 'getFlowAlert', ['nope'], { as: who.auditor }),
      'INVALID_ARGUMENT',
    );
  });
});

describe('complianceSummary: flow alerts', () => {
  const summary = (as: FakeIdentity, query: object): Promise<ComplianceSummary> =>
    complianceSummaryOf(world.net, as, query);

  const period = { from: BASE, to: '2026-03-02T00:00:00.000Z' };
  const malicious = (n: number, offset: number): number =>
    Array.from({ length: n }, (_, i) => i + offset).filter((i) => i % 3 === 0).length;

  it('counts alerts per verdict and zone for audit', async () => {
    const s = await summary(who.auditor, period);
    const bad = malicious(HEALTH + TRANSPORT, 0);
    expect(s.flowAlerts).toEqual({
      total: HEALTH + TRANSPORT,
      verdicts: { suspicious: HEALTH + TRANSPORT - bad, malicious: bad },
      zones: { 'hospital-north': HEALTH, 'depot-east': TRANSPORT },
    });
    expect(s.records).toBe(0);
  });

  it("counts a department's own alerts only, within the period", async () => {
    const transport = await summary(who.transportSteward, period);
    expect(transport.flowAlerts).toEqual({
      total: TRANSPORT,
      verdicts: {
        suspicious: TRANSPORT - malicious(TRANSPORT, HEALTH),
        malicious: malicious(TRANSPORT, HEALTH),
      },
      zones: { 'depot-east': TRANSPORT },
    });
    const tenSeconds = await summary(who.auditor, { from: addSeconds(BASE, 10), to: addSeconds(BASE, 20) });
    expect(tenSeconds.flowAlerts?.total).toBe(10);
  });
});
