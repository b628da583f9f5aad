import {
  canonicalJson,
  decodeEvent,
  EVENTS,
  type ExchangeEntry,
  type ExchangeOutcome,
  type MismatchIncident,
  recordId,
  signAttestation,
} from '@cityledger/core';
import { accessPolicy, modelSpec, p256Keys } from '../core/fixtures';
import { expectCode } from './expect-code';
import { contracts, putPolicy, registerGateway, setupWorld, T, who, type World } from './world';

let world: World;
beforeEach(async () => {
  world = await setupWorld();
});

function outcome(res: { json(): unknown }): ExchangeOutcome {
  return res.json() as ExchangeOutcome;
}

/** The entry an accepted record was stored as (the reply carries only the id). */
function stored(res: { json(): unknown }): ExchangeEntry {
  const o = outcome(res);
  if (!o.accepted) {
    throw new Error(`not accepted: ${o.code}`);
  }
  return JSON.parse(world.net.ledger.state.get(`record~${o.id}`)?.toString() ?? 'null') as ExchangeEntry;
}

describe('recordExchange: accepted records', () => {
  it('stores an attested, allowed record under its content id with indexes and no event', async () => {
    const record = world.sign();
    const res = await world.record(record);
    const entry = stored(res);
    expect(entry).toEqual({ id: recordId(record), record, recordedAt: T.now, txId: res.txId });
    // The reply is the id and the outcome, not the entry: it is part of the stored transaction.
    expect(outcome(res)).toEqual({ accepted: true, duplicate: false, id: recordId(record) });
    expect(world.net.ledger.state.get(`record~${entry.id}`)?.toString()).toBe(canonicalJson(entry));
    const indexKeys = [...world.net.ledger.state.keys()].filter((k) => k.startsWith('ix~'));
    // Audit's exact indexes only (departments read the time index filtered by source and consumer);
    // no verdict entry for a benign record.
    expect(indexKeys.sort()).toEqual(
      ['ix~all~t~_~', 'ix~all~c~health/patient-flow~', 'ix~all~g~health-gw-1~']
        .map((p) => `${p}${T.observed}~${entry.id}`)
        .sort(),
    );
    // Time entries hold what the summary counts and the filters read; the others only point.
    for (const key of indexKeys) {
      const value = world.net.ledger.state.get(key)?.toString();
      if (key.includes('~t~_~')) {
        expect(JSON.parse(value ?? '')).toEqual({
          g: 'health-gw-1',
          s: 'health',
          c: 'transport',
          k: 'health/patient-flow',
          v: 'benign',
          d: 'allow',
        });
      } else {
        expect(value).toBe('1');
      }
    }
    expect(res.event).toBeUndefined();
  });

  it('is idempotent: the same record, even re-signed, is answered as a duplicate', async () => {
    const record = world.sign();
    const first = stored(await world.record(record));
    const resigned = { ...record, signature: signAttestation(world.keys.privateKeyPem, record) };
    expect(resigned.signature).not.toBe(record.signature);
    const again = await world.record(resigned);
    expect(outcome(again)).toEqual({ accepted: true, duplicate: true, id: first.id });
    expect(again.stub.writes.size).toBe(0);
    expect(again.event).toBeUndefined();
  });

  it('emits exchange.flagged for suspicious and malicious verdicts, which have a verdict index', async () => {
    const res = await world.record(world.sign({ threatScore: 0.7, verdict: 'suspicious' }));
    const flagged = stored(res);
    expect(
      world.net.ledger.state
        .get(`ix~all~v~suspicious~${flagged.record.observedAt}~${flagged.id}`)
        ?.toString(),
    ).toBe('1');
    expect(res.event?.name).toBe(EVENTS.exchangeFlagged);
    expect(decodeEvent(res.event!.name, res.event!.payload)).toMatchObject({
      recordId: stored(res).id,
      verdict: 'suspicious',
      decision: 'allow',
      threatScore: 0.7,
    });
    const malicious = await world.record(
      world.sign({ threatScore: 0.95, verdict: 'malicious', decision: 'deny' }),
    );
    expect(malicious.event?.name).toBe(EVENTS.exchangeFlagged);
    expect(decodeEvent(malicious.event!.name, malicious.event!.payload)).toMatchObject({
      verdict: 'malicious',
      decision: 'deny',
      denyReason: 'verdict-too-high',
    });
  });

  it('stores an agreed denial with its reason and emits exchange.denied', async () => {
    const res = await world.record(world.sign({ purpose: 'marketing', decision: 'deny' }));
    expect(stored(res).denyReason).toBe('purpose-not-allowed');
    expect(res.event?.name).toBe(EVENTS.exchangeDenied);
    expect(decodeEvent(res.event!.name, res.event!.payload)).toMatchObject({
      denyReason: 'purpose-not-allowed',
    });
  });
});

describe('recordExchange: policy mismatch', () => {
  it('stores an incident instead of the record, emits policy.mismatch, and answers POLICY_MISMATCH', async () => {
    const record = world.sign({ consumerDepartment: 'energy', decision: 'allow' });
    const res = await world.record(record);
    const o = outcome(res);
    expect(o).toEqual({ accepted: false, code: 'POLICY_MISMATCH', duplicate: false, id: recordId(record) });
    const incident = JSON.parse(
      world.net.ledger.state.get(`incident~${recordId(record)}`)?.toString() ?? 'null',
    ) as MismatchIncident;
    expect(incident).toEqual({
      id: recordId(record),
      record,
      detectedAt: T.now,
      txId: res.txId,
      gatewayDecision: 'allow',
      chainDecision: 'deny',
      denyReason: 'no-grant',
    });
    expect(world.net.ledger.state.has(`record~${incident.id}`)).toBe(false);
    expect(world.net.ledger.state.has(`incident~${incident.id}`)).toBe(true);
    expect(decodeEvent(res.event!.name, res.event!.payload)).toMatchObject({
      type: EVENTS.policyMismatch,
      gatewayDecision: 'allow',
      chainDecision: 'deny',
      denyReason: 'no-grant',
    });
    const again = await world.record(record);
    expect(outcome(again)).toEqual({ ...o, duplicate: true });
    expect(again.stub.writes.size).toBe(0);
  });

  it('answers a resubmitted incident as that incident even when its checks fail now', async () => {
    const record = world.sign({ consumerDepartment: 'energy', decision: 'allow' });
    const first = outcome(await world.record(record));
    await world.net.submit(contracts.models, 'retireModel', ['threat-clf', '1.2.0', 'drift'], {
      as: who.energySteward,
    });
    const again = await world.record(record);
    expect(outcome(again)).toEqual({ ...first, duplicate: true });
    expect(again.stub.writes.size).toBe(0);
    // A fresh record citing the retired model is refused, so the answer above came from the incident.
    await expectCode(
      world.record(world.sign({ purpose: 'marketing', decision: 'deny' })),
      'MODEL_NOT_APPROVED',
    );
  });

  it('reads the incident key only on the mismatch path', async () => {
    const accepted = await world.record(world.sign());
    expect(outcome(accepted)).toMatchObject({ accepted: true, duplicate: false });
    expect(accepted.stub.stateKeysRead.filter((k) => k.startsWith('incident~'))).toEqual([]);
    const refused = await world.record(world.sign({ consumerDepartment: 'energy', decision: 'allow' }));
    expect(outcome(refused)).toMatchObject({ accepted: false, code: 'POLICY_MISMATCH' });
    expect(refused.stub.stateKeysRead.filter((k) => k.startsWith('incident~'))).toHaveLength(1);
  });

  it('reads four keys for a record citing the current policy: gateway, record, model set, policy head', async () => {
    const record = world.sign();
    const res = await world.record(record);
    expect(outcome(res)).toMatchObject({ accepted: true, duplicate: false });
    // The model set carries the model's thresholds and the head the current policy version, so
    // neither the model's entry nor the version's key is in the read set.
    expect([...new Set(res.stub.stateKeysRead)].sort()).toEqual(
      [
        'gateway~health-gw-1',
        `record~${recordId(record)}`,
        'modelset',
        `policyhead~${record.category}`,
      ].sort(),
    );
  });

  it('still accepts records under a model set and policy head written by an older chaincode', async () => {
    // Before 2026-11-24 the set held statuses only and the head only the version number.
    const { state } = world.net.ledger;
    const set = JSON.parse(state.get('modelset')?.toString() ?? '{}') as { models: unknown };
    state.set('modelset', Buffer.from(canonicalJson({ models: set.models })));
    const headKey = 'policyhead~health/patient-flow';
    const { policy: _policy, ...head } = JSON.parse(state.get(headKey)?.toString() ?? '{}') as {
      policy?: unknown;
    };
    state.set(headKey, Buffer.from(canonicalJson(head)));
    const record = world.sign();
    const res = await world.record(record);
    expect(outcome(res)).toMatchObject({ accepted: true, duplicate: false });
    expect(res.stub.stateKeysRead).toEqual(
      expect.arrayContaining(['model~threat-clf~1.2.0', 'policy~health/patient-flow~000000001']),
    );
    // A verdict the thresholds in the model's own entry do not give is still refused.
    await expectCode(world.record(world.sign({ threatScore: 0.95 })), 'VERDICT_MISMATCH');
  });

  it('flags a gateway that denied what the policy allows', async () => {
    const record = world.sign({ decision: 'deny' });
    const o = outcome(await world.record(record));
    expect(o).toMatchObject({ accepted: false, code: 'POLICY_MISMATCH' });
    expect(
      JSON.parse(world.net.ledger.state.get(`incident~${recordId(record)}`)?.toString() ?? 'null'),
    ).toMatchObject({ gatewayDecision: 'deny', chainDecision: 'allow' });
  });
});

describe('recordExchange: rejections', () => {
  it('rejects a forged signature with BAD_SIGNATURE', async () => {
    const other = p256Keys();
    const content = world.sign();
    await expectCode(
      world.record({ ...content, signature: signAttestation(other.privateKeyPem, content) }),
      'BAD_SIGNATURE',
    );
    await expectCode(world.record({ ...content, payloadSize: 1 }), 'BAD_SIGNATURE');
    expect([...world.net.ledger.state.keys()].some((k) => k.startsWith('record~'))).toBe(false);
  });

  it('rejects a caller that is not the gateway named in the record with UNAUTHORIZED', async () => {
    const record = canonicalJson(world.sign());
    for (const caller of [who.healthGateway2, who.transportGateway]) {
      await expectCode(
        world.net.submit(contracts.exchange, 'recordExchange', [record], { as: caller }),
        'UNAUTHORIZED',
      );
    }
    for (const caller of [who.healthSteward, who.auditor, who.outsider]) {
      await expectCode(
        world.net.submit(contracts.exchange, 'recordExchange', [record], { as: caller }),
        'UNAUTHORIZED',
      );
    }
  });

  it('rejects a replay of a stored record by another identity with UNAUTHORIZED', async () => {
    const record = world.sign();
    await world.record(record);
    await expectCode(
      world.net.submit(contracts.exchange, 'recordExchange', [canonicalJson(record)], {
        as: who.healthGateway2,
      }),
      'UNAUTHORIZED',
    );
  });

  it('rejects records of unregistered, suspended and revoked gateways with GATEWAY_NOT_ACTIVE', async () => {
    await expectCode(
      world.record(world.sign({ gatewayId: 'ghost' })),
      'GATEWAY_NOT_ACTIVE',
      /not registered/,
    );
    for (const status of ['suspended', 'revoked']) {
      await world.net.submit(contracts.gateways, 'updateGatewayStatus', ['health-gw-1', status, 'incident'], {
        as: who.healthSteward,
      });
      await expectCode(world.record(world.sign()), 'GATEWAY_NOT_ACTIVE', new RegExp(status));
    }
  });

  it('rejects unregistered and retired models with MODEL_NOT_APPROVED', async () => {
    await expectCode(
      world.record(world.sign({ modelVersion: '9.9.9' })),
      'MODEL_NOT_APPROVED',
      /not registered/,
    );
    await world.net.submit(contracts.models, 'retireModel', ['threat-clf', '1.2.0', 'drift'], {
      as: who.energySteward,
    });
    await expectCode(world.record(world.sign()), 'MODEL_NOT_APPROVED', /retired/);
  });

  it('trusts a model entry only when the approved set lists it active', async () => {
    const state = world.net.ledger.state;
    const entry = JSON.parse(state.get('model~threat-clf~1.2.0')!.toString()) as object;
    // An active entry the set does not list (as a minority of peers could write): not registered.
    state.set('model~threat-clf~6.6.6', Buffer.from(JSON.stringify({ ...entry, version: '6.6.6' })));
    await expectCode(
      world.record(world.sign({ modelVersion: '6.6.6' })),
      'MODEL_NOT_APPROVED',
      /not registered/,
    );
    // A set written before retired models moved out of it still reads them as retired.
    state.set('modelset', Buffer.from(JSON.stringify({ models: { 'threat-clf@1.2.0': 'retired' } })));
    await expectCode(world.record(world.sign()), 'MODEL_NOT_APPROVED', /retired/);
  });

  it("rejects a verdict that does not follow from the model's thresholds with VERDICT_MISMATCH", async () => {
    await expectCode(world.record(world.sign({ threatScore: 0.95, verdict: 'benign' })), 'VERDICT_MISMATCH');
    await expectCode(
      world.record(world.sign({ threatScore: 0.1, verdict: 'suspicious' })),
      'VERDICT_MISMATCH',
    );
  });

  it('rejects stale and future observations with TIMESTAMP_OUT_OF_WINDOW', async () => {
    await expectCode(
      world.record(world.sign({ observedAt: '2026-02-20T10:00:00.000Z' })),
      'TIMESTAMP_OUT_OF_WINDOW',
    );
    await expectCode(
      world.record(world.sign({ observedAt: '2026-03-01T12:05:00.001Z' })),
      'TIMESTAMP_OUT_OF_WINDOW',
    );
    const edge = await world.record(world.sign({ observedAt: '2026-03-01T12:05:00.000Z' }));
    expect(outcome(edge).accepted).toBe(true);
  });

  it('rejects a policy version that was not in force with POLICY_NOT_IN_FORCE', async () => {
    await expectCode(world.record(world.sign({ policyVersion: 2 })), 'POLICY_NOT_IN_FORCE', /no version 2/);
    await putPolicy(world.net, accessPolicy({ version: 2, grants: [] }), '2026-03-01T09:00:00.000Z');
    await expectCode(world.record(world.sign({ policyVersion: 1 })), 'POLICY_NOT_IN_FORCE', /superseded/);
    await expectCode(
      world.record(world.sign({ policyVersion: 2, observedAt: '2026-03-01T08:00:00.000Z' })),
      'POLICY_NOT_IN_FORCE',
      /written after/,
    );
    const skew = await world.record(
      world.sign({ policyVersion: 2, decision: 'deny', observedAt: '2026-03-01T08:55:00.000Z' }),
    );
    expect(outcome(skew).accepted).toBe(true);
    const grace = await world.record(
      world.sign({ policyVersion: 1, observedAt: '2026-03-01T09:04:59.999Z' }),
    );
    expect(outcome(grace).accepted).toBe(true);
    const denied = await world.record(world.sign({ policyVersion: 2, decision: 'deny' }));
    expect(stored(denied).denyReason).toBe('no-grant');
  });

  it('rejects a category without policy with NOT_FOUND', async () => {
    await expectCode(
      world.record(world.sign({ category: 'health/bed-occupancy' })),
      'NOT_FOUND',
      /no policy/,
    );
  });

  it('validates and size-limits the record before reading any state', async () => {
    const record = world.sign();
    const cases: [string, string][] = [
      ['{', 'INVALID_ARGUMENT'],
      [canonicalJson({ ...record, extra: 1 }), 'INVALID_ARGUMENT'],
      [canonicalJson({ ...record, sourceDepartment: 'energy' }), 'INVALID_ARGUMENT'],
      [JSON.stringify({ ...record, purpose: 'x'.repeat(9000) }), 'PAYLOAD_TOO_LARGE'],
    ];
    for (const [arg, code] of cases) {
      await expectCode(
        world.net.submit(contracts.exchange, 'recordExchange', [arg], { as: who.healthGateway }),
        code as 'INVALID_ARGUMENT',
      );
      expect(world.net.lastStub?.reads).toBe(0);
    }
  });
});

describe('recordExchange: model registry interplay', () => {
  it('accepts records scored by a newly registered model version', async () => {
    await world.net.submit(
      contracts.models,
      'registerModel',
      [canonicalJson(modelSpec({ version: '1.3.0' }))],
      {
        as: who.transportAdmin,
      },
    );
    const o = outcome(await world.record(world.sign({ modelVersion: '1.3.0' })));
    expect(o.accepted).toBe(true);
  });

  it('binds each gateway id to its own identity', async () => {
    const keys2 = p256Keys();
    await registerGateway(world.net, keys2, 'health-gw-2', 'gateway2');
    const content = world.sign({ gatewayId: 'health-gw-2' });
    const record = { ...content, signature: signAttestation(keys2.privateKeyPem, content) };
    const res = await world.net.submit(contracts.exchange, 'recordExchange', [canonicalJson(record)], {
      as: who.healthGateway2,
    });
    expect(outcome(res).accepted).toBe(true);
    await expectCode(world.record(record), 'UNAUTHORIZED');
  });
});
