import { canonicalJson, decodeEvent, EVENTS, type ModelEntry } from '@cityledger/core';
import { departmentMajorityPolicy } from '../../../chaincode/src/ledger/endorsement';
import { modelSpec } from '../core/fixtures';
import { expectCode } from './expect-code';
import { FakeNetwork } from './fake-context';
import { contracts, T, who } from './world';

const spec = modelSpec();

function network(): FakeNetwork {
  const net = new FakeNetwork();
  net.clock = T.now;
  return net;
}

const register = (net: FakeNetwork, as = who.healthSteward, s = spec): ReturnType<FakeNetwork['submit']> =>
  net.submit(contracts.models, 'registerModel', [canonicalJson(s)], { as });

describe('ModelRegistryContract', () => {
  it('registers a model with majority endorsement on its key and on the model set', async () => {
    const net = network();
    const res = await register(net, who.energyAdmin);
    const entry = res.json() as ModelEntry;
    expect(entry).toEqual({ ...spec, status: 'active', registeredAt: T.now, registeredBy: 'energy' });
    expect(net.ledger.validationParameters.get('model~threat-clf~1.2.0')).toEqual(departmentMajorityPolicy());
    expect(net.ledger.validationParameters.get('modelset')).toEqual(departmentMajorityPolicy());
    // The set carries what records' checks need of the model, so that they read the set alone.
    expect(JSON.parse(net.ledger.state.get('modelset')!.toString())).toEqual({
      models: { 'threat-clf@1.2.0': 'active' },
      approved: { 'threat-clf@1.2.0': { kind: spec.kind, thresholds: spec.thresholds } },
    });
    expect(decodeEvent(res.event!.name, res.event!.payload)).toMatchObject({
      type: EVENTS.modelRegistered,
      modelId: 'threat-clf',
      modelVersion: '1.2.0',
      status: 'active',
    });
  });

  it.each([
    ['a gateway', who.healthGateway],
    ['an auditor', who.auditor],
    ['the audit admin', who.auditAdmin],
    ['the outsider', who.outsider],
  ])('refuses registration by %s with UNAUTHORIZED', async (_name, caller) => {
    await expectCode(register(network(), caller), 'UNAUTHORIZED');
  });

  it('refuses duplicates with ALREADY_EXISTS and bad specs with INVALID_ARGUMENT before reading', async () => {
    const net = network();
    await register(net);
    await expectCode(register(net, who.transportSteward), 'ALREADY_EXISTS');
    await expectCode(
      register(net, who.healthSteward, { ...spec, kind: 'regressor' } as never),
      'INVALID_ARGUMENT',
    );
    expect(net.lastStub?.reads).toBe(0);
  });

  it('retires a model once, by any department admin or steward, with an event', async () => {
    const net = network();
    await register(net);
    const retire = (as = who.transportSteward): ReturnType<FakeNetwork['submit']> =>
      net.submit(contracts.models, 'retireModel', ['threat-clf', '1.2.0', 'concept drift'], {
        as,
        at: '2026-03-05T00:00:00.000Z',
      });
    await expectCode(retire(who.auditor), 'UNAUTHORIZED');
    await expectCode(retire(who.healthGateway), 'UNAUTHORIZED');
    const res = await retire();
    expect(res.json()).toMatchObject({
      status: 'retired',
      retiredAt: '2026-03-05T00:00:00.000Z',
      retiredReason: 'concept drift',
    });
    // The approved set, which every record reads, keeps active models only; the retired one moved.
    expect(JSON.parse(net.ledger.state.get('modelset')!.toString())).toEqual({ models: {}, approved: {} });
    expect(JSON.parse(net.ledger.state.get('modelset~retired')!.toString())).toEqual({
      models: { 'threat-clf@1.2.0': 'retired' },
    });
    expect(net.ledger.validationParameters.get('modelset~retired')).toEqual(departmentMajorityPolicy());
    const list = await net.evaluate(contracts.models, 'listModels', [], { as: who.auditor });
    expect(list.json()).toEqual({ models: { 'threat-clf@1.2.0': 'retired' } });
    expect(decodeEvent(res.event!.name, res.event!.payload)).toMatchObject({
      type: EVENTS.modelRetired,
      reason: 'concept drift',
    });
    await expectCode(retire(), 'CONFLICT');
    await expectCode(
      net.submit(contracts.models, 'retireModel', ['threat-clf', '9.0.0', 'x'], { as: who.healthSteward }),
      'NOT_FOUND',
    );
    await expectCode(
      net.submit(contracts.models, 'retireModel', ['threat-clf', 'v1', 'x'], { as: who.healthSteward }),
      'INVALID_ARGUMENT',
    );
  });

  it('lists and shows models to any identity', async () => {
    const net = network();
    await register(net);
    await register(net, who.healthSteward, modelSpec({ id: 'anomaly-ae', kind: 'anomaly' }));
    const list = await net.evaluate(contracts.models, 'listModels', [], { as: who.transportGateway });
    expect(list.json()).toEqual({ models: { 'anomaly-ae@1.2.0': 'active', 'threat-clf@1.2.0': 'active' } });
    const one = await net.evaluate(contracts.models, 'getModel', ['anomaly-ae', '1.2.0'], {
      as: who.auditor,
    });
    expect(one.json()).toMatchObject({ id: 'anomaly-ae', kind: 'anomaly' });
    await expectCode(
      net.evaluate(contracts.models, 'getModel', ['nope', '1.0.0'], { as: who.auditor }),
      'NOT_FOUND',
    );
    await expectCode(net.evaluate(contracts.models, 'listModels', [], { as: who.outsider }), 'UNAUTHORIZED');
  });
});
