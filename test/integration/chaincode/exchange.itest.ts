import { generateKeyPairSync } from 'node:crypto';
import { type ExchangeOutcome, recordId, signAttestation } from '@cityledger/core';
import { uniqueId } from '../support/gateway-identity';
import { ClientPool, waitUntilVisible } from '../support/network';
import { buildCity, type City, expectCode, privatePem, testModel } from './city';

/** recordExchange on the real network: acceptance, idempotency and every rejection of the issue. */
describe('chaincode: recordExchange', () => {
  const pool = new ClientPool();
  let city: City;
  beforeAll(async () => {
    city = await buildCity(pool);
  });
  afterAll(() => {
    pool.closeAll();
  });

  it('stores an attested record and answers a resubmission as a duplicate', async () => {
    const record = city.sign();
    const first = await city.submit(record);
    expect(first).toEqual({ accepted: true, duplicate: false, id: recordId(record) });
    const resigned = { ...record, signature: signAttestation(privatePem(city.attestationKey), record) };
    const again = await city.submit(resigned);
    expect(again).toEqual({ ...first, duplicate: true });
    const auditor = pool.as('audit', 'auditor');
    await waitUntilVisible(() => auditor.evaluate('audit:getRecord', [recordId(record)]));
    await expect(auditor.evaluateJson('audit:getRecord', [recordId(record)])).resolves.toMatchObject({
      id: recordId(record),
      record,
      erased: false,
    });
  });

  it('rejects a forged signature with BAD_SIGNATURE', async () => {
    const record = city.sign();
    const forger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
    await expectCode(
      city.submit({ ...record, signature: signAttestation(privatePem(forger), record) }),
      'BAD_SIGNATURE',
    );
  });

  it('rejects a replayed record submitted by another identity with UNAUTHORIZED', async () => {
    const record = city.sign();
    await city.submit(record);
    const other = pool.as('health', 'gateway2');
    await expectCode(other.submit('exchange:recordExchange', [JSON.stringify(record)]), 'UNAUTHORIZED');
  });

  it('rejects a record scored by an unregistered model with MODEL_NOT_APPROVED', async () => {
    await expectCode(city.submit(city.sign({ modelId: uniqueId('no-such-model') })), 'MODEL_NOT_APPROVED');
  });

  it('rejects a record scored by a retired model with MODEL_NOT_APPROVED', async () => {
    const model = testModel();
    await city.steward.submit('models:registerModel', [JSON.stringify(model)]);
    const record = city.sign({ modelId: model.id, modelVersion: model.version });
    await city.steward.submit('models:retireModel', [model.id, model.version, 'itest']);
    await expectCode(city.submit(record), 'MODEL_NOT_APPROVED');
  });

  it('answers a policy mismatch with an incident, not a record', async () => {
    const record = city.sign({ consumerDepartment: 'energy', decision: 'allow' });
    const outcome = await city.submit(record);
    expect(outcome).toEqual({
      accepted: false,
      code: 'POLICY_MISMATCH',
      duplicate: false,
      id: recordId(record),
    });
    const auditor = pool.as('audit', 'auditor');
    await waitUntilVisible(() => auditor.evaluate('audit:getIncident', [recordId(record)]));
    await expectCode(auditor.evaluate('audit:getRecord', [recordId(record)]), 'NOT_FOUND');
    await expect(auditor.evaluateJson('audit:getIncident', [recordId(record)])).resolves.toMatchObject({
      gatewayDecision: 'allow',
      chainDecision: 'deny',
    });
  });

  it('rejects records of a revoked gateway with GATEWAY_NOT_ACTIVE', async () => {
    const revoked = await buildCity(pool);
    const record = revoked.sign();
    await revoked.steward.submit('gateways:updateGatewayStatus', [revoked.gatewayId, 'revoked', 'itest']);
    await expectCode(revoked.submit(record), 'GATEWAY_NOT_ACTIVE');
  });

  it('rejects an oversized record with PAYLOAD_TOO_LARGE', async () => {
    await expectCode(
      city.gateway.submit('exchange:recordExchange', ['x'.repeat(20_000)]),
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('shows the outcome type the gateway engineers rely on', async () => {
    const outcome: ExchangeOutcome = await city.submit(
      city.sign({ threatScore: 0.95, verdict: 'malicious', decision: 'deny' }),
    );
    expect(outcome.accepted).toBe(true);
  });
});
