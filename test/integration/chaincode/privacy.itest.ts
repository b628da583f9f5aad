import { type ErasureRecord, type PersonalData, personalDataHash, sha256Hex } from '@cityledger/core';
import { uniqueId } from '../support/gateway-identity';
import { ClientPool, waitUntilVisible } from '../support/network';
import { buildCity, type City, expectCode } from './city';

/** Personal data in the source department's private collection, and its purge, on the real network. */
describe('chaincode: private data and erasure', () => {
  const pool = new ClientPool();
  let city: City;
  beforeAll(async () => {
    city = await buildCity(pool);
  });
  afterAll(() => {
    pool.closeAll();
  });

  it('keeps personal data off the public record and purges it from every member peer', async () => {
    const personal: PersonalData = { salt: sha256Hex(uniqueId('salt')), subject: 'itest-subject-4711' };
    const record = city.sign({
      personalDataSha256: personalDataHash(personal),
      subjectRef: sha256Hex('pseudo'),
    });
    const outcome = await city.submit(record);
    if (!outcome.accepted) {
      throw new Error('record not accepted');
    }
    const id = outcome.id;
    await expect(city.putPersonalData(id, personal)).resolves.toEqual({
      recordId: id,
      collection: 'healthPrivate',
    });
    const auditor = pool.as('audit', 'auditor');
    await waitUntilVisible(() => auditor.evaluate('audit:getRecord', [id]));
    const publicView = Buffer.from(await auditor.evaluate('audit:getRecord', [id])).toString('utf8');
    expect(publicView).not.toContain('itest-subject-4711');
    // healthPrivate has one member peer (health's); the steward's client evaluates there.
    await expect(city.steward.evaluateJson('privacy:getPersonalData', [id])).resolves.toEqual(personal);

    const erasure = await city.steward.submitJson<ErasureRecord>('privacy:purgePrivateData', [
      id,
      'ER-itest',
    ]);
    expect(erasure).toMatchObject({ recordId: id, collection: 'healthPrivate', reason: 'ER-itest' });
    await expectCode(city.steward.evaluate('privacy:getPersonalData', [id]), 'NOT_FOUND');
    await expect(auditor.evaluateJson('privacy:getErasure', [id])).resolves.toEqual(erasure);
    await expect(auditor.evaluateJson('audit:getRecord', [id])).resolves.toMatchObject({ erased: true });
    await expectCode(city.putPersonalData(id, personal), 'CONFLICT');
  });
});
