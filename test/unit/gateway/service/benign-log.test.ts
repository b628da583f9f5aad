import path from 'node:path';
import {
  GENESIS_ROOT,
  batchId,
  canonicalBytes,
  parseBatchAnchor,
  verifyBatchAttestation,
  verifyInclusion,
} from '@cityledger/core';
import { BATCH_LANE, BenignLog } from '../../../../gateway/src/benign-log';
import { openDatabase, openDatabaseFile, type Db } from '../../../../gateway/src/db';
import { flowRecordId } from '../../../../gateway/src/flow-record';
import { Outbox } from '../../../../gateway/src/outbox';
import { benignRecord, testSigner } from './fixtures';
import { ManualClock, tempDir } from './helpers';

describe('BenignLog', () => {
  let db: Db;
  let clock: ManualClock;
  let outbox: Outbox;
  const signer = testSigner();

  function log(maxRecords = 4, maxWaitMs = 10_000): BenignLog {
    return new BenignLog({
      db,
      outbox,
      signer,
      clock,
      gatewayId: 'transport-gw-1',
      policy: { maxRecords, maxWaitMs },
    });
  }
  function records(from: number, n: number) {
    return Array.from({ length: n }, (_, i) => benignRecord(from + i, clock.now()));
  }

  beforeEach(() => {
    db = openDatabaseFile(':memory:');
    clock = new ManualClock();
    outbox = new Outbox(db, clock);
  });
  afterEach(() => db.close());

  it('cuts a batch when maxRecords are waiting, not before', async () => {
    const l = log(4);
    l.append(records(0, 3));
    expect(l.due()).toBe(false);
    expect(await l.cutDue()).toEqual([]);
    l.append(records(3, 6));
    expect(l.unbatched).toBe(9);
    const cut = await l.cutDue();
    expect(cut.map((b) => [b.seq, b.anchor.count])).toEqual([
      [1, 4],
      [2, 4],
    ]);
    expect(l.unbatched).toBe(1);
  });

  it('cuts a partial batch once its oldest record has waited maxWaitMs', async () => {
    const l = log(100, 5_000);
    l.append(records(0, 2));
    clock.advance(4_999);
    l.append(records(2, 1));
    expect(l.due()).toBe(false);
    clock.advance(1);
    expect(l.due()).toBe(true);
    const [batch] = await l.cutDue();
    expect(batch?.anchor.count).toBe(3);
    expect(l.due()).toBe(false);
  });

  it('chains each batch to the previous root, from genesis, and queues the signed anchor in its lane', async () => {
    const l = log(3);
    l.append(records(0, 9));
    const cut = await l.cutDue();
    expect(cut.map((b) => b.anchor.prevRoot)).toEqual([
      GENESIS_ROOT,
      cut[0]!.anchor.root,
      cut[1]!.anchor.root,
    ]);
    for (const b of cut) {
      expect(parseBatchAnchor(b.anchor)).toEqual(b.anchor);
      expect(verifyBatchAttestation(signer.publicKeyPem, b.anchor)).toBe(true);
      expect(batchId(b.anchor)).toBe(b.id);
      expect(b.anchor.verdictCounts).toEqual({ benign: 3, suspicious: 0, malicious: 0 });
      expect(b.anchor.categoryCounts).toEqual({ 'transport/network-flows': 3 });
      const row = outbox.get(b.id);
      expect(row).toMatchObject({ kind: 'batch', state: 'pending' });
      expect(JSON.parse(row!.payload)).toEqual(b.anchor);
    }
    expect(outbox.claim(10, ['batch']).map((r) => r.id)).toEqual([cut[0]!.id]);
    expect(BATCH_LANE).toBe('batches');
  });

  it('serves every logged record with a proof that verifies against its batch root', async () => {
    const l = log(5);
    const logged = records(0, 13);
    const ids = l.append(logged);
    await l.cutDue();
    expect(l.unbatched).toBe(3);
    for (const [i, id] of ids.entries()) {
      const proof = l.proof(id)!;
      expect(proof.record).toEqual(logged[i]);
      expect(flowRecordId(proof.record)).toBe(id);
      if (i >= 10) {
        expect(proof.batch).toBeNull();
        continue;
      }
      const b = proof.batch!;
      expect(b.seq).toBe(Math.floor(i / 5) + 1);
      expect(b.proof).toMatchObject({ index: i % 5, size: 5 });
      expect(verifyInclusion(canonicalBytes(proof.record), b.proof, b.anchor.root)).toBe(true);
      // The same proof does not verify for another record or another batch's root.
      expect(verifyInclusion(canonicalBytes(logged[(i + 1) % 10]), b.proof, b.anchor.root)).toBe(false);
    }
    expect(l.proof('f'.repeat(64))).toBeUndefined();
  });

  it('logs a record once however often it is appended', async () => {
    const l = log(10, 1);
    const r = records(0, 2);
    expect(l.append(r)).toEqual(l.append(r));
    expect(l.unbatched).toBe(2);
    clock.advance(1);
    const [batch] = await l.cutDue();
    expect(batch?.anchor.count).toBe(2);
  });

  it('continues the chain after a restart', async () => {
    const tmp = tempDir();
    try {
      const dir = path.join(tmp.dir, 'restart');
      db = openDatabase(dir);
      outbox = new Outbox(db, clock);
      log(2).append(records(0, 3));
      const [first] = await log(2).cutDue();
      db.close();
      db = openDatabase(dir);
      outbox = new Outbox(db, clock);
      const reopened = log(2);
      expect(reopened.unbatched).toBe(1);
      reopened.append(records(3, 1));
      const [second] = await reopened.cutDue();
      expect(second).toMatchObject({ seq: 2 });
      expect(second!.anchor.prevRoot).toBe(first!.anchor.root);
      db.close();
      db = openDatabaseFile(':memory:');
    } finally {
      tmp.remove();
    }
  });
});
