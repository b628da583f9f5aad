import {
  type BatchContent,
  type BatchEntry,
  buildBatch,
  canonicalJson,
  decodeEvent,
  EVENTS,
  GENESIS_ROOT,
  signBatchAttestation,
} from '@cityledger/core';
import { exchangeContent, p256Keys } from '../core/fixtures';
import { expectCode } from './expect-code';
import { contracts, setupWorld, T, who, type World } from './world';

let world: World;
beforeEach(async () => {
  world = await setupWorld();
});

function content(prevRoot: string, n: number, offset = 0): BatchContent {
  const records = Array.from({ length: n }, (_, i) =>
    exchangeContent({ observedAt: `2026-03-01T10:00:${String(i + offset).padStart(2, '0')}.000Z` }),
  );
  return buildBatch('health-gw-1', prevRoot, records);
}

function anchor(
  c: BatchContent,
  as = who.healthGateway,
  key = world.keys.privateKeyPem,
): ReturnType<World['net']['submit']> {
  return world.net.submit(
    contracts.exchange,
    'anchorBatch',
    [canonicalJson({ ...c, signature: signBatchAttestation(key, c) })],
    {
      as,
    },
  );
}

interface Outcome {
  readonly duplicate: boolean;
  readonly entry: BatchEntry;
}

describe('anchorBatch', () => {
  it('anchors a chain of batches per gateway, with sequence numbers and events', async () => {
    const first = content(GENESIS_ROOT, 3);
    const r1 = (await anchor(first)).json() as Outcome;
    expect(r1).toMatchObject({ duplicate: false, entry: { seq: 1, anchoredAt: T.now, batch: first } });
    const second = content(first.root, 2, 10);
    const res = await anchor(second);
    expect((res.json() as Outcome).entry.seq).toBe(2);
    expect(decodeEvent(res.event!.name, res.event!.payload)).toMatchObject({
      type: EVENTS.batchAnchored,
      gatewayId: 'health-gw-1',
      seq: 2,
      root: second.root,
      count: 2,
    });
    expect(JSON.parse(world.net.ledger.state.get('batchhead~health-gw-1')!.toString())).toMatchObject({
      seq: 2,
      root: second.root,
    });
  });

  it('returns the stored batch when the same batch is anchored again', async () => {
    const c = content(GENESIS_ROOT, 3);
    const first = (await anchor(c)).json() as Outcome;
    const again = await anchor(c);
    expect(again.json()).toEqual({ duplicate: true, entry: first.entry });
    expect(again.stub.writes.size).toBe(0);
  });

  it('refuses a batch that does not extend the chain with CONFLICT', async () => {
    await expectCode(anchor(content('a'.repeat(64), 3)), 'CONFLICT', /prevRoot/);
    const first = content(GENESIS_ROOT, 3);
    await anchor(first);
    await expectCode(anchor(content(GENESIS_ROOT, 2, 20)), 'CONFLICT');
  });

  it('refuses forged signatures and record signatures reused as batch signatures', async () => {
    await expectCode(
      anchor(content(GENESIS_ROOT, 3), who.healthGateway, p256Keys().privateKeyPem),
      'BAD_SIGNATURE',
    );
  });

  it('refuses callers other than the bound, active gateway', async () => {
    await expectCode(anchor(content(GENESIS_ROOT, 3), who.healthGateway2), 'UNAUTHORIZED');
    await expectCode(anchor(content(GENESIS_ROOT, 3), who.auditor), 'UNAUTHORIZED');
    await world.net.submit(contracts.gateways, 'updateGatewayStatus', ['health-gw-1', 'revoked', 'stolen'], {
      as: who.healthSteward,
    });
    await expectCode(anchor(content(GENESIS_ROOT, 3)), 'GATEWAY_NOT_ACTIVE');
  });

  it('refuses batches ending in the future', async () => {
    const c = buildBatch('health-gw-1', GENESIS_ROOT, [
      exchangeContent({ observedAt: '2026-03-02T00:00:00.000Z' }),
    ]);
    await expectCode(anchor(c), 'TIMESTAMP_OUT_OF_WINDOW');
  });

  it('validates counts before reading state', async () => {
    const c = content(GENESIS_ROOT, 3);
    const bad = { ...c, count: 4, signature: signBatchAttestation(world.keys.privateKeyPem, c) };
    await expectCode(
      world.net.submit(contracts.exchange, 'anchorBatch', [canonicalJson(bad)], { as: who.healthGateway }),
      'INVALID_ARGUMENT',
    );
    expect(world.net.lastStub?.reads).toBe(0);
  });

  it('shows batches to audit and the gateway department only', async () => {
    const c = content(GENESIS_ROOT, 3);
    const { entry } = (await anchor(c)).json() as Outcome;
    const bySeq = await world.net.evaluate(contracts.exchange, 'getBatch', ['health-gw-1', '1'], {
      as: who.auditor,
    });
    expect(bySeq.json()).toEqual(entry);
    const byId = await world.net.evaluate(contracts.exchange, 'getBatchById', [entry.id], {
      as: who.healthSteward,
    });
    expect(byId.json()).toEqual(entry);
    await expectCode(
      world.net.evaluate(contracts.exchange, 'getBatch', ['health-gw-1', '1'], { as: who.transportSteward }),
      'UNAUTHORIZED',
    );
    await expectCode(
      world.net.evaluate(contracts.exchange, 'getBatch', ['health-gw-1', '2'], { as: who.auditor }),
      'NOT_FOUND',
    );
    await expectCode(
      world.net.evaluate(contracts.exchange, 'getBatch', ['health-gw-1', '0'], { as: who.auditor }),
      'INVALID_ARGUMENT',
    );
  });
});
