import './quiet-logs';
import { CityLedgerError } from '@cityledger/core';
import { Context } from 'fabric-contract-api';
import { withCode } from '../../../chaincode/src/base-contract';
import { canSee, getCaller } from '../../../chaincode/src/caller';
import { expectCode } from './expect-code';
import { FakeIdentity, FakeNetwork, fabricId, identity, outsider } from './fake-context';
import { contracts, who } from './world';

function callerOf(id: FakeIdentity): ReturnType<typeof getCaller> {
  const ctx = new Context();
  ctx.clientIdentity = id;
  return getCaller(ctx);
}

describe('caller identity', () => {
  it('reads role, department, MSP and id from the certificate', () => {
    expect(callerOf(identity('energy', 'steward'))).toEqual({
      mspId: 'EnergyMSP',
      id: fabricId('steward', 'energy'),
      role: 'steward',
      department: 'energy',
    });
  });

  it('refuses identities without valid attributes', () => {
    const noAttrs = new FakeIdentity('HealthMSP', fabricId('x', 'health'), {});
    const badRole = new FakeIdentity('HealthMSP', fabricId('x', 'health'), {
      'cityledger.role': 'root',
      'cityledger.department': 'health',
    });
    for (const id of [noAttrs, badRole]) {
      expect(() => callerOf(id)).toThrow(/^UNAUTHORIZED: /);
    }
  });

  it('refuses a department claim that does not match the MSP', () => {
    expect(() => callerOf(outsider())).toThrow(
      /^UNAUTHORIZED: caller from OutsiderMSP cannot act for department transport/,
    );
    const crossOrg = new FakeIdentity('EnergyMSP', fabricId('x', 'energy'), {
      'cityledger.role': 'steward',
      'cityledger.department': 'health',
    });
    expect(() => callerOf(crossOrg)).toThrow(/^UNAUTHORIZED: /);
  });

  it('lets audit see everything and a department what it is source or consumer of', () => {
    expect(canSee(callerOf(who.auditor), 'health', 'transport')).toBe(true);
    expect(canSee(callerOf(who.healthSteward), 'health', 'transport')).toBe(true);
    expect(canSee(callerOf(who.transportGateway), 'health', 'transport')).toBe(true);
    expect(canSee(callerOf(who.energySteward), 'health', 'transport')).toBe(false);
  });
});

describe('error codes at the contract boundary', () => {
  it('keeps catalogue errors and codes peer errors', () => {
    const coded = new CityLedgerError('CONFLICT', 'x');
    expect(withCode(coded)).toBe(coded);
    expect(withCode(new Error('NOT_FOUND: relayed')).code).toBe('NOT_FOUND');
    expect(withCode(new Error('GRPC: transient failure')).message).toBe('INTERNAL: GRPC: transient failure');
    expect(withCode('thrown string').code).toBe('INTERNAL');
    expect(
      withCode(new Error('tx creator does not have write access permission on privatedata in healthPrivate'))
        .code,
    ).toBe('UNAUTHORIZED');
  });

  it('answers an unknown function with NOT_FOUND', async () => {
    const net = new FakeNetwork();
    await expectCode(
      net.submit(contracts.exchange, 'dropAllRecords', [], { as: who.auditor }),
      'NOT_FOUND',
      /dropAllRecords/,
    );
  });

  it('gives a peer failure inside a transaction the INTERNAL code', async () => {
    const net = new FakeNetwork();
    net.ledger.state.set('gateway~broken', Buffer.from('{not json'));
    await expectCode(
      net.evaluate(contracts.gateways, 'getGateway', ['broken'], { as: who.auditor }),
      'INTERNAL',
    );
  });
});

describe('system contract', () => {
  it('tells the caller who it is, including the id stewards bind gateways to', async () => {
    const net = new FakeNetwork();
    const res = await net.evaluate(contracts.system, 'whoAmI', [], { as: who.healthGateway });
    expect(res.json()).toEqual({
      mspId: 'HealthMSP',
      id: fabricId('gateway', 'health'),
      role: 'gateway',
      department: 'health',
    });
  });
});
