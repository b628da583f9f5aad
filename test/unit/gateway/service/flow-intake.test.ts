import { createPublicKey, verify } from 'node:crypto';
import { attestationMessage, CityLedgerError, verdictFor } from '@cityledger/core';
import { BenignLog } from '../../../../gateway/src/benign-log';
import { openDatabaseFile, type Db } from '../../../../gateway/src/db';
import type { BiFlow } from '../../../../gateway/src/flow/biflow';
import { FlowIntake } from '../../../../gateway/src/flow-intake';
import type { FlowRecord } from '../../../../gateway/src/flow-record';
import { GatewayMetrics } from '../../../../gateway/src/metrics';
import { Outbox } from '../../../../gateway/src/outbox';
import type { Scorer, Scores } from '../../../../gateway/src/ports';
import { ThreatBoard } from '../../../../gateway/src/threat-board';
import { biflow, RECORD_CONTEXT, testSigner } from './fixtures';
import { ManualClock, memoryLogger } from './helpers';

const THRESHOLDS = { suspicious: 0.5, malicious: 0.9 };

/** Scores a flow by its destination port: 443 benign, 22 suspicious, 23 malicious. */
function portScore(flow: BiFlow): Scores {
  const threatScore = flow.dstPort === 23 ? 0.97 : flow.dstPort === 22 ? 0.6 : 0.02;
  return { threatScore, verdict: verdictFor(threatScore, THRESHOLDS) };
}

class ControlledScorer implements Scorer {
  calls: number[] = [];
  gate: Promise<void> = Promise.resolve();
  failWith: Error | undefined;
  async score(flows: readonly BiFlow[]): Promise<Scores[]> {
    this.calls.push(flows.length);
    await this.gate;
    if (this.failWith !== undefined) {
      throw this.failWith;
    }
    return flows.map(portScore);
  }
}

describe('FlowIntake', () => {
  let db: Db;
  let clock: ManualClock;
  let outbox: Outbox;
  let benignLog: BenignLog;
  let threats: ThreatBoard;
  let metrics: GatewayMetrics;
  let scorer: ControlledScorer;
  let stored: number;
  const signer = testSigner();

  function intake(maxInFlight = 1_000, chunkSize = 4): FlowIntake {
    return new FlowIntake({
      scorer,
      db,
      outbox,
      benignLog,
      signer,
      threats,
      clock,
      metrics,
      logger: memoryLogger('error').logger,
      context: RECORD_CONTEXT,
      chunkSize,
      maxInFlight,
      onStored: () => {
        stored += 1;
      },
    });
  }

  beforeEach(() => {
    db = openDatabaseFile(':memory:');
    clock = new ManualClock();
    outbox = new Outbox(db, clock);
    benignLog = new BenignLog({
      db,
      outbox,
      signer,
      clock,
      gatewayId: RECORD_CONTEXT.gatewayId,
      policy: { maxRecords: 100, maxWaitMs: 1_000 },
    });
    threats = new ThreatBoard({ windowMs: 60_000, thresholds: THRESHOLDS });
    metrics = new GatewayMetrics();
    scorer = new ControlledScorer();
    stored = 0;
  });
  afterEach(() => db.close());

  it('logs benign flows and puts signed alerts for suspicious and malicious ones in the outbox', async () => {
    const flows = [biflow(1), biflow(2, { dstPort: 22 }), biflow(3, { dstPort: 23 }), biflow(4), biflow(5)];
    const f = intake();
    await f.ingest(flows);
    await f.drain();
    expect(scorer.calls).toEqual([4, 1]);
    expect(f.stats()).toMatchObject({
      received: 5,
      scored: 5,
      benign: 3,
      suspicious: 1,
      malicious: 1,
      dropped: 0,
    });
    expect(benignLog.unbatched).toBe(3);
    const alerts = outbox.claim(10, ['flow-alert']).map((r) => JSON.parse(r.payload) as FlowRecord);
    expect(alerts.map((a) => [a.verdict, a.flow.dstPort]).sort()).toEqual([
      ['malicious', 23],
      ['suspicious', 22],
    ]);
    const key = createPublicKey(signer.publicKeyPem);
    for (const alert of alerts) {
      expect(alert).toMatchObject({ gatewayId: 'transport-gw-1', category: 'transport/network-flows' });
      expect(alert.observedAt).toBe('2026-03-01T10:00:00.000Z');
      const signature = Buffer.from(alert.signature, 'base64');
      expect(
        verify('sha256', attestationMessage('record', alert), { key, dsaEncoding: 'ieee-p1363' }, signature),
      ).toBe(true);
    }
    expect(stored).toBe(2);
    expect(await metrics.text()).toContain('cityledger_gateway_verdicts_total{verdict="benign"} 3');
  });

  it('remembers each source host’s worst recent score for exchange decisions', async () => {
    const f = intake();
    await f.ingest([biflow(7, { dstPort: 23 }), biflow(7), biflow(8)]);
    await f.drain();
    expect(threats.assess(biflow(7).srcAddr, clock.now())).toEqual({
      threatScore: 0.97,
      verdict: 'malicious',
    });
    expect(threats.assess(biflow(8).srcAddr, clock.now())).toEqual({ threatScore: 0.02, verdict: 'benign' });
  });

  it('drops and counts flows beyond its in-flight bound, and holds the producer until there is room', async () => {
    let open!: () => void;
    scorer.gate = new Promise((resolve) => {
      open = resolve;
    });
    const f = intake(8, 4);
    const released: string[] = [];
    void f.ingest(Array.from({ length: 6 }, (_, i) => biflow(i))).then(() => released.push('first'));
    void f.ingest(Array.from({ length: 5 }, (_, i) => biflow(100 + i))).then(() => released.push('second'));
    await new Promise((resolve) => setImmediate(resolve));
    // 6 + 2 taken, 3 dropped; neither call returns before the scorer lets go.
    expect(f.stats()).toMatchObject({ inFlight: 8, dropped: 3 });
    expect(released).toEqual([]);
    open();
    await f.drain();
    await new Promise((resolve) => setImmediate(resolve));
    expect(released).toEqual(['first', 'second']);
    expect(f.stats()).toMatchObject({ scored: 8, dropped: 3, inFlight: 0 });
    expect(await metrics.text()).toContain('cityledger_gateway_flows_dropped_total{reason="overload"} 3');
  });

  it('counts flows the scorer refuses as dropped, with the reason', async () => {
    scorer.failWith = new CityLedgerError('UNAVAILABLE', 'scoring overloaded: queue full');
    const f = intake();
    await f.ingest([biflow(1), biflow(2)]);
    await f.drain();
    expect(f.stats()).toMatchObject({ scored: 0, dropped: 2 });
    expect(await metrics.text()).toContain(
      'cityledger_gateway_flows_dropped_total{reason="scoring-unavailable"} 2',
    );
    expect(outbox.counts().pending).toBe(0);
  });
});
