import {
  ATTESTATION_CONTEXT,
  CityLedgerError,
  type FlowAlertContent,
  type FlowTuple,
  LIMITS,
  sha256Hex,
} from '@cityledger/core';
import type { AttestationSigner } from './attestation-signer';
import type { BenignLog } from './benign-log';
import type { Clock } from './clock';
import type { Db } from './db';
import type { BiFlow } from './flow/biflow';
import { type AlertModels, FlowAlerts } from './flow-alerts';
import { type FlowRecordContext, flowRecordContent, type FlowRecordContent } from './flow-record';
import type { Logger } from './logger';
import type { GatewayMetrics } from './metrics';
import type { NewOutboxRow, Outbox } from './outbox';
import type { Scorer, Scores } from './ports';
import { signedJson } from './signed-json';
import type { ThreatBoard } from './threat-board';

const ALERT_CONTEXT_LINE = Buffer.from(`${ATTESTATION_CONTEXT.flowAlert}\n`, 'utf8');

export interface FlowIntakeOptions {
  readonly scorer: Scorer;
  readonly db: Db;
  readonly outbox: Outbox;
  readonly benignLog: BenignLog;
  readonly signer: AttestationSigner;
  readonly threats: ThreatBoard;
  readonly clock: Clock;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly context: FlowRecordContext;
  /** The models flow alerts cite. */
  readonly alertModels: AlertModels;
  /** Flows handed to the scorer per call (the scorer micro-batches further). */
  readonly chunkSize: number;
  /** Flows accepted but not yet stored; beyond it, new flows are dropped and counted. */
  readonly maxInFlight: number;
  /** Called after records were stored (wakes the submitter). */
  readonly onStored?: () => void;
  /**
   * Group commit: scored chunks wait up to this long (ms) to be stored together, in one transaction
   * (one fsync) with every other chunk scored meanwhile. Default 10.
   */
  readonly groupCommitMs?: number;
}

/** What happened to the flows handed in so far. */
export interface FlowIntakeStats {
  readonly received: number;
  readonly scored: number;
  readonly dropped: number;
  readonly benign: number;
  readonly suspicious: number;
  readonly malicious: number;
  readonly inFlight: number;
}

/**
 * From decoded flows to stored records: scores flows in chunks (the scorer runs in worker threads,
 * so this never blocks intake), notes each source host's score for exchange decisions, and stores
 * the records of a chunk in one transaction: suspicious and malicious flows as signed `flow-alert`
 * rows of the outbox, benign ones in the local log that batches anchor. Overload is counted, never
 * silent: flows beyond `maxInFlight`, or refused by the scorer, are dropped with a reason.
 */
export class FlowIntake {
  readonly #o: FlowIntakeOptions;
  readonly #alerts: FlowAlerts;
  readonly #pending = new Set<Promise<void>>();
  readonly #waiters: (() => void)[] = [];
  #inFlight = 0;
  /** Scored chunks waiting for the next group commit. */
  #toStore: StoreWork[] = [];
  #storeTimer: NodeJS.Timeout | undefined;
  readonly #stats = { received: 0, scored: 0, dropped: 0, benign: 0, suspicious: 0, malicious: 0 };

  constructor(options: FlowIntakeOptions) {
    this.#o = options;
    this.#alerts = new FlowAlerts(options.db);
  }

  /** The flow a flow alert of this gateway is about (the mapping kept at the edge). */
  alertFlow(alertId: string): FlowTuple | undefined {
    return this.#alerts.tupleOf(alertId);
  }

  stats(): FlowIntakeStats {
    return { ...this.#stats, inFlight: this.#inFlight };
  }

  /**
   * Takes a batch of flows. Resolves once there is room for more (so a collector that awaits it
   * slows down instead of queueing without bound); the flows themselves are stored in the background.
   */
  ingest(flows: readonly BiFlow[]): Promise<void> {
    const { metrics, chunkSize, maxInFlight } = this.#o;
    this.#stats.received += flows.length;
    metrics.flowsDecoded.inc(flows.length);
    const room = Math.max(0, maxInFlight - this.#inFlight);
    if (room < flows.length) {
      this.#drop(flows.length - room, 'overload');
    }
    const taken = flows.slice(0, room);
    for (let i = 0; i < taken.length; i += chunkSize) {
      this.#track(this.#process(taken.slice(i, i + chunkSize)));
    }
    return this.#inFlight < maxInFlight / 2
      ? Promise.resolve()
      : new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Waits until every flow handed in so far is stored or dropped. */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) {
      await Promise.allSettled([...this.#pending]);
    }
  }

  #track(task: Promise<void>): void {
    this.#pending.add(task);
    void task.finally(() => {
      this.#pending.delete(task);
      if (this.#inFlight < this.#o.maxInFlight / 2) {
        for (const wake of this.#waiters.splice(0)) {
          wake();
        }
      }
    });
  }

  #drop(n: number, reason: string): void {
    this.#stats.dropped += n;
    this.#o.metrics.flowsDropped.inc({ reason }, n);
  }

  async #process(flows: readonly BiFlow[]): Promise<void> {
    this.#inFlight += flows.length;
    try {
      const scores = await this.#o.scorer.score(flows);
      await this.#store(flows, scores);
    } catch (err) {
      const reason = err instanceof CityLedgerError && err.transient ? 'scoring-unavailable' : 'failed';
      this.#drop(flows.length, reason);
      this.#o.logger.warn({ err, flows: flows.length, reason }, 'flows dropped');
    } finally {
      this.#inFlight -= flows.length;
    }
  }

  /** A signed core flow alert for a flagged flow, or undefined (counted) when the flow cannot be one. */
  async #alert(flow: BiFlow, score: Scores): Promise<PendingAlert | undefined> {
    try {
      const { content, tuple } = this.#alerts.content(
        this.#o.context.gatewayId,
        flow,
        score,
        this.#o.alertModels,
      );
      // The content was validated by parseFlowAlertContent; one canonical encoding gives its bytes,
      // which serve as the id (core's flowAlertId) and, behind the context line, as the signed
      // message, and the payload with the signature.
      const encoded = signedJson(content);
      const bytes = Buffer.from(encoded.content, 'utf8');
      const signature = await this.#o.signer.sign(Buffer.concat([ALERT_CONTEXT_LINE, bytes]));
      const payload = encoded.withSignature(signature);
      if (Buffer.byteLength(payload) > LIMITS.maxRecordBytes) {
        throw new CityLedgerError('PAYLOAD_TOO_LARGE', `flow alert exceeds ${LIMITS.maxRecordBytes} bytes`);
      }
      // Malicious alerts go out before anything else queued (outbox priority).
      const row: NewOutboxRow = {
        id: sha256Hex(bytes),
        kind: 'flow-alert',
        payload,
        urgent: content.verdict === 'malicious',
      };
      return { row, content, tuple };
    } catch (err) {
      this.#drop(1, 'invalid-flow');
      this.#o.logger.warn({ err, exporter: flow.exporter }, 'flagged flow cannot be an alert');
      return undefined;
    }
  }

  async #store(flows: readonly BiFlow[], scores: readonly Scores[]): Promise<void> {
    const { clock, context, threats, metrics } = this.#o;
    const now = clock.now();
    const benign: FlowRecordContent[] = [];
    const alerts: PendingAlert[] = [];
    const verdicts = { benign: 0, suspicious: 0, malicious: 0 };
    for (const [i, flow] of flows.entries()) {
      const score = scores[i] as Scores;
      threats.note(flow.srcAddr, score.threatScore, now);
      verdicts[score.verdict] += 1;
      if (score.verdict === 'benign') {
        benign.push(flowRecordContent(context, flow, score, now));
        continue;
      }
      const alert = await this.#alert(flow, score);
      if (alert !== undefined) {
        alerts.push(alert);
      }
    }
    for (const verdict of ['benign', 'suspicious', 'malicious'] as const) {
      this.#stats[verdict] += verdicts[verdict];
      metrics.verdicts.inc({ verdict }, verdicts[verdict]);
    }
    await new Promise<void>((resolve, reject) => {
      this.#toStore.push({ flows: flows.length, benign, alerts, resolve, reject });
      this.#storeTimer ??= setTimeout(() => {
        this.#commitGroup();
      }, this.#o.groupCommitMs ?? 10);
    });
  }

  /** Stores every chunk scored since the last group commit in one transaction. */
  #commitGroup(): void {
    this.#storeTimer = undefined;
    const group = this.#toStore;
    this.#toStore = [];
    const { metrics } = this.#o;
    try {
      this.#o.db.transaction(() => {
        for (const { benign, alerts } of group) {
          this.#o.benignLog.append(benign);
          this.#o.outbox.accept(alerts.map((a) => a.row));
          for (const a of alerts) {
            this.#alerts.remember(a.row.id, a.content, a.tuple);
          }
        }
      })();
    } catch (err) {
      for (const work of group) {
        work.reject(err);
      }
      return;
    }
    let stored = 0;
    for (const { flows, benign, alerts, resolve } of group) {
      this.#stats.scored += flows;
      metrics.flowsScored.inc(flows);
      metrics.benignLogged.inc(benign.length);
      metrics.recordsAccepted.inc({ kind: 'flow-alert' }, alerts.length);
      stored += benign.length + alerts.length;
      resolve();
    }
    if (stored > 0) {
      this.#o.onStored?.();
    }
  }
}

interface StoreWork {
  readonly flows: number;
  readonly benign: readonly FlowRecordContent[];
  readonly alerts: readonly PendingAlert[];
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

interface PendingAlert {
  readonly row: NewOutboxRow;
  readonly content: FlowAlertContent;
  readonly tuple: FlowTuple;
}
