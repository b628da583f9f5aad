/**
 * @jest-environment ./test/unit/support/onnx-environment.ts
 */
// The onnxruntime addon, loaded here too: a worker thread loads it again only while another thread of
// the process holds it ("Module did not self-register" otherwise), and each test starts new workers.
import 'onnxruntime-node';
import {
  canonicalJson,
  flowAlertContent,
  flowAlertId,
  parseFlowAlert,
  verdictFor,
  verifyFlowAlertAttestation,
} from '@cityledger/core';
import type { AttestationSigner } from '../../../../gateway/src/attestation-signer';
import { BenignLog } from '../../../../gateway/src/benign-log';
import { openDatabaseFile, type Db } from '../../../../gateway/src/db';
import type { BiFlow } from '../../../../gateway/src/flow/biflow';
import { type AlertContext, unsignedAlert } from '../../../../gateway/src/flow-alert-build';
import {
  type AlertBatch,
  alertTaskInput,
  type AlertWorker,
  evenParts,
  flowAlertTasks,
} from '../../../../gateway/src/flow-alert-task';
import { flowRefSalt } from '../../../../gateway/src/flow-alerts';
import { FlowIntake } from '../../../../gateway/src/flow-intake';
import { GatewayMetrics } from '../../../../gateway/src/metrics';
import { Outbox } from '../../../../gateway/src/outbox';
import type { Scorer, Scores } from '../../../../gateway/src/ports';
import { ScoringError, ScoringPool } from '../../../../gateway/src/scoring';
import { ThreatBoard } from '../../../../gateway/src/threat-board';
import { tinyOptions } from '../scoring/support/fixtures';
import { biflow, RECORD_CONTEXT, testSigner } from './fixtures';
import { ManualClock, memoryLogger } from './helpers';

jest.setTimeout(60_000);

const THRESHOLDS = { suspicious: 0.5, malicious: 0.9 };
const MODELS = {
  classifier: { id: 'flow-classifier', version: '1.0.0' },
  anomaly: { id: 'flow-anomaly', version: '1.0.0' },
};
const SALT = 'ab'.repeat(32);
const CTX: AlertContext = { gatewayId: RECORD_CONTEXT.gatewayId, salt: SALT, models: MODELS };

/** Scores by destination port: 23 malicious, 22 suspicious, 8080 anomalous (suspicious), else benign. */
function portScore(flow: BiFlow): Scores {
  const attackProbability = flow.dstPort === 23 ? 0.97 : flow.dstPort === 22 ? 0.6 : 0.02;
  const anomalyScore = flow.dstPort === 8080 ? 0.9 : 0.1;
  const verdict =
    anomalyScore >= 0.8 && attackProbability < 0.5 ? 'suspicious' : verdictFor(attackProbability, THRESHOLDS);
  return { attackProbability, anomalyScore, verdict, threatScore: attackProbability };
}

const portScorer: Scorer = { score: (flows) => Promise.resolve(flows.map(portScore)) };

/** Flagged flows of every shape an alert takes: TCP, UDP, ICMP (no ports), IPv6, anomalous only. */
const FLAGGED: readonly BiFlow[] = [
  biflow(1, { dstPort: 23 }),
  biflow(2, { dstPort: 22, protocol: 17 }),
  biflow(3, { dstPort: 23, protocol: 1, srcPort: 0 }),
  biflow(4, { dstPort: 22, srcAddr: '2001:db8::7', dstAddr: 'fe80::1' }),
  biflow(5, { dstPort: 8080, fwdBytes: 1e12, revPackets: 0 }),
];

/** A signer whose key stays where it is (as a TPM or HSM signer): no worker capability. */
function deviceSigner(): AttestationSigner {
  const inner = testSigner();
  return { publicKeyPem: inner.publicKeyPem, sign: (message) => inner.sign(message) };
}

const pools: ScoringPool[] = [];
async function alertPool(signer: AttestationSigner, ctx = CTX): Promise<ScoringPool> {
  const tasks = flowAlertTasks(signer, ctx);
  expect(tasks).toBeDefined();
  const pool = await ScoringPool.create(tinyOptions({ ...(tasks === undefined ? {} : { tasks }) }));
  pools.push(pool);
  return pool;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close({ drain: false })));
});

describe('flow alerts built in the scoring worker', () => {
  it('are the bytes the main thread builds for the same flow and key, with a signature that verifies', async () => {
    const signer = testSigner();
    const pool = await alertPool(signer);
    const scores = FLAGGED.map(portScore);
    const flagged = FLAGGED.map((_, i) => i);
    const built = (await pool.runTask(alertTaskInput(FLAGGED, scores, flagged))) as AlertBatch;
    expect(built.invalid).toEqual([]);
    expect(built.ids).toHaveLength(FLAGGED.length);
    for (const [i, flow] of FLAGGED.entries()) {
      const here = unsignedAlert(CTX, flow, scores[i]!);
      const payload = built.payloads[i]!;
      const alert = parseFlowAlert(JSON.parse(payload));
      // ECDSA signatures are randomized: the main thread's encoding with the worker's signature is
      // byte for byte the worker's payload, and everything else is equal.
      expect(here.sign(alert.signature)).toEqual({
        id: built.ids[i],
        payload,
        urgent: built.urgent[i],
        flowRef: built.flowRefs[i],
        tuple: built.tuples[i],
      });
      const mine = here.sign(await signer.sign(here.message));
      expect(canonicalJson(flowAlertContent(parseFlowAlert(JSON.parse(mine.payload))))).toBe(
        canonicalJson(flowAlertContent(alert)),
      );
      expect(verifyFlowAlertAttestation(signer.publicKeyPem, alert)).toBe(true);
      expect(flowAlertId(alert)).toBe(built.ids[i]);
      expect(built.urgent[i]).toBe(alert.verdict === 'malicious');
    }
    expect(pool.stats()).toMatchObject({ tasks: 1, failedTasks: 0, workerCrashes: 0 });
  });

  it('reports a flagged flow that cannot be an alert, and goes on with the others', async () => {
    const pool = await alertPool(testSigner());
    const flows = [biflow(1, { dstPort: 23, srcAddr: 'not-an-address' }), biflow(2, { dstPort: 23 })];
    const built = (await pool.runTask(alertTaskInput(flows, flows.map(portScore), [0, 1]))) as AlertBatch;
    expect(built.ids).toHaveLength(1);
    expect(built.invalid).toEqual([
      {
        index: 0,
        error: {
          type: 'CityLedgerError',
          code: 'INVALID_ARGUMENT',
          message: 'INVALID_ARGUMENT: tuple addresses must be IPv4 or IPv6 text',
        },
      },
    ]);
  });

  it('fail a task whose input is not one (task-failed), and the worker goes on', async () => {
    const pool = await alertPool(testSigner());
    const err = (await pool.runTask(null).catch((e: unknown) => e)) as ScoringError;
    expect(err).toBeInstanceOf(ScoringError);
    expect(err.reason).toBe('task-failed');
    const flows = [biflow(2, { dstPort: 23 })];
    const built = (await pool.runTask(alertTaskInput(flows, flows.map(portScore), [0]))) as AlertBatch;
    expect(built.ids).toHaveLength(1);
    expect(pool.stats()).toMatchObject({ tasks: 1, failedTasks: 1, workerCrashes: 0 });
  });

  it('are refused by a pool created without tasks', async () => {
    const pool = await ScoringPool.create(tinyOptions());
    pools.push(pool);
    await expect(pool.runTask([])).rejects.toMatchObject({ reason: 'invalid-input' });
  });
});

describe('which thread signs', () => {
  it('a key-file signer hands its key to the workers; a signer without the capability does not', () => {
    const signer = testSigner();
    const tasks = flowAlertTasks(signer, CTX);
    expect(tasks?.entry).toMatch(/flow-alert-worker\.ts$/);
    expect(tasks?.data).toMatchObject({ gatewayId: CTX.gatewayId, salt: SALT, models: MODELS });
    expect(tasks?.data.key).toBe(signer.workerKey());
    expect(flowAlertTasks(deviceSigner(), CTX)).toBeUndefined();
  });

  it('parts of a chunk: equal to one flow, in order, the larger first', () => {
    expect(evenParts([1, 2, 3, 4, 5], 2)).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(evenParts([1], 2)).toEqual([[1], []]);
    expect(evenParts([1, 2, 3, 4, 5], 3)).toEqual([[1, 2], [3, 4], [5]]);
  });
});

describe('FlowIntake with an alert worker', () => {
  const dbs: Db[] = [];
  afterEach(() => {
    for (const db of dbs.splice(0)) {
      db.close();
    }
  });

  function intake(
    signer: AttestationSigner,
    alertWorker?: AlertWorker,
  ): {
    flows: FlowIntake;
    outbox: Outbox;
    db: Db;
    metrics: GatewayMetrics;
    log: ReturnType<typeof memoryLogger>;
  } {
    const db = openDatabaseFile(':memory:');
    dbs.push(db);
    db.prepare("INSERT INTO meta (key, value) VALUES ('flow_ref_salt', ?)").run(SALT);
    const clock = new ManualClock();
    const outbox = new Outbox(db, clock);
    const metrics = new GatewayMetrics();
    const log = memoryLogger('warn');
    const benignLog = new BenignLog({
      db,
      outbox,
      signer,
      clock,
      gatewayId: RECORD_CONTEXT.gatewayId,
      policy: { maxRecords: 100, maxWaitMs: 1_000 },
    });
    const flows = new FlowIntake({
      scorer: portScorer,
      db,
      outbox,
      benignLog,
      signer,
      threats: new ThreatBoard({ windowMs: 60_000, thresholds: THRESHOLDS }),
      clock,
      metrics,
      logger: log.logger,
      context: RECORD_CONTEXT,
      alertModels: MODELS,
      chunkSize: 16,
      maxInFlight: 1_000,
      ...(alertWorker === undefined ? {} : { alertWorker }),
    });
    return { flows, outbox, db, metrics, log };
  }

  /** Outbox rows and kept tuples of the flow alerts, with the signatures left out. */
  function stored(db: Db): unknown[] {
    return db
      .prepare<[], { id: string; payload: string; priority: number; flow_ref: string; tuple: string }>(
        `SELECT o.id, o.payload, o.priority, f.flow_ref, f.tuple FROM outbox o
         JOIN flow_refs f ON f.alert_id = o.id WHERE o.kind = 'flow-alert' ORDER BY o.id`,
      )
      .all()
      .map((r) => ({
        ...r,
        payload: canonicalJson(flowAlertContent(parseFlowAlert(JSON.parse(r.payload)))),
      }));
  }

  const CHUNK = [...FLAGGED, biflow(10), biflow(11, { dstPort: 23 }), biflow(12, { dstPort: 22 })];

  it('stores what the main thread alone stores, signed with the same key', async () => {
    const signer = testSigner();
    expect(flowRefSalt(intake(signer).db)).toBe(SALT);
    const alone = intake(signer);
    await alone.flows.ingest(CHUNK);
    await alone.flows.drain();
    const pool = await alertPool(signer);
    const shared = intake(signer, pool);
    await shared.flows.ingest(CHUNK);
    await shared.flows.drain();
    expect(stored(shared.db)).toEqual(stored(alone.db));
    expect(stored(shared.db)).toHaveLength(7);
    expect(shared.flows.stats()).toEqual(alone.flows.stats());
    // The worker built its part of the chunk (the first 4 of 7 flagged flows), this thread the rest.
    expect(pool.stats()).toMatchObject({ tasks: 1, failedTasks: 0 });
    for (const row of shared.outbox.claim(10, ['flow-alert'])) {
      expect(verifyFlowAlertAttestation(signer.publicKeyPem, parseFlowAlert(JSON.parse(row.payload)))).toBe(
        true,
      );
    }
  });

  it('drops and counts an invalid flagged flow in the worker’s part and in its own, and logs both', async () => {
    const pool = await alertPool(testSigner());
    const { flows, outbox, metrics, log } = intake(testSigner(), pool);
    const bad = (i: number): BiFlow => biflow(i, { dstPort: 23, dstAddr: '999.1.1.1', exporter: `exp-${i}` });
    // Four flagged flows: the worker takes the first two, this thread the last two.
    await flows.ingest([bad(1), biflow(2, { dstPort: 22 }), biflow(3, { dstPort: 23 }), bad(4)]);
    await flows.drain();
    expect(flows.stats()).toMatchObject({ received: 4, scored: 4, dropped: 2, malicious: 3, suspicious: 1 });
    expect(outbox.counts().pending).toBe(2);
    expect(await metrics.text()).toContain('cityledger_gateway_flows_dropped_total{reason="invalid-flow"} 2');
    const warnings = log.lines().filter((l) => l.msg === 'flagged flow cannot be an alert');
    expect(warnings.map((l) => [l.exporter, (l.err as { message: string }).message])).toEqual([
      ['exp-1', 'INVALID_ARGUMENT: tuple addresses must be IPv4 or IPv6 text'],
      ['exp-4', 'INVALID_ARGUMENT: tuple addresses must be IPv4 or IPv6 text'],
    ]);
    expect(pool.stats()).toMatchObject({ tasks: 1, failedTasks: 0, workerCrashes: 0 });
  });

  it('signs on the main thread with a signer that cannot hand its key to a worker', async () => {
    const signer = deviceSigner();
    const { flows, outbox } = intake(signer);
    await flows.ingest(CHUNK);
    await flows.drain();
    const rows = outbox.claim(10, ['flow-alert']);
    expect(rows).toHaveLength(7);
    for (const row of rows) {
      expect(verifyFlowAlertAttestation(signer.publicKeyPem, parseFlowAlert(JSON.parse(row.payload)))).toBe(
        true,
      );
    }
  });

  it('builds the worker’s part itself when the worker cannot (pool closed)', async () => {
    const signer = testSigner();
    const pool = await alertPool(signer);
    await pool.close();
    const { flows, outbox, log } = intake(signer, pool);
    await flows.ingest(CHUNK);
    await flows.drain();
    expect(flows.stats()).toMatchObject({ scored: CHUNK.length, dropped: 0 });
    expect(outbox.counts().pending).toBe(7);
    expect(log.lines().map((l) => l.msg)).toContain(
      'flow alerts built on the main thread: the worker failed',
    );
  });
});
