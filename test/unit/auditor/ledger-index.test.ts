import type { CloseableAsyncIterable } from '@hyperledger/fabric-gateway';
import type { common } from '@hyperledger/fabric-protos';
import { EVENTS, type CityLedgerEvent } from '@cityledger/core';
import { IndexFollower, type BlockSource } from '../../../auditor/src/index-follower';
import { IndexQueries } from '../../../auditor/src/index-queries';
import { LedgerIndex } from '../../../auditor/src/ledger-index';
import { block, type TxSpec } from './blocks';
import {
  alertContent,
  alertEntry,
  at,
  batchChain,
  content,
  entryFor,
  gateway,
  model,
  policyV1,
} from './world';

/** The transport boundary: a peer's block stream over a fixed list of blocks. */
class FakeSource implements BlockSource {
  readonly chaincode = 'cityledger';
  readonly starts: bigint[] = [];
  constructor(private readonly list: common.Block[]) {}
  blockHeader(n: bigint): Promise<{ dataHash: string }> {
    const header = this.list[Number(n)]?.getHeader();
    return header === undefined
      ? Promise.reject(new Error(`no block ${n}`))
      : Promise.resolve({ dataHash: Buffer.from(header.getDataHash_asU8()).toString('hex') });
  }
  height(): Promise<bigint> {
    return Promise.resolve(BigInt(this.list.length));
  }
  blocks(startBlock: bigint): Promise<CloseableAsyncIterable<common.Block>> {
    this.starts.push(startBlock);
    const list = this.list.slice(Number(startBlock));
    return Promise.resolve({
      close: () => undefined,
      [Symbol.dispose]: () => undefined,
      async *[Symbol.asyncIterator]() {
        for (const b of list) {
          yield await Promise.resolve(b);
        }
      },
    });
  }
}

const records = [
  entryFor(content({ observedAt: at(10) })),
  entryFor(content({ observedAt: at(11), threatScore: 0.6 })),
  entryFor(content({ observedAt: at(12), threatScore: 0.95 })),
  entryFor(content({ observedAt: at(40), purpose: 'marketing' })),
];
const chain = batchChain(5);
const flowAlert = alertEntry(alertContent());
const flagged: CityLedgerEvent = {
  type: EVENTS.exchangeFlagged,
  txId: 'tx-r2',
  at: at(12),
  recordId: records[2]!.id,
  gatewayId: gateway.id,
  sourceDepartment: 'health',
  consumerDepartment: 'transport',
  category: records[2]!.record.category,
  purpose: 'emergency-planning',
  verdict: 'malicious',
  threatScore: 0.95,
  decision: 'deny',
  denyReason: 'verdict-too-high',
};
const txs: TxSpec[][] = [
  [
    {
      txId: 'tx-gw',
      timestamp: at(0),
      writes: [{ key: `gateway~${gateway.id}`, value: gateway }],
      event: {
        name: EVENTS.gatewayRegistered,
        payload: {
          type: EVENTS.gatewayRegistered,
          txId: 'tx-gw',
          at: at(0),
          gatewayId: gateway.id,
          department: 'health',
          status: 'active',
        },
      },
    },
  ],
  [
    {
      txId: 'tx-model',
      timestamp: at(1),
      writes: [{ key: `model~${model.id}~${model.version}`, value: model }],
    },
    {
      txId: 'tx-pol',
      timestamp: at(2),
      writes: [{ key: `policy~${policyV1.category}~000000001`, value: policyV1 }],
    },
  ],
  records.map((e, i) => ({
    txId: `tx-r${i}`,
    timestamp: e.recordedAt,
    writes: [{ key: `record~${e.id}`, value: e }],
    ...(i === 2 ? { event: { name: EVENTS.exchangeFlagged, payload: flagged } } : {}),
  })),
  chain.batches.map((b) => ({
    txId: b.txId,
    timestamp: b.anchoredAt,
    writes: [{ key: `batch~${gateway.id}~${String(b.seq).padStart(10, '0')}`, value: b }],
  })),
  [{ txId: 'tx-alert', timestamp: at(16), writes: [{ key: `flowalert~${flowAlert.id}`, value: flowAlert }] }],
  [
    {
      txId: 'tx-bad',
      timestamp: at(45),
      writes: [{ key: `record~${'e'.repeat(64)}`, value: { ...records[0]!, id: 'e'.repeat(64) } }],
      code: 11,
    },
  ],
];
const blocks = txs.map((t, i) => block(i, t));
const hour = { fromMs: Date.parse(at(0)), toMs: Date.parse(at(60)), bucketMs: 10 * 60_000 };

describe('off-chain index', () => {
  it('indexes records, batches, registries and events from blocks, with zones', async () => {
    const index = LedgerIndex.open(':memory:');
    const seen: string[] = [];
    const follower = new IndexFollower(index, new FakeSource(blocks), {
      onEvents: (events) => seen.push(...events.map((e) => e.event.type)),
    });
    expect(await follower.syncTo(BigInt(blocks.length))).toBe(blocks.length);
    expect(index.nextBlock()).toBe(6n);
    const q = new IndexQueries(index.db);
    expect(q.counts()).toEqual({ records: 4, flowAlerts: 1, batches: 3, alerts: 2 });
    expect(seen).toEqual([EVENTS.gatewayRegistered, EVENTS.exchangeFlagged]);
    expect(q.totals(hour)).toMatchObject({
      records: 4,
      denied: 2,
      benign: 2,
      suspicious: 1,
      malicious: 1,
      batches: 3,
      batchedFlows: 15,
    });
    const volume = q.volume(hour);
    expect(volume.records.benign).toEqual([0, 1, 0, 0, 1, 0]);
    expect(volume.records.malicious).toEqual([0, 1, 0, 0, 0, 0]);
    expect(volume.denied).toEqual([0, 1, 0, 0, 1, 0]);
    expect(volume.batched.benign.reduce((a, b) => a + b, 0)).toBe(15);
    expect(q.threatTimeline(hour)).toEqual([
      {
        zone: 'hospital-north',
        gateways: [gateway.id],
        suspicious: [0, 1, 0, 0, 0, 0],
        malicious: [0, 2, 0, 0, 0, 0], // one exchange record and one flow alert
      },
    ]);
    expect(q.gateways()).toMatchObject([
      { id: gateway.id, zone: 'hospital-north', status: 'active', versions: 1 },
    ]);
    expect(q.models()).toMatchObject([{ ref: `${model.id}@${model.version}`, status: 'active' }]);
    expect(q.policyChanges(10)).toMatchObject([{ category: policyV1.category, version: 1 }]);
    expect(q.denials(10).map((r) => r.deny_reason)).toEqual(['purpose-not-allowed', 'verdict-too-high']);
    expect(q.alerts(10)[0]).toMatchObject({
      type: EVENTS.exchangeFlagged,
      zone: 'hospital-north',
      record_id: records[2]!.id,
    });
    expect(q.searchRecords(records[3]!.id.slice(0, 6), 5).map((r) => r.id)).toContain(records[3]!.id);
    const risk = q.risk(hour, { threshold: 0.2, horizon: 2 });
    expect(risk[0]!.buckets.reduce((n, b) => n + b.total, 0)).toBe(4 + 15 + 1);
    expect(risk[0]!.buckets.reduce((n, b) => n + b.flagged, 0)).toBe(3);
    expect(q.totals(hour)).toMatchObject({ flowAlerts: 1, alertsMalicious: 1 });
    expect(q.volume(hour).alerts.malicious).toEqual([0, 1, 0, 0, 0, 0]);
    index.close();
  });

  it('indexes a transaction of several flow alerts, its one event attributed to their gateway and zone', async () => {
    const two = [
      alertEntry(alertContent({ flowRef: 'a'.repeat(64) })),
      alertEntry(alertContent({ flowRef: 'b'.repeat(64), threatScore: 0.6, verdict: 'suspicious' })),
    ].map((e) => ({ ...e, txId: 'tx-alerts' }));
    const event: CityLedgerEvent = {
      type: EVENTS.flowAlerts,
      txId: 'tx-alerts',
      at: at(16),
      alerts: two.map((e) => ({
        alertId: e.id,
        gatewayId: e.alert.gatewayId,
        department: e.department,
        zone: e.zone,
        verdict: e.alert.verdict,
        threatScore: e.alert.threatScore,
        observedAt: e.alert.observedAt,
        protocol: e.alert.protocol,
        dstPortBucket: e.alert.dstPortBucket,
        modelId: e.alert.modelId,
        modelVersion: e.alert.modelVersion,
      })),
    };
    const list = [
      block(0, txs[0]!),
      block(1, [
        {
          txId: 'tx-alerts',
          timestamp: at(16),
          writes: two.map((e) => ({ key: `flowalert~${e.id}`, value: e })),
          event: { name: EVENTS.flowAlerts, payload: event },
        },
      ]),
    ];
    const index = LedgerIndex.open(':memory:');
    const seen: CityLedgerEvent[] = [];
    await new IndexFollower(index, new FakeSource(list), {
      onEvents: (events) => seen.push(...events.map((e) => e.event)),
    }).syncTo(2n);
    const q = new IndexQueries(index.db);
    expect(q.counts()).toMatchObject({ flowAlerts: 2, alerts: 2 });
    expect(seen.map((e) => e.type)).toEqual([EVENTS.gatewayRegistered, EVENTS.flowAlerts]);
    expect(q.alerts(10)[0]).toMatchObject({
      type: EVENTS.flowAlerts,
      zone: 'hospital-north',
      gateway: gateway.id,
    });
    expect(q.totals(hour)).toMatchObject({ flowAlerts: 2, alertsMalicious: 1 });
    index.close();
  });

  it('resumes at its checkpoint: no block skipped or applied twice', async () => {
    const index = LedgerIndex.open(':memory:');
    const source = new FakeSource(blocks);
    await new IndexFollower(index, source).syncTo(2n);
    expect(index.nextBlock()).toBe(2n);
    const events: string[] = [];
    await new IndexFollower(index, source, {
      onEvents: (e) => events.push(...e.map((x) => x.event.type)),
    }).syncTo(6n);
    expect(source.starts).toEqual([0n, 2n]);
    expect(events).toEqual([EVENTS.exchangeFlagged]);
    expect(new IndexQueries(index.db).counts()).toEqual({ records: 4, flowAlerts: 1, batches: 3, alerts: 2 });
    index.close();
  });

  it('rebuilds from block 0 to the same content', async () => {
    const index = LedgerIndex.open(':memory:');
    const source = new FakeSource(blocks);
    await new IndexFollower(index, source).syncTo(6n);
    const before = index.db.prepare('SELECT * FROM records ORDER BY id').all();
    index.reset();
    expect(index.nextBlock()).toBe(0n);
    expect(new IndexQueries(index.db).counts().records).toBe(0);
    await new IndexFollower(index, source).syncTo(6n);
    expect(index.db.prepare('SELECT * FROM records ORDER BY id').all()).toEqual(before);
    index.close();
  });

  it('refuses a block out of order', async () => {
    const index = LedgerIndex.open(':memory:');
    const shuffled = new FakeSource([blocks[0]!, blocks[2]!]);
    await expect(new IndexFollower(index, shuffled).syncTo(2n)).rejects.toThrow(
      /block 2 arrived, expected 1/,
    );
    expect(index.nextBlock()).toBe(1n);
    index.close();
  });

  it('rebuilds from block 0 when the peer holds another chain (network recreated)', async () => {
    const index = LedgerIndex.open(':memory:');
    await new IndexFollower(index, new FakeSource(blocks)).syncTo(6n);
    const recreated = new FakeSource(txs.slice(0, 3).map((t, i) => block(i, t, 'cityledger', 'b')));
    const warnings: string[] = [];
    const follower = new IndexFollower(index, recreated, {
      log: { info: () => undefined, warn: (_o, m) => warnings.push(m) },
    });
    await follower.syncTo(3n);
    expect(warnings).toEqual([expect.stringMatching(/another chain/)]);
    expect(recreated.starts).toEqual([0n]);
    expect(index.nextBlock()).toBe(3n);
    expect(new IndexQueries(index.db).counts()).toMatchObject({ records: 4, batches: 0 });
    // Same chain: no reset.
    expect(await new IndexFollower(index, recreated).resetIfOtherChain()).toBe(false);
    index.close();
  });

  it('stops promptly, even while waiting to reconnect', async () => {
    const index = LedgerIndex.open(':memory:');
    const failing: BlockSource = {
      chaincode: 'cityledger',
      height: () => Promise.resolve(0n),
      blocks: () => Promise.reject(new Error('UNAVAILABLE')),
    };
    const follower = new IndexFollower(index, failing, { retryMs: 60_000 });
    const running = follower.run();
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    follower.stop();
    await running;
    expect(Date.now() - started).toBeLessThan(1000);
    index.close();
  });
});
