// Personal data of an exchange on the real network: the gateway commits the record (which announces
// only a salted hash), then sends the data as transient data to the transport department's private
// collection, endorsed by transport's peer only, and deletes it from its outbox once committed.
import { type ExchangeEntry, personalDataHash, type PersonalData } from '@cityledger/core';
import { GatewayService } from '../../../gateway/src/service';
import { ClientPool, connectAs, retryTransient, waitUntilVisible } from '../support/network';
import { exchangeBody, startTestGateway, stopTestGateway, type TestGatewaySetup, waitFor } from './support';

const SUBJECT = 'itest-data-subject-5f3a';
const pool = new ClientPool();
let setup: TestGatewaySetup;
let service: GatewayService;
let base: string;

beforeAll(async () => {
  ({ setup, service, base } = await startTestGateway(pool));
}, 180_000);

afterAll(async () => {
  await stopTestGateway(pool, { setup, service, base });
});

it('puts personal data in the owner’s collection only, never in public state, and forgets it at the edge', async () => {
  const res = await fetch(`${base}/exchanges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      ...exchangeBody(setup.category, 7),
      personalData: { subject: SUBJECT, attributes: { stop: 'central-station' } },
    }),
  });
  expect(res.status).toBe(200);
  const accepted = (await res.json()) as { recordId: string; personalData: string; personalDataId: string };
  expect(accepted.personalData).toBe('queued');
  const { outbox } = service.parts;
  const settled = await waitFor(
    () =>
      [accepted.recordId, accepted.personalDataId].every((id) =>
        ['committed', 'rejected'].includes(outbox.get(id)?.state ?? ''),
      ),
    90_000,
  );
  expect(settled).toBe(true);
  expect(outbox.get(accepted.recordId)?.state).toBe('committed');
  expect(outbox.get(accepted.personalDataId)).toMatchObject({ state: 'committed', errorCode: null });
  expect(outbox.transientOf(accepted.personalDataId)).toBeUndefined();
  const left = service.parts.db.prepare('SELECT COUNT(*) AS n FROM outbox_transient').get() as { n: number };
  expect(left.n).toBe(0);

  // Public state: the record announces a hash; neither it nor the audit view holds the data.
  const auditor = pool.as('audit', 'auditor');
  await waitUntilVisible(() => auditor.evaluate('audit:getRecord', [accepted.recordId]), 20_000);
  const publicView = Buffer.from(await auditor.evaluate('audit:getRecord', [accepted.recordId])).toString();
  expect(publicView).not.toContain(SUBJECT);
  expect(publicView).not.toContain('central-station');
  const entry = JSON.parse(publicView) as ExchangeEntry;

  // The owner's peer holds it, and it hashes to what the record announced.
  const held = await retryTransient(() =>
    setup.steward.evaluateJson<PersonalData>('privacy:getPersonalData', [accepted.recordId]),
  );
  expect(held).toMatchObject({ subject: SUBJECT, attributes: { stop: 'central-station' } });
  expect(personalDataHash(held)).toBe(entry.record.personalDataSha256);

  // Another org's peer is not a member of transportPrivate: it has nothing to give.
  const viaEnergy = connectAs('transport', 'steward', 'energy');
  try {
    await expect(viaEnergy.evaluate('privacy:getPersonalData', [accepted.recordId])).rejects.toThrow();
  } finally {
    viaEnergy.close();
  }
}, 180_000);
