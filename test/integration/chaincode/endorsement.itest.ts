import { type PolicyEntry } from '@cityledger/core';
import { ClientPool } from '../support/network';
import { buildCity, type City, testModel, testPolicy } from './city';

/**
 * State-based endorsement on the real network: the chaincode-level policy (2 of 4 peers) is not
 * enough to change a department's policy or the model registry.
 */
describe('chaincode: key-level endorsement', () => {
  const pool = new ClientPool();
  let city: City;
  beforeAll(async () => {
    city = await buildCity(pool);
  });
  afterAll(() => {
    pool.closeAll();
  });

  it('fails validation of a policy change endorsed only by non-owner peers, even colluding', async () => {
    const change = city.steward.submit('policies:putPolicy', [JSON.stringify(testPolicy(city.category, 2))], {
      endorsingOrganizations: ['TransportMSP', 'EnergyMSP'],
    });
    await expect(change).rejects.toMatchObject({ code: 'ENDORSEMENT_FAILURE' });
    const current = await city.steward.evaluateJson<PolicyEntry>('policies:getPolicy', [city.category, '']);
    expect(current.version).toBe(1);
  });

  it("commits the same change when the owner's peer endorses it", async () => {
    const entry = await city.steward.submitJson<PolicyEntry>(
      'policies:putPolicy',
      [JSON.stringify(testPolicy(city.category, 2))],
      {
        endorsingOrganizations: ['HealthMSP', 'AuditMSP'],
      },
    );
    expect(entry.version).toBe(2);
  });

  it('fails validation of a model registration endorsed by one department peer and the audit peer', async () => {
    const attempt = city.steward.submit('models:registerModel', [JSON.stringify(testModel())], {
      endorsingOrganizations: ['HealthMSP', 'AuditMSP'],
    });
    await expect(attempt).rejects.toMatchObject({ code: 'ENDORSEMENT_FAILURE' });
  });

  it('commits a model registration endorsed by two department peers', async () => {
    const model = testModel();
    await city.steward.submit('models:registerModel', [JSON.stringify(model)], {
      endorsingOrganizations: ['HealthMSP', 'EnergyMSP'],
    });
    await expect(
      city.gateway.evaluateJson('models:getModel', [model.id, model.version]),
    ).resolves.toMatchObject({
      status: 'active',
    });
  });
});
