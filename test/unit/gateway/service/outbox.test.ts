import path from 'node:path';
import { CityLedgerError } from '@cityledger/core';
import { openDatabase, openDatabaseFile, type Db } from '../../../../gateway/src/db';
import { Outbox } from '../../../../gateway/src/outbox';
import { canTransition, isFinal, OUTBOX_STATES } from '../../../../gateway/src/outbox-state';
import { ManualClock, tempDir } from './helpers';

function row(n: number, kind: 'exchange' | 'flow-alert' | 'batch' = 'exchange') {
  return { id: `id-${n}`, kind, payload: `{"n":${n}}` };
}

function internal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(CityLedgerError);
    expect((err as CityLedgerError).code).toBe('INTERNAL');
    return (err as Error).message;
  }
  throw new Error('expected an INTERNAL error');
}

describe('outbox state machine', () => {
  it('allows exactly the documented transitions', () => {
    const allowed = OUTBOX_STATES.flatMap((from) =>
      OUTBOX_STATES.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`),
    );
    expect(allowed.sort()).toEqual(
      ['pending->submitting', 'submitting->committed', 'submitting->pending', 'submitting->rejected'].sort(),
    );
    expect(OUTBOX_STATES.filter(isFinal)).toEqual(['committed', 'rejected']);
  });
});

describe('Outbox', () => {
  let db: Db;
  let clock: ManualClock;
  let outbox: Outbox;
  beforeEach(() => {
    db = openDatabaseFile(':memory:');
    clock = new ManualClock();
    outbox = new Outbox(db, clock);
  });
  afterEach(() => db.close());

  it('accepts rows as pending, and the same id again as a no-op', () => {
    expect(outbox.accept([row(1), row(2)])).toEqual([true, true]);
    expect(outbox.accept([row(2), row(3)])).toEqual([false, true]);
    expect(outbox.counts()).toEqual({ pending: 3, submitting: 0, committed: 0, rejected: 0 });
    expect(outbox.get('id-2')).toMatchObject({ state: 'pending', attempts: 0, payload: '{"n":2}' });
  });

  it('keeps the first payload when an id comes back with another', () => {
    outbox.accept([row(1)]);
    outbox.accept([{ ...row(1), payload: 'other' }]);
    expect(outbox.get('id-1')?.payload).toBe('{"n":1}');
  });

  it('claims due rows of the asked kinds, oldest first, up to the limit', () => {
    outbox.accept([row(1)]);
    clock.advance(10);
    outbox.accept([row(2, 'flow-alert'), row(3)]);
    clock.advance(10);
    outbox.accept([row(4)]);
    const claimed = outbox.claim(2, ['exchange']);
    expect(claimed.map((r) => r.id)).toEqual(['id-1', 'id-3']);
    expect(claimed.every((r) => r.state === 'submitting' && r.attempts === 1)).toBe(true);
    expect(outbox.claim(10, ['exchange']).map((r) => r.id)).toEqual(['id-4']);
    expect(outbox.get('id-2')?.state).toBe('pending');
    expect(outbox.claim(10, [])).toEqual([]);
    expect(outbox.counts()).toMatchObject({ pending: 1, submitting: 3 });
  });

  it('claims urgent rows (malicious alerts) before older normal ones, keeps a restart from reordering', () => {
    outbox.accept(Array.from({ length: 5 }, (_, i) => row(i, 'flow-alert')));
    clock.advance(10);
    outbox.accept([{ ...row(10, 'flow-alert'), urgent: true }, row(11, 'batch')]);
    clock.advance(10);
    outbox.accept([{ ...row(12, 'flow-alert'), urgent: true }]);
    const first = outbox.claim(3, ['flow-alert', 'batch']);
    expect(first.map((r) => [r.id, r.urgent])).toEqual([
      ['id-10', true],
      ['id-12', true],
      ['id-0', false],
    ]);
    // Back to pending (a crash): still urgent, still first.
    expect(outbox.recover()).toBe(3);
    expect(outbox.claim(2, ['flow-alert', 'batch']).map((r) => r.id)).toEqual(['id-10', 'id-12']);
    expect(outbox.get('id-11')).toMatchObject({ state: 'pending', urgent: false });
  });

  it('records the commit, the retry and the rejection of a row', () => {
    outbox.accept([row(1), row(2), row(3)]);
    outbox.claim(3, ['exchange']);
    outbox.markCommitted('id-1', { txId: 'tx-a', block: 42n, duplicate: false });
    outbox.markRetry('id-2', 'UNAVAILABLE', 'peer down', clock.now() + 500);
    outbox.markRejected('id-3', 'BAD_SIGNATURE', 'does not verify');
    expect(outbox.get('id-1')).toMatchObject({
      state: 'committed',
      txId: 'tx-a',
      block: 42,
      duplicate: false,
    });
    expect(outbox.get('id-2')).toMatchObject({
      state: 'pending',
      errorCode: 'UNAVAILABLE',
      dueAt: clock.now() + 500,
    });
    expect(outbox.get('id-3')).toMatchObject({ state: 'rejected', errorCode: 'BAD_SIGNATURE', txId: null });
    expect(outbox.counts()).toEqual({ pending: 1, submitting: 0, committed: 1, rejected: 1 });
    expect(outbox.unsettled()).toBe(1);
  });

  it('does not hand out a retried row before it is due', () => {
    outbox.accept([row(1)]);
    outbox.claim(1, ['exchange']);
    outbox.markRetry('id-1', 'MVCC_CONFLICT', 'conflict', clock.now() + 1_000);
    expect(outbox.claim(1, ['exchange'])).toEqual([]);
    expect(outbox.nextDueAt(['exchange'])).toBe(clock.now() + 1_000);
    clock.advance(1_000);
    expect(outbox.claim(1, ['exchange'])[0]).toMatchObject({ id: 'id-1', attempts: 2 });
  });

  it('refuses transitions the state machine does not have', () => {
    outbox.accept([row(1)]);
    expect(
      internal(() => {
        outbox.markCommitted('id-1', { txId: 't', block: 1, duplicate: false });
      }),
    ).toContain('row id-1 is pending, cannot go submitting → committed');
    outbox.claim(1, ['exchange']);
    outbox.markRejected('id-1', 'INVALID_ARGUMENT', 'bad');
    expect(
      internal(() => {
        outbox.markRetry('id-1', 'UNAVAILABLE', 'x', 0);
      }),
    ).toContain('is rejected');
    expect(
      internal(() => {
        outbox.markCommitted('id-9', { txId: 't', block: 1, duplicate: false });
      }),
    ).toContain('is absent');
    expect(outbox.counts()).toEqual({ pending: 0, submitting: 0, committed: 0, rejected: 1 });
  });

  it('submits a lane strictly in order: only its earliest unsettled row is claimable', () => {
    const batch = (n: number) => ({ ...row(n, 'batch'), lane: 'batches', laneSeq: n });
    outbox.accept([batch(2), batch(1), batch(3), row(9)]);
    // Accepted out of order, the lane still starts with laneSeq 1.
    expect(
      outbox
        .claim(10, ['batch', 'exchange'])
        .map((r) => r.id)
        .sort(),
    ).toEqual(['id-1', 'id-9']);
    // id-1 in flight: nothing else of the lane, even after it goes back to pending and is due.
    expect(outbox.claim(10, ['batch'])).toEqual([]);
    outbox.markRetry('id-1', 'UNAVAILABLE', 'down', clock.now());
    expect(outbox.claim(10, ['batch']).map((r) => r.id)).toEqual(['id-1']);
    outbox.markCommitted('id-1', { txId: 't1', block: 1, duplicate: false });
    expect(outbox.claim(10, ['batch']).map((r) => r.id)).toEqual(['id-2']);
    outbox.markRejected('id-2', 'CONFLICT', 'prevRoot');
    expect(outbox.claim(10, ['batch']).map((r) => r.id)).toEqual(['id-3']);
  });
});

describe('Outbox crash recovery', () => {
  const tmp = tempDir();
  afterAll(() => {
    tmp.remove();
  });

  it('opens the database in WAL mode with synchronous FULL', () => {
    const db = openDatabase(path.join(tmp.dir, 'pragmas'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    db.close();
  });

  it('finds rows left submitting by a dead process and makes them pending again', () => {
    const dir = path.join(tmp.dir, 'crash');
    const clock = new ManualClock();
    const first = openDatabase(dir);
    const before = new Outbox(first, clock);
    before.accept([row(1), row(2), row(3), row(4)]);
    before.claim(3, ['exchange']);
    before.markCommitted('id-1', { txId: 'tx1', block: 7, duplicate: false });
    // The process dies here: id-2 and id-3 were being submitted. No clean shutdown.
    first.close();

    clock.advance(60_000);
    const second = openDatabase(dir);
    const after = new Outbox(second, clock);
    expect(after.counts()).toEqual({ pending: 1, submitting: 2, committed: 1, rejected: 0 });
    expect(after.recover()).toBe(2);
    expect(after.counts()).toEqual({ pending: 3, submitting: 0, committed: 1, rejected: 0 });
    const again = after.claim(10, ['exchange']);
    expect(again.map((r) => r.id).sort()).toEqual(['id-2', 'id-3', 'id-4']);
    expect(again.find((r) => r.id === 'id-2')?.attempts).toBe(2);
    expect(after.get('id-1')).toMatchObject({ state: 'committed', txId: 'tx1' });
    // Accepting the recovered records again (a producer replaying its input) changes nothing.
    expect(after.accept([row(1), row(2)])).toEqual([false, false]);
    second.close();
  });
});
