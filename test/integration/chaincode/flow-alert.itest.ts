import { generateKeyPairSync } from 'node:crypto';
import {
  decodeEvent,
  EVENTS,
  type FlowAlert,
  type FlowAlertContent,
  type FlowAlertEntry,
  type FlowAlertEvent,
  flowAlertId,
  type FlowAlertOutcome,
  type FlowAlertsEvent,
  type FlowAlertsOutcome,
  type ModelSpec,
  type Page,
  signFlowAlertAttestation,
} from '@cityledger/core';
import { ClientPool, eventually } from '../support/network';
import { buildCity, type City, expectCode, privatePem, signFlowAlert, testModel } from './city';

/** recordFlowAlert on the real network: acceptance, idempotency, rejections, visibility. */
describe('chaincode: recordFlowAlert', () => {
  const pool = new ClientPool();
  let city: City;
  let anomaly: ModelSpec;
  const started = new Date(Date.now() - 60_000).toISOString();

  const signWith = (pem: string, gatewayId: string, overrides: Partial<FlowAlertContent> = {}): FlowAlert =>
    signFlowAlert(pem, gatewayId, city.model, overrides);

  const sign = (overrides: Partial<FlowAlertContent> = {}): FlowAlert =>
    signWith(privatePem(city.attestationKey), city.gatewayId, overrides);

  const submit = (alert: FlowAlert): Promise<FlowAlertOutcome> =>
    city.gateway.submitJson<FlowAlertOutcome>('exchange:recordFlowAlert', [JSON.stringify(alert)]);

  beforeAll(async () => {
    city = await buildCity(pool);
    anomaly = { ...testModel(), kind: 'anomaly', thresholds: { suspicious: 0.7, malicious: 1 } };
    await city.steward.submit('models:registerModel', [JSON.stringify(anomaly)]);
  });
  afterAll(() => {
    pool.closeAll();
  });

  it('stores an attested alert, emits cityledger.flow.alert, and returns the stored one on resubmission', async () => {
    const alert = sign({ zone: 'test-zone' });
    const committed = await city.gateway.submit('exchange:recordFlowAlert', [JSON.stringify(alert)]);
    const first = JSON.parse(Buffer.from(committed.result).toString('utf8')) as FlowAlertOutcome;
    expect(first).toMatchObject({
      duplicate: false,
      entry: { id: flowAlertId(alert), alert, department: 'health', zone: 'test-zone' },
    });
    const resigned = {
      ...alert,
      signature: signFlowAlertAttestation(privatePem(city.attestationKey), alert),
    };
    expect(await submit(resigned)).toEqual({ ...first, duplicate: true });

    const events = await city.gateway.chaincodeEvents({ startBlock: committed.blockNumber });
    try {
      for await (const event of events) {
        if (event.transactionId === committed.transactionId) {
          expect(event.eventName).toBe(EVENTS.flowAlert);
          expect(decodeEvent(event.eventName, event.payload)).toMatchObject<Partial<FlowAlertEvent>>({
            alertId: flowAlertId(alert),
            gatewayId: city.gatewayId,
            verdict: 'malicious',
            zone: 'test-zone',
          });
          break;
        }
      }
    } finally {
      events.close();
    }
  });

  it('accepts an alert made suspicious by the registered anomaly model', async () => {
    const outcome = await submit(
      sign({
        threatScore: 0.2,
        anomalyScore: 0.75,
        anomalyModelId: anomaly.id,
        anomalyModelVersion: anomaly.version,
        verdict: 'suspicious',
      }),
    );
    expect(outcome.entry.alert.verdict).toBe('suspicious');
  });

  it('rejects a forged signature with BAD_SIGNATURE', async () => {
    const forger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    await expectCode(submit(signWith(privatePem(forger), city.gatewayId)), 'BAD_SIGNATURE');
  });

  it('rejects a verdict the registered thresholds do not give with VERDICT_MISMATCH', async () => {
    await expectCode(submit(sign({ threatScore: 0.6, verdict: 'malicious' })), 'VERDICT_MISMATCH');
    await expectCode(submit(sign({ threatScore: 0.2, verdict: 'suspicious' })), 'VERDICT_MISMATCH');
  });

  it("rejects another department's gateway with UNAUTHORIZED", async () => {
    const transport = pool.as('transport', 'gateway');
    await expectCode(transport.submit('exchange:recordFlowAlert', [JSON.stringify(sign())]), 'UNAUTHORIZED');
  });

  it('rejects alerts of a revoked gateway with GATEWAY_NOT_ACTIVE', async () => {
    const revoked = await buildCity(pool);
    const alert = signWith(privatePem(revoked.attestationKey), revoked.gatewayId, {
      modelId: revoked.model.id,
      modelVersion: revoked.model.version,
    });
    await revoked.steward.submit('gateways:updateGatewayStatus', [revoked.gatewayId, 'revoked', 'itest']);
    await expectCode(
      revoked.gateway.submit('exchange:recordFlowAlert', [JSON.stringify(alert)]),
      'GATEWAY_NOT_ACTIVE',
    );
  });

  it("lists the gateway's alerts to audit and its department, not to another department", async () => {
    const alert = sign({ threatScore: 0.55, verdict: 'suspicious' });
    const { entry } = await submit(alert);
    const auditor = pool.as('audit', 'auditor');
    const query = JSON.stringify({ by: 'gateway', value: city.gatewayId, from: started, pageSize: 200 });
    const page = await eventually(
      () => auditor.evaluateJson<Page<FlowAlertEntry>>('audit:queryFlowAlerts', [query]),
      (p) => p.items.some((e) => e.id === entry.id),
    );
    expect(page.items.map((e) => e.id)).toContain(entry.id);
    const byVerdict = await auditor.evaluateJson<Page<FlowAlertEntry>>('audit:queryFlowAlerts', [
      JSON.stringify({ by: 'verdict', value: 'suspicious', from: entry.alert.observedAt, pageSize: 200 }),
    ]);
    expect(byVerdict.items.map((e) => e.id)).toContain(entry.id);
    await expect(auditor.evaluateJson('audit:getFlowAlert', [entry.id])).resolves.toEqual(entry);
    // The steward's gateway may route the query to a peer that has not committed the block yet.
    const own = await eventually(
      () => city.steward.evaluateJson<Page<FlowAlertEntry>>('audit:queryFlowAlerts', [query]),
      (p) => p.items.some((e) => e.id === entry.id),
    );
    expect(own.items.map((e) => e.id)).toContain(entry.id);
    const other = pool.as('transport', 'steward');
    const theirs = await other.evaluateJson<Page<FlowAlertEntry>>('audit:queryFlowAlerts', [query]);
    expect(theirs.items).toEqual([]);
    await expectCode(other.evaluate('audit:getFlowAlert', [entry.id]), 'UNAUTHORIZED');
  });

  it('recordFlowAlerts stores several alerts in one transaction, refuses a bad one alone, one combined event', async () => {
    const good = [sign(), sign({ threatScore: 0.75, verdict: 'suspicious' })];
    const forged = signWith(
      privatePem(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey),
      city.gatewayId,
    );
    const list = [good[0], forged, good[1], good[0]];
    const committed = await city.gateway.submit('exchange:recordFlowAlerts', [JSON.stringify(list)]);
    const { results } = JSON.parse(Buffer.from(committed.result).toString('utf8')) as FlowAlertsOutcome;
    expect(results).toEqual([
      { id: flowAlertId(good[0]!), stored: true, duplicate: false },
      { id: flowAlertId(forged), stored: false, code: 'BAD_SIGNATURE', detail: expect.any(String) as string },
      { id: flowAlertId(good[1]!), stored: true, duplicate: false },
      { id: flowAlertId(good[0]!), stored: true, duplicate: true },
    ]);
    const auditor = pool.as('audit', 'auditor');
    for (const alert of good) {
      const entry = await auditor.evaluateJson<FlowAlertEntry>('audit:getFlowAlert', [flowAlertId(alert)]);
      expect(entry).toMatchObject({ alert, txId: committed.transactionId });
    }
    await expectCode(auditor.evaluateJson('audit:getFlowAlert', [flowAlertId(forged)]), 'NOT_FOUND');
    // The same alert alone is now a duplicate.
    expect((await submit(good[1]!)).duplicate).toBe(true);

    const events = await city.gateway.chaincodeEvents({ startBlock: committed.blockNumber });
    try {
      for await (const event of events) {
        if (event.transactionId === committed.transactionId) {
          expect(event.eventName).toBe(EVENTS.flowAlerts);
          const decoded = decodeEvent(event.eventName, event.payload) as FlowAlertsEvent;
          expect(decoded.alerts.map((a) => a.alertId)).toEqual(good.map(flowAlertId));
          break;
        }
      }
    } finally {
      events.close();
    }
  });
});
