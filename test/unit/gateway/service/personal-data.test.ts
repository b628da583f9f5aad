import { type AccessPolicy, decide, parseExchangeRecord, personalDataHash } from '@cityledger/core';
import { openDatabaseFile, type Db } from '../../../../gateway/src/db';
import {
  ExchangeIntake,
  parseExchangeRequest,
  personalDataRowId,
} from '../../../../gateway/src/exchange-intake';
import { createLogger } from '../../../../gateway/src/logger';
import { GatewayMetrics } from '../../../../gateway/src/metrics';
import { Outbox } from '../../../../gateway/src/outbox';
import type { EdgeDecision, PolicySource } from '../../../../gateway/src/ports';
import { Submitter } from '../../../../gateway/src/submitter';
import { ThreatBoard } from '../../../../gateway/src/threat-board';
import { testSigner } from './fixtures';
import { FakeLedger, ledgerError, ManualClock, memoryLogger, seededRandom } from './helpers';

const POLICY: AccessPolicy = {
  category: 'health/ambulance-dispatch',
  version: 2,
  grants: [
    {
      grantee: 'transport',
      purposes: ['route-priority'],
      validFrom: '2026-01-01T00:00:00.000Z',
      validUntil: '2027-01-01T00:00:00.000Z',
      maxVerdict: 'suspicious',
    },
  ],
};

const policies: PolicySource = {
  decisionFor(request, at): EdgeDecision {
    const d = decide(POLICY, request, at);
    return d.allow
      ? { allow: true, policyVersion: POLICY.version }
      : { allow: false, reason: d.reason, message: d.message, policyVersion: POLICY.version };
  },
};

const SALT = 'ab'.repeat(32);
const SUBJECT = { subject: 'patient-ref-0042', attributes: { ward: 'cardiology' } };

function body(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    sourceDepartment: 'health',
    consumerDepartment: 'transport',
    category: POLICY.category,
    purpose: 'route-priority',
    payloadSha256: 'cd'.repeat(32),
    payloadSize: 10,
    personalData: SUBJECT,
    ...overrides,
  };
}

describe('personal data of exchanges', () => {
  let db: Db;
  let clock: ManualClock;
  let outbox: Outbox;
  let intake: ExchangeIntake;
  let ledger: FakeLedger;

  function submitter(overrides: Partial<ConstructorParameters<typeof Submitter>[0]> = {}): Submitter {
    return new Submitter({
      outbox,
      ledger,
      clock,
      random: seededRandom(1),
      metrics: new GatewayMetrics(),
      logger: memoryLogger('error').logger,
      concurrency: 4,
      pollMs: 50,
      backoff: { initialMs: 100, maxMs: 1_000, multiplier: 2, jitter: 0 },
      functions: { exchange: 'exchange:recordExchange', 'personal-data': 'privacy:putPersonalData' },
      ownMspId: 'HealthMSP',
      ...overrides,
    });
  }

  beforeEach(() => {
    db = openDatabaseFile(':memory:');
    clock = new ManualClock();
    outbox = new Outbox(db, clock);
    ledger = new FakeLedger();
    intake = new ExchangeIntake({
      gatewayId: 'health-gw-1',
      department: 'health',
      modelId: 'flow-classifier',
      modelVersion: '1.0.0',
      policy: policies,
      threats: new ThreatBoard({ windowMs: 60_000, thresholds: { suspicious: 0.4, malicious: 0.9 } }),
      signer: testSigner(),
      outbox,
      clock,
      salt: () => SALT,
    });
  });
  afterEach(() => db.close());

  it('validates the request: subject and attributes by core rules, no caller salt', () => {
    expect(parseExchangeRequest(body(), 1_024).personalData).toEqual(SUBJECT);
    for (const personalData of [{ subject: '' }, { subject: 'x', salt: SALT }, 'subject', { other: 1 }]) {
      expect(() => parseExchangeRequest(body({ personalData }), 1_024)).toThrow(/INVALID_ARGUMENT/);
    }
  });

  it('announces the salted hash in the signed record and keeps the data beside its own outbox row', async () => {
    const result = await intake.handle(parseExchangeRequest(body(), 1_024));
    expect(result).toMatchObject({ decision: 'allow', personalData: 'queued' });
    const record = parseExchangeRecord(JSON.parse(outbox.get(result.recordId)!.payload));
    expect(record.personalDataSha256).toBe(personalDataHash({ salt: SALT, ...SUBJECT }));
    const row = outbox.get(result.personalDataId!)!;
    expect(result.personalDataId).toBe(personalDataRowId(result.recordId));
    expect(row).toMatchObject({ kind: 'personal-data', payload: result.recordId, state: 'pending' });
    expect(JSON.stringify(outbox.get(result.recordId))).not.toContain('patient-ref-0042');
    expect(JSON.parse(outbox.transientOf(row.id)!)).toEqual({ salt: SALT, ...SUBJECT });
  });

  it('keeps nothing about the subject when the exchange is denied', async () => {
    const result = await intake.handle(parseExchangeRequest(body({ purpose: 'marketing' }), 1_024));
    expect(result).toMatchObject({ decision: 'deny', personalData: 'discarded' });
    expect(result.personalDataId).toBeUndefined();
    expect(outbox.summary()).toEqual([{ kind: 'exchange', state: 'pending', n: 1 }]);
    expect(db.prepare('SELECT COUNT(*) AS n FROM outbox_transient').get()).toEqual({ n: 0 });
  });

  it('sends the data after its record committed, as transient data endorsed by its own org, then deletes it', async () => {
    const { recordId, personalDataId } = await intake.handle(parseExchangeRequest(body(), 1_024));
    const s = submitter();
    await s.pump();
    expect(ledger.calls.map((c) => c.fn)).toEqual(['exchange:recordExchange', 'privacy:putPersonalData']);
    const put = ledger.calls[1]!;
    expect(put.args).toEqual([recordId]);
    expect(put.options?.endorsingOrganizations).toEqual(['HealthMSP']);
    expect(JSON.parse(String(put.options?.transient?.personalData))).toEqual({ salt: SALT, ...SUBJECT });
    expect(JSON.stringify(ledger.calls[0])).not.toContain('patient-ref-0042');
    expect(outbox.get(personalDataId!)?.state).toBe('committed');
    expect(outbox.transientOf(personalDataId!)).toBeUndefined();
  });

  it('holds the data while its record is rejected; a requeue of the record releases both', async () => {
    const { recordId, personalDataId } = await intake.handle(parseExchangeRequest(body(), 1_024));
    ledger.respond = () => {
      throw ledgerError('GATEWAY_NOT_ACTIVE');
    };
    await submitter().pump();
    expect(outbox.get(recordId)?.state).toBe('rejected');
    expect(outbox.get(personalDataId!)?.state).toBe('pending');
    expect(ledger.calls).toHaveLength(1);

    ledger.respond = (call) => ledger.store(call);
    expect(outbox.requeueRejected([], 'GATEWAY_NOT_ACTIVE')).toEqual([recordId]);
    expect(outbox.counts()).toMatchObject({ pending: 2, rejected: 0 });
    await submitter().pump();
    expect(outbox.get(recordId)?.state).toBe('committed');
    expect(outbox.get(personalDataId!)?.state).toBe('committed');
    expect(outbox.transientOf(personalDataId!)).toBeUndefined();
  });

  describe('a lagging endorsing peer (NOT_FOUND for a record this gateway saw committed)', () => {
    const LAG_MS = 120_000;
    /** The first `lagging` putPersonalData calls answer as a peer that has not yet committed the record. */
    function laggingPeer(lagging: number): void {
      let puts = 0;
      ledger.respond = (call) => {
        if (call.fn === 'privacy:putPersonalData') {
          puts += 1;
          if (puts <= lagging) {
            throw ledgerError('NOT_FOUND', `no record ${call.args[0] ?? ''}`);
          }
        }
        return ledger.store(call);
      };
    }
    async function pumpUntilSettled(s: Submitter, id: string): Promise<void> {
      for (let i = 0; i < 1_000; i += 1) {
        await s.pump();
        const row = outbox.get(id)!;
        if (row.state === 'committed' || row.state === 'rejected') {
          return;
        }
        clock.advance(Math.max(0, row.dueAt - clock.now()));
      }
      throw new Error(`row ${id} never settled`);
    }

    it('retries with backoff until the peer catches up, and the data is stored', async () => {
      const { recordId, personalDataId } = await intake.handle(parseExchangeRequest(body(), 1_024));
      laggingPeer(3);
      const s = submitter({ personalDataLagMs: LAG_MS });
      await s.pump();
      expect(outbox.get(recordId)?.state).toBe('committed');
      expect(outbox.get(personalDataId!)).toMatchObject({
        state: 'pending',
        errorCode: 'NOT_FOUND',
        attempts: 1,
      });
      await pumpUntilSettled(s, personalDataId!);
      expect(outbox.get(personalDataId!)).toMatchObject({ state: 'committed', attempts: 4 });
      expect(outbox.transientOf(personalDataId!)).toBeUndefined();
      const puts = ledger.calls.filter((c) => c.fn === 'privacy:putPersonalData');
      expect(puts).toHaveLength(4);
    });

    it('settles the row as rejected, saying why, once the window since the record’s commit is over', async () => {
      const { recordId, personalDataId } = await intake.handle(parseExchangeRequest(body(), 1_024));
      laggingPeer(Number.POSITIVE_INFINITY);
      const s = submitter({ personalDataLagMs: LAG_MS });
      await s.pump();
      const committedAt = outbox.get(recordId)!.updatedAt;
      await pumpUntilSettled(s, personalDataId!);
      const row = outbox.get(personalDataId!)!;
      expect(row).toMatchObject({ state: 'rejected', errorCode: 'NOT_FOUND' });
      expect(row.errorDetail).toContain(`record ${recordId}`);
      expect(row.errorDetail).toContain('120 s');
      expect(clock.now() - committedAt).toBeGreaterThanOrEqual(LAG_MS);
      // backoff 100 ms doubling to a 1 s cap: bounded by the window, not a retry per millisecond
      expect(row.attempts).toBeGreaterThan(5);
      expect(row.attempts).toBeLessThan(LAG_MS / 1_000 + 10);
      // kept for the operator's requeue
      expect(outbox.transientOf(personalDataId!)).toBeDefined();
    });

    it('rejects at once when the window is 0', async () => {
      const { personalDataId } = await intake.handle(parseExchangeRequest(body(), 1_024));
      laggingPeer(1);
      await submitter({ personalDataLagMs: 0 }).pump();
      expect(outbox.get(personalDataId!)).toMatchObject({
        state: 'rejected',
        errorCode: 'NOT_FOUND',
        attempts: 1,
      });
    });

    it('does not wait for a record this gateway has not seen committed', async () => {
      outbox.accept([{ id: 'pd-orphan', kind: 'personal-data', payload: 'rec-unknown', transient: '{}' }]);
      laggingPeer(1);
      await submitter({ personalDataLagMs: LAG_MS }).pump();
      expect(outbox.get('pd-orphan')).toMatchObject({
        state: 'rejected',
        errorCode: 'NOT_FOUND',
        attempts: 1,
      });
    });

    it('counts the window from the record’s commit, so a restart does not extend it', async () => {
      const { personalDataId } = await intake.handle(parseExchangeRequest(body(), 1_024));
      laggingPeer(Number.POSITIVE_INFINITY);
      await submitter({ personalDataLagMs: LAG_MS }).pump();
      expect(outbox.get(personalDataId!)?.state).toBe('pending');
      clock.advance(LAG_MS);
      outbox.recover();
      await submitter({ personalDataLagMs: LAG_MS }).pump();
      expect(outbox.get(personalDataId!)).toMatchObject({
        state: 'rejected',
        errorCode: 'NOT_FOUND',
        attempts: 2,
      });
    });
  });

  it('never logs it: pino censors personalData and transient wherever they appear', () => {
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      gatewayId: 'g',
      destination: { write: (l: string) => lines.push(l) },
    });
    logger.info({ personalData: SUBJECT, call: { transient: { personalData: 'x' } } }, 'm');
    expect(lines.join('')).not.toMatch(/patient-ref|cardiology|"x"/);
  });
});
