import {
  CityLedgerError,
  type FlowAlert,
  flowAlertId,
  flowRef,
  parseFlowAlert,
  verdictFor,
  verifyFlowAlertAttestation,
} from '@cityledger/core';
import { BenignLog } from '../../../../gateway/src/benign-log';
import { openDatabaseFile, type Db } from '../../../../gateway/src/db';
import type { BiFlow } from '../../../../gateway/src/flow/biflow';
import { FlowIntake } from '../../../../gateway/src/flow-intake';
import { GatewayMetrics } from '../../../../gateway/src/metrics';
import { Outbox } from '../../../../gateway/src/outbox';
import type { Scorer, Scores } from '../../../../gateway/src/ports';
import { ThreatBoard } from '../../../../gateway/src/threat-board';
import { biflow, RECORD_CONTEXT, testSigner } from './fixtures';
import { ManualClock, memoryLogger } from './helpers';

const THRESHOLDS = { suspicious: 0.5, malicious: 0.9 };

/** Scores a flow by its destination port: 443 benign, 22 suspicious, 23 malicious, 8080 anomalous. */
function portScore(flow: BiFlow): Scores {
  const attackProbability = flow.dstPort === 23 ? 0.97 : flow.dstPort === 22 ? 0.6 : 0.02;
  const anomalyScore = flow.dstPort === 8080 ? 0.9 : 0.1;
  const verdict =
    anomalyScore >= 0.8 && attackProbability < 0.5 ? 'suspicious' : verdictFor(attackProbability, THRESHOLDS);
  const threatScore = verdict === 'suspicious' && attackProbability < 0.5 ? 0.5 : attackProbability;
  return { attackProbability, anomalyScore, verdict, threatScore };
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
      alertModels: {
        classifier: { id: 'flow-classifier', version: '1.0.0' },
        anomaly: { id: 'flow-anomaly', version: '1.0.0' },
      },
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

  it('logs benign flows and puts signed core flow alerts for flagged ones in the outbox', async () => {
    const flows = [
      biflow(1),
      biflow(2, { dstPort: 22 }),
      biflow(3, { dstPort: 23 }),
      biflow(4),
      biflow(5, { dstPort: 8080 }),
    ];
    const f = intake();
    await f.ingest(flows);
    await f.drain();
    expect(scorer.calls).toEqual([4, 1]);
    expect(f.stats()).toMatchObject({
      received: 5,
      scored: 5,
      benign: 2,
      suspicious: 2,
      malicious: 1,
      dropped: 0,
    });
    expect(benignLog.unbatched).toBe(2);
    const rows = outbox.claim(10, ['flow-alert']);
    const alerts = rows.map((r) => parseFlowAlert(JSON.parse(r.payload)));
    expect(alerts.map((a) => [a.verdict, a.threatScore]).sort()).toEqual([
      ['malicious', 0.97],
      ['suspicious', 0.02],
      ['suspicious', 0.6],
    ]);
    // The malicious alert is urgent: claimed first, before older suspicious ones.
    expect(rows.map((r, i) => [alerts[i]!.verdict, r.urgent])).toEqual([
      ['malicious', true],
      ['suspicious', false],
      ['suspicious', false],
    ]);
    for (const [i, alert] of alerts.entries()) {
      expect(rows[i]!.id).toBe(flowAlertId(alert));
      expect(verifyFlowAlertAttestation(signer.publicKeyPem, alert)).toBe(true);
      expect(alert).toMatchObject({
        gatewayId: 'transport-gw-1',
        modelId: 'flow-classifier',
        anomalyModelId: 'flow-anomaly',
      });
      // No address or port goes on chain; the gateway keeps the flow behind the reference.
      expect(JSON.stringify(alert)).not.toMatch(/10\.0\.0\.|192\.168/);
      const tuple = f.alertFlow(rows[i]!.id)!;
      const flow = flows.find((x) => x.srcAddr === tuple.srcAddr)!;
      expect(alert.observedAt).toBe(new Date(flow.endMs).toISOString());
      expect(tuple).toMatchObject({ dstAddr: flow.dstAddr, dstPort: flow.dstPort, protocol: 6 });
      expect(alert.dstPortBucket).toBe(flow.dstPort === 8080 ? 'registered' : 'well-known');
    }
    // Both chunks (4 + 1 flows) were scored within one group-commit window: one transaction.
    expect(stored).toBe(1);
    expect(await metrics.text()).toContain('cityledger_gateway_verdicts_total{verdict="benign"} 2');
  });

  it('keeps one flow-reference salt per data folder', async () => {
    const f = intake();
    await f.ingest([biflow(3, { dstPort: 23 })]);
    await f.drain();
    const [row] = outbox.claim(1, ['flow-alert']);
    const alert = JSON.parse(row!.payload) as FlowAlert;
    const salt = db
      .prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'flow_ref_salt'")
      .get()!.value;
    expect(flowRef(salt, f.alertFlow(row!.id)!)).toBe(alert.flowRef);
    const again = intake();
    expect(again.alertFlow(row!.id)).toEqual(f.alertFlow(row!.id));
    expect(db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM meta').get()!.n).toBe(1);
  });

  it('drops (and counts) a flagged flow whose addresses cannot be referenced', async () => {
    const f = intake();
    await f.ingest([biflow(3, { dstPort: 23, srcAddr: 'not-an-address' }), biflow(4, { dstPort: 23 })]);
    await f.drain();
    expect(f.stats()).toMatchObject({ malicious: 2, dropped: 1 });
    expect(outbox.counts().pending).toBe(1);
    expect(await metrics.text()).toContain('cityledger_gateway_flows_dropped_total{reason="invalid-flow"} 1');
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
