import { canonicalJson, decodeEvent, EVENTS, type PolicyEntry } from '@cityledger/core';
import { ownerPolicy } from '../../../chaincode/src/ledger/endorsement';
import { accessPolicy } from '../core/fixtures';
import { expectCode } from './expect-code';
import { FakeNetwork } from './fake-context';
import { contracts, T, who } from './world';

function network(): FakeNetwork {
  const net = new FakeNetwork();
  net.clock = T.now;
  return net;
}

const put = (
  net: FakeNetwork,
  version: number,
  as = who.healthSteward,
  at = T.now,
): ReturnType<FakeNetwork['submit']> =>
  net.submit(contracts.policies, 'putPolicy', [canonicalJson(accessPolicy({ version }))], { as, at });

describe('PolicyContract', () => {
  it('writes version 1 with the owner peer mandatory on the version, head and department root', async () => {
    const net = network();
    const res = await put(net, 1);
    const entry = res.json() as PolicyEntry;
    expect(entry).toEqual({ ...accessPolicy(), owner: 'health', createdAt: T.now, txId: res.txId });
    for (const key of [
      'policy~health/patient-flow~000000001',
      'policyhead~health/patient-flow',
      'policyroot~health',
    ]) {
      expect(net.ledger.validationParameters.get(key)).toEqual(ownerPolicy('health'));
    }
    expect(decodeEvent(res.event!.name, res.event!.payload)).toEqual({
      type: EVENTS.policyChanged,
      txId: res.txId,
      at: T.now,
      category: 'health/patient-flow',
      owner: 'health',
      version: 1,
    });
  });

  it('requires each write to be exactly the next version (CONFLICT otherwise)', async () => {
    const net = network();
    await expectCode(put(net, 2), 'CONFLICT', /expected 1/);
    await put(net, 1);
    await expectCode(put(net, 1), 'CONFLICT');
    await expectCode(put(net, 3), 'CONFLICT');
    await put(net, 2);
    expect(JSON.parse(net.ledger.state.get('policyroot~health')!.toString())).toMatchObject({ writes: 2 });
  });

  it.each([
    ['a steward of another department', who.transportSteward],
    ['the owning admin', who.healthAdmin],
    ['a gateway of the owner', who.healthGateway],
    ['an auditor', who.auditor],
    ['the outsider', who.outsider],
  ])('refuses writes by %s with UNAUTHORIZED', async (_name, caller) => {
    await expectCode(put(network(), 1, caller), 'UNAUTHORIZED');
  });

  it('rejects malformed policies before reading state', async () => {
    const net = network();
    const bad = canonicalJson({
      ...accessPolicy(),
      grants: [{ ...accessPolicy().grants[0], grantee: 'health' }],
    });
    await expectCode(
      net.submit(contracts.policies, 'putPolicy', [bad], { as: who.healthSteward }),
      'INVALID_ARGUMENT',
    );
    expect(net.lastStub?.reads).toBe(0);
  });

  it('serves the current or a given version to any identity', async () => {
    const net = network();
    await put(net, 1, who.healthSteward, '2026-02-01T00:00:00.000Z');
    await put(net, 2, who.healthSteward, '2026-02-02T00:00:00.000Z');
    const current = await net.evaluate(contracts.policies, 'getPolicy', ['health/patient-flow', ''], {
      as: who.energySteward,
    });
    expect(current.json()).toMatchObject({ version: 2, createdAt: '2026-02-02T00:00:00.000Z' });
    const first = await net.evaluate(contracts.policies, 'getPolicy', ['health/patient-flow', '1'], {
      as: who.auditor,
    });
    expect(first.json()).toMatchObject({ version: 1 });
    await expectCode(
      net.evaluate(contracts.policies, 'getPolicy', ['health/patient-flow', '3'], { as: who.auditor }),
      'NOT_FOUND',
    );
    await expectCode(
      net.evaluate(contracts.policies, 'getPolicy', ['health/other', ''], { as: who.auditor }),
      'NOT_FOUND',
    );
    await expectCode(
      net.evaluate(contracts.policies, 'getPolicy', ['patient-flow', ''], { as: who.auditor }),
      'INVALID_ARGUMENT',
    );
    await expectCode(
      net.evaluate(contracts.policies, 'getPolicy', ['health/patient-flow', 'x'], { as: who.auditor }),
      'INVALID_ARGUMENT',
    );
  });

  it('ignores a version key above the head (not written through the owner-endorsed path)', async () => {
    const net = network();
    await put(net, 1);
    net.ledger.state.set(
      'policy~health/patient-flow~000000002',
      Buffer.from(canonicalJson({ forged: true })),
    );
    await expectCode(
      net.evaluate(contracts.policies, 'getPolicy', ['health/patient-flow', '2'], { as: who.auditor }),
      'NOT_FOUND',
    );
    const history = await net.evaluate(contracts.policies, 'getPolicyHistory', ['health/patient-flow', ''], {
      as: who.auditor,
    });
    expect((history.json() as { items: unknown[] }).items).toHaveLength(1);
  });

  it('pages through the version history, oldest first', async () => {
    const net = network();
    for (let v = 1; v <= 205; v += 1) {
      await put(net, v);
    }
    const page1 = (
      await net.evaluate(contracts.policies, 'getPolicyHistory', ['health/patient-flow', ''], {
        as: who.auditor,
      })
    ).json() as { items: PolicyEntry[]; next: number };
    expect(page1.items.map((p) => p.version)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(page1.next).toBe(201);
    const page2 = (
      await net.evaluate(
        contracts.policies,
        'getPolicyHistory',
        ['health/patient-flow', String(page1.next)],
        { as: who.auditor },
      )
    ).json() as { items: PolicyEntry[]; next: number };
    expect(page2.items.map((p) => p.version)).toEqual([201, 202, 203, 204, 205]);
    expect(page2.next).toBe(0);
  });
});
