import {
  canonicalJson,
  decodeEvent,
  EVENTS,
  type ExchangeOutcome,
  type PersonalData,
  personalDataHash,
  sha256Hex,
  signAttestation,
  TRANSIENT_PERSONAL_DATA,
} from '@cityledger/core';
import { exchangeContent, gatewayRegistration, p256Keys } from '../core/fixtures';
import { expectCode } from './expect-code';
import { fabricId } from './fake-context';
import { contracts, setupWorld, T, who, type World } from './world';

let world: World;
beforeEach(async () => {
  world = await setupWorld();
});

const personal: PersonalData = {
  salt: sha256Hex('random salt'),
  subject: 'NHS 943 476 5919',
  attributes: { ward: 'A&E' },
};

const put = (
  id: string,
  transient: Record<string, string>,
  as = who.healthGateway,
): ReturnType<World['net']['submit']> =>
  world.net.submit(contracts.privacy, 'putPersonalData', [id], { as, transient });

/** A record announcing personal data (recordExchange), then the data itself (putPersonalData). */
async function recordWithPersonalData(): Promise<string> {
  const record = world.sign({
    subjectRef: sha256Hex('pseudonym'),
    personalDataSha256: personalDataHash(personal),
  });
  const o = (await world.record(record)).json() as ExchangeOutcome;
  if (!o.accepted) {
    throw new Error('not accepted');
  }
  const stored = await put(o.id, { [TRANSIENT_PERSONAL_DATA]: canonicalJson(personal) });
  expect(stored.json()).toEqual({ recordId: o.id, collection: 'healthPrivate' });
  expect(stored.stub.writes.size).toBe(0);
  expect(stored.event).toBeUndefined();
  return o.id;
}

async function recordOnly(overrides = {}): Promise<string> {
  const o = (
    await world.record(world.sign({ personalDataSha256: personalDataHash(personal), ...overrides }))
  ).json() as ExchangeOutcome;
  return o.accepted ? o.id : '';
}

describe('personal data', () => {
  it("goes to the source department's private collection in a transaction without public writes", async () => {
    const id = await recordWithPersonalData();
    expect(world.net.ledger.collection('healthPrivate').get(`personal~${id}`)?.toString()).toBe(
      canonicalJson(personal),
    );
    for (const value of world.net.ledger.state.values()) {
      expect(value.toString()).not.toContain('NHS 943');
    }
  });

  it('is never taken by recordExchange (which would send it to non-member endorsers)', async () => {
    const record = world.sign({ personalDataSha256: personalDataHash(personal) });
    await expectCode(
      world.record(record, { [TRANSIENT_PERSONAL_DATA]: canonicalJson(personal) }),
      'INVALID_ARGUMENT',
      /putPersonalData/,
    );
    expect(world.net.lastStub?.reads).toBe(0);
  });

  it('must match the hash announced by the record and use known transient fields', async () => {
    const id = await recordOnly();
    const other = canonicalJson({ ...personal, subject: 'someone else' });
    await expectCode(put(id, { [TRANSIENT_PERSONAL_DATA]: other }), 'INVALID_ARGUMENT', /does not match/);
    await expectCode(put(id, {}), 'INVALID_ARGUMENT', /is required/);
    await expectCode(put(id, { password: 'x' }), 'INVALID_ARGUMENT', /transient field password/);
    await expectCode(put(id, { [TRANSIENT_PERSONAL_DATA]: 'x'.repeat(9000) }), 'PAYLOAD_TOO_LARGE');
    expect(world.net.lastStub?.reads).toBe(0);
    const plain = (await world.record(world.sign())).json() as ExchangeOutcome;
    await expectCode(
      put(plain.accepted ? plain.id : '', { [TRANSIENT_PERSONAL_DATA]: canonicalJson(personal) }),
      'INVALID_ARGUMENT',
      /announces no personal data/,
    );
    await expectCode(
      put('f'.repeat(64), { [TRANSIENT_PERSONAL_DATA]: canonicalJson(personal) }),
      'NOT_FOUND',
    );
  });

  it("is accepted only from the record's own gateway", async () => {
    const id = await recordOnly();
    const transient = { [TRANSIENT_PERSONAL_DATA]: canonicalJson(personal) };
    for (const caller of [who.healthGateway2, who.healthSteward, who.transportGateway, who.auditor]) {
      await expectCode(put(id, transient, caller), 'UNAUTHORIZED');
    }
  });

  it('is announced only by a gateway of the source department (collection membership)', async () => {
    const keys = p256Keys();
    const registration = gatewayRegistration(keys, {
      id: 'transport-gw-1',
      department: 'transport',
      identity: { mspId: 'TransportMSP', id: fabricId('gateway', 'transport') },
    });
    await world.net.submit(contracts.gateways, 'registerGateway', [canonicalJson(registration)], {
      as: who.transportSteward,
    });
    const content = exchangeContent({
      gatewayId: 'transport-gw-1',
      personalDataSha256: personalDataHash(personal),
    });
    const record = { ...content, signature: signAttestation(keys.privateKeyPem, content) };
    await expectCode(
      world.net.submit(contracts.exchange, 'recordExchange', [canonicalJson(record)], {
        as: who.transportGateway,
      }),
      'INVALID_ARGUMENT',
      /must come from a health gateway/,
    );
  });

  it('is readable by the source department steward only', async () => {
    const id = await recordWithPersonalData();
    const res = await world.net.evaluate(contracts.privacy, 'getPersonalData', [id], {
      as: who.healthSteward,
    });
    expect(res.json()).toEqual(personal);
    for (const caller of [who.transportSteward, who.auditor, who.healthGateway]) {
      await expectCode(
        world.net.evaluate(contracts.privacy, 'getPersonalData', [id], { as: caller }),
        'UNAUTHORIZED',
      );
    }
  });

  it('is purged on request, leaving a public erasure record and an event; purging again is a no-op', async () => {
    const id = await recordWithPersonalData();
    const purge = (as = who.healthSteward): ReturnType<World['net']['submit']> =>
      world.net.submit(contracts.privacy, 'purgePrivateData', [id, 'erasure request ER-2026-17'], { as });
    for (const caller of [who.transportSteward, who.auditor, who.healthGateway, who.outsider]) {
      await expectCode(purge(caller), 'UNAUTHORIZED');
    }
    const res = await purge();
    const erasure = {
      recordId: id,
      department: 'health',
      collection: 'healthPrivate',
      reason: 'erasure request ER-2026-17',
      erasedAt: T.now,
      txId: res.txId,
    };
    expect(res.json()).toEqual(erasure);
    expect(world.net.ledger.collection('healthPrivate').has(`personal~${id}`)).toBe(false);
    expect(decodeEvent(res.event!.name, res.event!.payload)).toMatchObject({
      type: EVENTS.personalDataErased,
      recordId: id,
    });
    await expectCode(
      world.net.evaluate(contracts.privacy, 'getPersonalData', [id], { as: who.healthSteward }),
      'NOT_FOUND',
    );
    await expectCode(put(id, { [TRANSIENT_PERSONAL_DATA]: canonicalJson(personal) }), 'CONFLICT', /erased/);
    const again = await purge(who.healthAdmin);
    expect(again.json()).toEqual(erasure);
    expect(again.stub.writes.size).toBe(0);
    const shown = await world.net.evaluate(contracts.privacy, 'getErasure', [id], {
      as: who.transportSteward,
    });
    expect(shown.json()).toEqual(erasure);
    const record = await world.net.evaluate(contracts.audit, 'getRecord', [id], { as: who.auditor });
    expect(record.json()).toMatchObject({ id, erased: true });
    await expectCode(
      world.net.evaluate(contracts.privacy, 'getErasure', [id], { as: who.energySteward }),
      'UNAUTHORIZED',
    );
  });

  it('refuses to purge records without personal data or unknown records with NOT_FOUND', async () => {
    const plain = world.sign();
    const o = (await world.record(plain)).json() as ExchangeOutcome;
    const id = o.accepted ? o.id : '';
    await expectCode(
      world.net.submit(contracts.privacy, 'purgePrivateData', [id, 'x'], { as: who.healthSteward }),
      'NOT_FOUND',
    );
    await expectCode(
      world.net.submit(contracts.privacy, 'purgePrivateData', ['f'.repeat(64), 'x'], {
        as: who.healthSteward,
      }),
      'NOT_FOUND',
    );
    await expectCode(
      world.net.submit(contracts.privacy, 'purgePrivateData', ['xyz', 'x'], { as: who.healthSteward }),
      'INVALID_ARGUMENT',
    );
  });
});
