import { canonicalJson, decodeEvent, EVENTS, type GatewayEntry } from '@cityledger/core';
import { ownerPolicy } from '../../../chaincode/src/ledger/endorsement';
import { gatewayRegistration, p256Keys } from '../core/fixtures';
import { expectCode } from './expect-code';
import { fabricId, FakeNetwork } from './fake-context';
import { contracts, T, who } from './world';

const keys = p256Keys();
const registration = gatewayRegistration(keys, {
  identity: { mspId: 'HealthMSP', id: fabricId('gateway', 'health') },
});
const arg = canonicalJson(registration);

function network(): FakeNetwork {
  const net = new FakeNetwork();
  net.clock = T.now;
  return net;
}

describe('GatewayRegistryContract', () => {
  it('lets the owning steward register a gateway: active, bound, owner-endorsed, announced', async () => {
    const net = network();
    const res = await net.submit(contracts.gateways, 'registerGateway', [arg], { as: who.healthSteward });
    const entry = res.json() as GatewayEntry;
    expect(entry).toEqual({ ...registration, status: 'active', registeredAt: T.now, updatedAt: T.now });
    expect(net.ledger.state.get('gateway~health-gw-1')?.toString()).toBe(canonicalJson(entry));
    expect(net.ledger.validationParameters.get('gateway~health-gw-1')).toEqual(ownerPolicy('health'));
    expect(res.event?.name).toBe(EVENTS.gatewayRegistered);
    expect(decodeEvent(res.event!.name, res.event!.payload)).toEqual({
      type: EVENTS.gatewayRegistered,
      txId: res.txId,
      at: T.now,
      gatewayId: 'health-gw-1',
      department: 'health',
      status: 'active',
    });
  });

  it.each([
    ['a steward of another department', who.transportSteward],
    ['an admin of the owning department', who.healthAdmin],
    ['a gateway', who.healthGateway],
    ['an auditor', who.auditor],
    ['the outsider', who.outsider],
  ])('refuses registration by %s with UNAUTHORIZED', async (_name, caller) => {
    const net = network();
    await expectCode(
      net.submit(contracts.gateways, 'registerGateway', [arg], { as: caller }),
      'UNAUTHORIZED',
    );
    expect(net.ledger.state.size).toBe(0);
  });

  it('refuses a second registration of the same id with ALREADY_EXISTS', async () => {
    const net = network();
    await net.submit(contracts.gateways, 'registerGateway', [arg], { as: who.healthSteward });
    await expectCode(
      net.submit(contracts.gateways, 'registerGateway', [arg], { as: who.healthSteward }),
      'ALREADY_EXISTS',
    );
  });

  it('validates before reading state', async () => {
    const net = network();
    const bad = canonicalJson({
      ...registration,
      identity: { ...registration.identity, mspId: 'EnergyMSP' },
    });
    await expectCode(
      net.submit(contracts.gateways, 'registerGateway', [bad], { as: who.healthSteward }),
      'INVALID_ARGUMENT',
    );
    expect(net.lastStub?.reads).toBe(0);
    await expectCode(
      net.submit(contracts.gateways, 'registerGateway', ['x'.repeat(5000)], { as: who.healthSteward }),
      'PAYLOAD_TOO_LARGE',
    );
    expect(net.lastStub?.reads).toBe(0);
  });

  describe('status changes', () => {
    async function registered(): Promise<FakeNetwork> {
      const net = network();
      await net.submit(contracts.gateways, 'registerGateway', [arg], { as: who.healthSteward });
      return net;
    }
    const update = (
      net: FakeNetwork,
      status: string,
      as = who.healthSteward,
    ): ReturnType<FakeNetwork['submit']> =>
      net.submit(contracts.gateways, 'updateGatewayStatus', ['health-gw-1', status, 'ticket 42'], {
        as,
        at: '2026-03-02T00:00:00.000Z',
      });

    it('suspends, reactivates and revokes, with an event each time', async () => {
      const net = await registered();
      const suspended = await update(net, 'suspended');
      expect(suspended.json()).toMatchObject({
        status: 'suspended',
        statusReason: 'ticket 42',
        updatedAt: '2026-03-02T00:00:00.000Z',
      });
      expect(decodeEvent(suspended.event!.name, suspended.event!.payload)).toMatchObject({
        type: EVENTS.gatewayStatusChanged,
        status: 'suspended',
        reason: 'ticket 42',
      });
      expect((await update(net, 'active')).json()).toMatchObject({ status: 'active' });
      expect((await update(net, 'revoked')).json()).toMatchObject({ status: 'revoked' });
    });

    it('never leaves revoked and refuses no-op changes with CONFLICT', async () => {
      const net = await registered();
      await expectCode(update(net, 'active'), 'CONFLICT');
      await update(net, 'revoked');
      await expectCode(update(net, 'active'), 'CONFLICT');
      await expectCode(update(net, 'suspended'), 'CONFLICT');
    });

    it.each([
      ['another department steward', who.transportSteward],
      ['the owning admin', who.healthAdmin],
      ['the gateway itself', who.healthGateway],
      ['an auditor', who.auditor],
    ])('is refused to %s with UNAUTHORIZED', async (_name, caller) => {
      const net = await registered();
      await expectCode(update(net, 'suspended', caller), 'UNAUTHORIZED');
    });

    it('rejects unknown gateways, statuses and reasons', async () => {
      const net = await registered();
      await expectCode(
        net.submit(contracts.gateways, 'updateGatewayStatus', ['nope', 'suspended', 'x'], {
          as: who.healthSteward,
        }),
        'NOT_FOUND',
      );
      await expectCode(update(net, 'paused'), 'INVALID_ARGUMENT');
      await expectCode(
        net.submit(contracts.gateways, 'updateGatewayStatus', ['health-gw-1', 'suspended', ''], {
          as: who.healthSteward,
        }),
        'INVALID_ARGUMENT',
      );
      await expectCode(
        net.submit(contracts.gateways, 'updateGatewayStatus', ['Bad Id', 'suspended', 'x'], {
          as: who.healthSteward,
        }),
        'INVALID_ARGUMENT',
      );
    });
  });

  it('shows gateways to any CityLedger identity, not to identities without attributes', async () => {
    const net = network();
    await net.submit(contracts.gateways, 'registerGateway', [arg], { as: who.healthSteward });
    for (const caller of [who.auditor, who.transportGateway, who.energySteward]) {
      const res = await net.evaluate(contracts.gateways, 'getGateway', ['health-gw-1'], { as: caller });
      expect(res.json()).toMatchObject({ id: 'health-gw-1', status: 'active' });
    }
    await expectCode(
      net.evaluate(contracts.gateways, 'getGateway', ['other'], { as: who.auditor }),
      'NOT_FOUND',
    );
    await expectCode(
      net.evaluate(contracts.gateways, 'getGateway', ['health-gw-1'], { as: who.outsider }),
      'UNAUTHORIZED',
    );
  });
});
