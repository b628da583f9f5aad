import { canonicalJson } from '@cityledger/core';
import { accessPolicy } from '../core/fixtures';
import { expectCode } from './expect-code';
import { contracts, setupWorld, who } from './world';

interface History {
  readonly entries: { txId: string; timestamp: string; isDelete: boolean; value: Record<string, unknown> }[];
  readonly truncated: boolean;
}

describe('getHistory', () => {
  it('returns the history of gateways, models and policies, newest first', async () => {
    const world = await setupWorld();
    await world.net.submit(
      contracts.gateways,
      'updateGatewayStatus',
      ['health-gw-1', 'suspended', 'maintenance'],
      {
        as: who.healthSteward,
        at: '2026-03-03T00:00:00.000Z',
      },
    );
    const gateway = (
      await world.net.evaluate(contracts.audit, 'getHistory', ['gateway', 'health-gw-1'], { as: who.auditor })
    ).json() as History;
    expect(gateway.entries.map((e) => e.value.status)).toEqual(['suspended', 'active']);
    expect(gateway.entries[0]?.timestamp).toBe('2026-03-03T00:00:00.000Z');
    expect(gateway.truncated).toBe(false);

    await world.net.submit(contracts.models, 'retireModel', ['threat-clf', '1.2.0', 'drift'], {
      as: who.healthSteward,
    });
    const model = (
      await world.net.evaluate(contracts.audit, 'getHistory', ['model', 'threat-clf@1.2.0'], {
        as: who.energySteward,
      })
    ).json() as History;
    expect(model.entries.map((e) => e.value.status)).toEqual(['retired', 'active']);

    await world.net.submit(contracts.policies, 'putPolicy', [canonicalJson(accessPolicy({ version: 2 }))], {
      as: who.healthSteward,
    });
    const policy = (
      await world.net.evaluate(contracts.audit, 'getHistory', ['policy', 'health/patient-flow'], {
        as: who.transportGateway,
      })
    ).json() as History;
    expect(policy.entries.map((e) => e.value.version)).toEqual([2, 1]);
  });

  it('rejects unknown kinds and ids, and reports keys without history', async () => {
    const world = await setupWorld();
    for (const [kind, id] of [
      ['record', 'x'],
      ['model', 'threat-clf'],
      ['gateway', 'Bad Id'],
      ['policy', 'patient-flow'],
    ] as const) {
      await expectCode(
        world.net.evaluate(contracts.audit, 'getHistory', [kind, id], { as: who.auditor }),
        'INVALID_ARGUMENT',
      );
    }
    await expectCode(
      world.net.evaluate(contracts.audit, 'getHistory', ['gateway', 'nobody'], { as: who.auditor }),
      'NOT_FOUND',
    );
    await expectCode(
      world.net.evaluate(contracts.audit, 'getHistory', ['gateway', 'health-gw-1'], { as: who.outsider }),
      'UNAUTHORIZED',
    );
  });
});
