import type { Committed } from '@cityledger/client';
import { CityLedgerError, type ErrorCode } from '@cityledger/core';
import { backoffDelay } from '../../../../gateway/src/backoff';
import { openDatabaseFile, type Db } from '../../../../gateway/src/db';
import { FailoverLedger } from '../../../../gateway/src/failover-ledger';
import { GatewayMetrics } from '../../../../gateway/src/metrics';
import { Outbox } from '../../../../gateway/src/outbox';
import { Submitter } from '../../../../gateway/src/submitter';
import { FakeLedger, ledgerError, ManualClock, memoryLogger, seededRandom } from './helpers';

const BACKOFF = { initialMs: 100, maxMs: 1_000, multiplier: 2, jitter: 0.5 };
const FUNCTIONS = { exchange: 'recordExchange', batch: 'anchorBatch' } as const;

describe('backoffDelay', () => {
  it('grows exponentially up to the cap without jitter', () => {
    const policy = { ...BACKOFF, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6, 20].map((n) => backoffDelay(policy, n, () => 0.7))).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000,
    ]);
  });

  it('draws the jittered fraction from the random source', () => {
    expect(backoffDelay(BACKOFF, 3, () => 0)).toBe(200);
    expect(backoffDelay(BACKOFF, 3, () => 0.999999)).toBe(400);
    const full = { ...BACKOFF, jitter: 1 };
    const random = seededRandom(7);
    const delays = Array.from({ length: 200 }, () => backoffDelay(full, 4, random));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...delays)).toBeLessThanOrEqual(800);
    expect(new Set(delays).size).toBeGreaterThan(50);
  });
});

describe('Submitter', () => {
  let db: Db;
  let clock: ManualClock;
  let outbox: Outbox;
  let ledger: FakeLedger;
  let metrics: GatewayMetrics;
  let log: ReturnType<typeof memoryLogger>;

  function submitter(overrides: Partial<ConstructorParameters<typeof Submitter>[0]> = {}): Submitter {
    return new Submitter({
      outbox,
      ledger,
      clock,
      random: seededRandom(1),
      metrics,
      logger: log.logger,
      concurrency: 4,
      pollMs: 50,
      backoff: BACKOFF,
      functions: FUNCTIONS,
      ...overrides,
    });
  }

  beforeEach(() => {
    db = openDatabaseFile(':memory:');
    clock = new ManualClock();
    outbox = new Outbox(db, clock);
    ledger = new FakeLedger();
    metrics = new GatewayMetrics();
    log = memoryLogger();
  });
  afterEach(() => db.close());

  async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
    const metric = (await metrics.registry.getMetricsAsJSON()).find(
      (m) => m.name === `cityledger_gateway_${name}`,
    );
    const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
    return value?.value ?? 0;
  }

  it('submits each row with its kind’s chaincode function and records the commit', async () => {
    outbox.accept([
      { id: 'r1', kind: 'exchange', payload: '{"record":1}' },
      { id: 'b1', kind: 'batch', payload: '{"batch":1}', lane: 'batches', laneSeq: 1 },
    ]);
    clock.advance(1_500);
    await submitter().pump();
    expect(ledger.calls.map((c) => [c.fn, c.args])).toEqual(
      expect.arrayContaining([
        ['recordExchange', ['{"record":1}']],
        ['anchorBatch', ['{"batch":1}']],
      ]),
    );
    expect(outbox.get('r1')).toMatchObject({ state: 'committed', duplicate: false });
    expect(outbox.get('r1')?.txId).toMatch(/^tx\d$/);
    expect(outbox.get('b1')?.block).toBeGreaterThan(100);
    const text = await metrics.text();
    expect(text).toContain('cityledger_gateway_commit_latency_seconds_sum{kind="exchange"} 1.5');
  });

  it('leaves kinds without a chaincode function in the outbox', async () => {
    outbox.accept([{ id: 'f1', kind: 'flow-alert', payload: '{}' }]);
    const s = submitter();
    expect(s.kinds).toEqual(['exchange', 'batch']);
    await s.pump();
    expect(ledger.calls).toHaveLength(0);
    expect(outbox.get('f1')?.state).toBe('pending');
    await submitter({ functions: { ...FUNCTIONS, 'flow-alert': 'recordFlowAlert' } }).pump();
    expect(ledger.calls.map((c) => c.fn)).toEqual(['recordFlowAlert']);
    expect(outbox.get('f1')?.state).toBe('committed');
  });

  it.each<ErrorCode>(['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'MVCC_CONFLICT'])(
    'retries %s with backoff until it commits',
    async (code) => {
      outbox.accept([{ id: 'r1', kind: 'exchange', payload: '{}' }]);
      ledger.respond = (call, n) => {
        if (n <= 3) {
          throw ledgerError(code);
        }
        return ledger.store(call);
      };
      const s = submitter({ backoff: { ...BACKOFF, jitter: 0 } });
      const dueTimes: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        await s.pump();
        const row = outbox.get('r1')!;
        expect(row).toMatchObject({ state: 'pending', errorCode: code, attempts: i + 1 });
        dueTimes.push(row.dueAt - clock.now());
        await s.pump(); // not due yet: nothing happens
        expect(ledger.calls).toHaveLength(i + 1);
        clock.advance(row.dueAt - clock.now());
      }
      expect(dueTimes).toEqual([100, 200, 400]);
      await s.pump();
      expect(outbox.get('r1')).toMatchObject({ state: 'committed', attempts: 4 });
      expect(await metricValue('submit_retries_total', { code })).toBe(3);
    },
  );

  it.each<ErrorCode>([
    'BAD_SIGNATURE',
    'INVALID_ARGUMENT',
    'GATEWAY_NOT_ACTIVE',
    'POLICY_NOT_IN_FORCE',
    'INTERNAL',
  ])('rejects the row on %s without retrying, and says so', async (code) => {
    outbox.accept([{ id: 'r1', kind: 'exchange', payload: '{}' }]);
    ledger.respond = () => {
      throw ledgerError(code, 'from the chain');
    };
    const s = submitter();
    await s.pump();
    clock.advance(60_000);
    await s.pump();
    expect(ledger.calls).toHaveLength(1);
    expect(outbox.get('r1')).toMatchObject({
      state: 'rejected',
      errorCode: code,
      errorDetail: 'from the chain',
    });
    expect(await metricValue('records_rejected_total', { kind: 'exchange', code })).toBe(1);
    expect(log.lines().find((l) => l.msg === 'record rejected by the ledger')).toMatchObject({
      recordId: 'r1',
      code,
    });
  });

  it('rejects a non-ledger failure as INTERNAL', async () => {
    outbox.accept([{ id: 'r1', kind: 'exchange', payload: '{}' }]);
    ledger.respond = () => {
      throw new TypeError('boom');
    };
    await submitter().pump();
    expect(outbox.get('r1')).toMatchObject({ state: 'rejected', errorCode: 'INTERNAL', errorDetail: 'boom' });
  });

  it('counts a duplicate answer, or ALREADY_EXISTS, as committed', async () => {
    outbox.accept([
      { id: 'r1', kind: 'exchange', payload: 'p1' },
      { id: 'r2', kind: 'exchange', payload: 'p2' },
    ]);
    ledger.stored.set('p1', 'recordExchange');
    ledger.respond = (call) => {
      if (call.args[0] === 'p2') {
        throw ledgerError('ALREADY_EXISTS');
      }
      return ledger.store(call);
    };
    await submitter().pump();
    expect(outbox.get('r1')).toMatchObject({ state: 'committed', duplicate: true });
    expect(outbox.get('r2')).toMatchObject({ state: 'committed', duplicate: true, txId: null });
    expect(await metricValue('records_committed_total', { kind: 'exchange', duplicate: 'true' })).toBe(2);
  });

  it('settles a record the chain replaced by a POLICY_MISMATCH incident as rejected, with its transaction', async () => {
    outbox.accept([{ id: 'r1', kind: 'exchange', payload: '{}' }]);
    ledger.respond = () => ledger.committed({ accepted: false, code: 'POLICY_MISMATCH', duplicate: false });
    await submitter().pump();
    expect(outbox.get('r1')).toMatchObject({
      state: 'rejected',
      errorCode: 'POLICY_MISMATCH',
      txId: 'tx1',
      block: 101,
    });
  });

  it('never has more submissions in flight than its concurrency', async () => {
    outbox.accept(
      Array.from({ length: 10 }, (_, i) => ({ id: `r${i}`, kind: 'exchange' as const, payload: `p${i}` })),
    );
    let inFlight = 0;
    let peak = 0;
    ledger.respond = async (call) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight -= 1;
      return ledger.store(call);
    };
    const s = submitter({ concurrency: 3 });
    expect(s.fill()).toBe(3);
    expect(s.fill()).toBe(0);
    await s.pump();
    expect(peak).toBe(3);
    expect(outbox.counts().committed).toBe(10);
  });

  it('commits every record exactly once across a crash mid-submission', async () => {
    const payloads = Array.from({ length: 6 }, (_, i) => `record-${i}`);
    outbox.accept(payloads.map((p) => ({ id: p, kind: 'exchange' as const, payload: p })));
    // First process: the chain commits every transaction, but the answers never come back.
    ledger.respond = (call) => {
      ledger.store(call);
      return new Promise<Committed>(() => undefined);
    };
    const first = submitter({ concurrency: 6 });
    first.fill();
    await new Promise((resolve) => setImmediate(resolve));
    expect(outbox.counts().submitting).toBe(6);
    // Crash; the restarted gateway recovers and resubmits.
    const restarted = new Outbox(db, clock);
    expect(restarted.recover()).toBe(6);
    outbox = restarted;
    ledger.respond = (call) => ledger.store(call);
    await submitter().pump();
    expect(outbox.counts()).toMatchObject({ committed: 6, pending: 0, submitting: 0 });
    expect([...ledger.stored.keys()].sort()).toEqual([...payloads].sort());
    expect(payloads.every((p) => outbox.get(p)?.duplicate === true)).toBe(true);
  });

  describe('flow alerts several to a transaction', () => {
    const ALERTS = { function: 'recordFlowAlerts', maxAlerts: 3, maxBytes: 65_536 };
    const alerts = (n: number, urgent: (i: number) => boolean = () => false) =>
      Array.from({ length: n }, (_, i) => ({
        id: `a${i}`,
        kind: 'flow-alert' as const,
        payload: `{"alert":${i}}`,
        urgent: urgent(i),
      }));
    /** Answers like recordFlowAlerts: each alert's result by `answer` (default: stored). */
    function chainAnswers(answer: (payload: unknown, i: number) => Record<string, unknown> = () => ({})) {
      ledger.respond = (call) => {
        const list = JSON.parse(call.args[0] ?? '[]') as unknown;
        if (!Array.isArray(list)) {
          return ledger.store(call); // recordFlowAlert: one alert
        }
        return ledger.committed({
          results: list.map((p, i) => ({
            id: `a${(p as { alert: number }).alert}`,
            stored: true,
            duplicate: false,
            ...answer(p, i),
          })),
        });
      };
    }
    const withAlerts = (o: Partial<ConstructorParameters<typeof Submitter>[0]> = {}) =>
      submitter({
        functions: { ...FUNCTIONS, 'flow-alert': 'recordFlowAlert' },
        flowAlertBatch: ALERTS,
        ...o,
      });

    it('sends due alerts in groups of at most maxAlerts as one JSON array each, urgent ones first', async () => {
      outbox.accept(alerts(7, (i) => i === 6));
      chainAnswers();
      await withAlerts({ concurrency: 1 }).pump();
      expect(ledger.calls.map((c) => c.fn)).toEqual([
        'recordFlowAlerts',
        'recordFlowAlerts',
        'recordFlowAlert',
      ]);
      expect(ledger.calls[0]?.args).toEqual(['[{"alert":6},{"alert":0},{"alert":1}]']);
      expect(ledger.calls[1]?.args).toEqual(['[{"alert":2},{"alert":3},{"alert":4}]']);
      // A group of one goes alone, to the single-alert function.
      expect(ledger.calls[2]?.args).toEqual(['{"alert":5}']);
      expect(outbox.counts()).toMatchObject({ committed: 7, pending: 0, submitting: 0 });
      expect(outbox.get('a1')?.txId).toBe(outbox.get('a6')?.txId);
      expect(await metricValue('records_committed_total', { kind: 'flow-alert', duplicate: 'false' })).toBe(
        7,
      );
    });

    it('settles each row by its own result: stored, duplicate, refused, or retried when transient', async () => {
      outbox.accept(alerts(3));
      chainAnswers(
        (_, i) =>
          [
            {},
            { duplicate: true },
            { stored: false, code: 'VERDICT_MISMATCH', detail: 'scores give suspicious' },
          ][i] ?? {},
      );
      await withAlerts().pump();
      expect(ledger.calls).toHaveLength(1);
      expect(outbox.get('a0')).toMatchObject({ state: 'committed', duplicate: false });
      expect(outbox.get('a1')).toMatchObject({ state: 'committed', duplicate: true });
      expect(outbox.get('a2')).toMatchObject({ state: 'rejected', errorCode: 'VERDICT_MISMATCH' });
      expect(outbox.get('a2')?.txId).toBe(outbox.get('a0')?.txId);

      outbox.accept(alerts(5).slice(3));
      chainAnswers((_, i) => (i === 0 ? { stored: false, code: 'MVCC_CONFLICT', detail: 'x' } : {}));
      await withAlerts().pump();
      expect(outbox.get('a3')).toMatchObject({ state: 'pending', errorCode: 'MVCC_CONFLICT' });
      expect(outbox.get('a4')?.state).toBe('committed');
    });

    it('fails every row of the group as if alone when the whole call fails', async () => {
      outbox.accept(alerts(3));
      ledger.respond = () => {
        throw ledgerError('UNAVAILABLE');
      };
      await withAlerts().pump();
      expect(['a0', 'a1', 'a2'].map((id) => outbox.get(id)?.state)).toEqual([
        'pending',
        'pending',
        'pending',
      ]);
      expect(outbox.get('a0')?.errorCode).toBe('UNAVAILABLE');
      ledger.respond = () => {
        throw ledgerError('UNAUTHORIZED');
      };
      clock.advance(10_000);
      await withAlerts().pump();
      expect(['a0', 'a1', 'a2'].map((id) => outbox.get(id)?.errorCode)).toEqual([
        'UNAUTHORIZED',
        'UNAUTHORIZED',
        'UNAUTHORIZED',
      ]);
      expect(outbox.counts()).toMatchObject({ rejected: 3 });
    });

    it('submits again, never settles, a row the answer does not account for', async () => {
      outbox.accept(alerts(2));
      ledger.respond = () => ledger.committed({ results: [{ id: 'a0', stored: true, duplicate: false }] });
      await withAlerts().pump();
      expect(outbox.get('a0')?.state).toBe('committed');
      expect(outbox.get('a1')).toMatchObject({ state: 'pending', errorCode: 'INTERNAL' });
      // An answer naming another alert at a row's place does not settle it either.
      outbox.accept(alerts(3).slice(2));
      ledger.respond = () =>
        ledger.committed({
          results: [
            { id: 'a2', stored: true, duplicate: false },
            { id: 'a9', stored: true, duplicate: false },
          ],
        });
      clock.advance(10_000);
      await withAlerts().pump();
      // a2 is due since its acceptance, a1 only after its backoff: a2 first.
      expect(ledger.calls.at(-1)?.args).toEqual(['[{"alert":2},{"alert":1}]']);
      expect(outbox.get('a1')?.state).toBe('pending');
      expect(outbox.get('a2')?.state).toBe('committed');
    });

    it('splits a group whose array would exceed the byte budget', async () => {
      outbox.accept(alerts(3));
      chainAnswers();
      // Each payload is 11 bytes: two fit in 2 + 11 + 1 + 11 = 25 bytes, three do not.
      await withAlerts({ flowAlertBatch: { ...ALERTS, maxBytes: 25 } }).pump();
      expect(ledger.calls.map((c) => c.args[0])).toEqual(['[{"alert":0},{"alert":1}]', '{"alert":2}']);
      expect(outbox.counts()).toMatchObject({ committed: 3 });
    });
  });

  it('runs on its own timer once started and stops cleanly', async () => {
    const s = submitter({ pollMs: 10 });
    s.start();
    outbox.accept([{ id: 'r1', kind: 'exchange', payload: 'p' }]);
    s.notify();
    for (let i = 0; i < 50 && outbox.get('r1')?.state !== 'committed'; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await s.stop(1_000);
    expect(outbox.get('r1')?.state).toBe('committed');
  });
});

describe('FailoverLedger', () => {
  function peer(name: string, fail: () => boolean) {
    const calls: string[] = [];
    const client = {
      calls,
      submit: (fn: string): Promise<Committed> => {
        calls.push(fn);
        return fail()
          ? Promise.reject(new CityLedgerError('UNAVAILABLE', `${name} down`))
          : Promise.resolve({ result: new Uint8Array(), transactionId: name, blockNumber: 1n });
      },
      evaluate: () => Promise.resolve(new Uint8Array()),
      close: () => undefined,
    };
    return { peer: name, client };
  }

  it('moves to the next peer when the current one is unavailable, once per failure', async () => {
    const a = peer('peer0', () => true);
    const b = peer('peer1', () => false);
    const moves: string[] = [];
    const ledger = new FailoverLedger([a, b], (from, to) => moves.push(`${from}->${to}`));
    const results = await Promise.allSettled([
      ledger.submit('f', []),
      ledger.submit('f', []),
      ledger.submit('f', []),
    ]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
    expect(moves).toEqual(['peer0->peer1']);
    expect((await ledger.submit('f', [])).transactionId).toBe('peer1');
    expect(a.client.calls).toHaveLength(3);
  });

  it('keeps the peer on other errors', async () => {
    const a = { peer: 'peer0', client: { ...peer('peer0', () => false).client } };
    a.client.submit = () => Promise.reject(new CityLedgerError('MVCC_CONFLICT', 'conflict'));
    const ledger = new FailoverLedger([a, peer('peer1', () => false)]);
    await expect(ledger.submit('f', [])).rejects.toMatchObject({ code: 'MVCC_CONFLICT' });
    expect(ledger.currentPeer).toBe('peer0');
  });
});
