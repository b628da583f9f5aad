import { CityLedgerError, type FlowTuple } from '@cityledger/core';
import type { AttestationSigner } from './attestation-signer';
import type { BenignLog } from './benign-log';
import type { Clock } from './clock';
import type { Db } from './db';
import type { BiFlow } from './flow/biflow';
import { type AlertContext, type AlertModels, unsignedAlert } from './flow-alert-build';
import {
  addAlert,
  type AlertBatch,
  alertTaskInput,
  type AlertWorker,
  emptyAlertBatch,
  evenParts,
  mergeAlertBatches,
} from './flow-alert-task';
import { FlowAlerts } from './flow-alerts';
import { type FlowRecordContext, flowRecordContent, type FlowRecordContent } from './flow-record';
import type { Logger } from './logger';
import type { GatewayMetrics } from './metrics';
import type { Outbox } from './outbox';
import type { Scorer, Scores } from './ports';
import type { ThreatBoard } from './threat-board';

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
  /**
   * Scoring workers that build and sign flow alerts too: the scoring pool created with this gateway's
   * `flowAlertTasks` (its workers have the signer's key). They and this thread share each chunk's
   * alerts. Without it (a signer whose key cannot go to a worker), all are built on this thread with
   * `signer`; so is a worker's part when its task fails.
   */
  readonly alertWorker?: AlertWorker;
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
  readonly #alertContext: AlertContext;
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
    this.#alertContext = {
      gatewayId: options.context.gatewayId,
      salt: this.#alerts.salt,
      models: options.alertModels,
    };
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

  /**
   * Signed core flow alerts for the flagged flows of a chunk (positions `flagged`), in flow order, and
   * the flows that cannot be one. With an alert worker, the main thread and each scoring worker take an
   * equal part, the workers' parts as tasks built meanwhile: with all of them in the worker, the worker
   * (which also runs every inference) became the slower thread and the main thread waited on it.
   */
  async #buildAlerts(
    flows: readonly BiFlow[],
    scores: readonly Scores[],
    flagged: readonly number[],
  ): Promise<AlertBatch> {
    const worker = this.#o.alertWorker;
    if (worker === undefined) {
      return this.#buildHere(flows, scores, flagged);
    }
    const parts = evenParts(flagged, worker.workers + 1);
    const mine = parts.pop() ?? [];
    const theirs = parts.map((part) => this.#buildThere(worker, flows, scores, part));
    const here = await this.#buildHere(flows, scores, mine);
    return mergeAlertBatches([...(await Promise.all(theirs)), here]);
  }

  /** Alerts built by a worker; on this thread when the worker cannot (crashed, pool closing). */
  async #buildThere(
    worker: AlertWorker,
    flows: readonly BiFlow[],
    scores: readonly Scores[],
    part: readonly number[],
  ): Promise<AlertBatch> {
    if (part.length > 0) {
      try {
        return (await worker.runTask(alertTaskInput(flows, scores, part))) as AlertBatch;
      } catch (err) {
        this.#o.logger.warn(
          { err, flows: part.length },
          'flow alerts built on the main thread: the worker failed',
        );
      }
    }
    return this.#buildHere(flows, scores, part);
  }

  /** Alerts built and signed on this thread, with the signer. */
  async #buildHere(
    flows: readonly BiFlow[],
    scores: readonly Scores[],
    part: readonly number[],
  ): Promise<AlertBatch> {
    const batch = emptyAlertBatch();
    for (const i of part) {
      try {
        const unsigned = unsignedAlert(this.#alertContext, flows[i] as BiFlow, scores[i] as Scores);
        addAlert(batch, unsigned.sign(await this.#o.signer.sign(unsigned.message)));
      } catch (err) {
        batch.invalid.push({ index: i, error: err });
      }
    }
    return batch;
  }

  async #store(flows: readonly BiFlow[], scores: readonly Scores[]): Promise<void> {
    const { clock, context, threats, metrics, logger } = this.#o;
    const now = clock.now();
    const benign: FlowRecordContent[] = [];
    const flagged: number[] = [];
    const verdicts = { benign: 0, suspicious: 0, malicious: 0 };
    for (const [i, flow] of flows.entries()) {
      const score = scores[i] as Scores;
      threats.note(flow.srcAddr, score.threatScore, now);
      verdicts[score.verdict] += 1;
      if (score.verdict === 'benign') {
        benign.push(flowRecordContent(context, flow, score, now));
      } else {
        flagged.push(i);
      }
    }
    const alerts = flagged.length === 0 ? emptyAlertBatch() : await this.#buildAlerts(flows, scores, flagged);
    for (const { index, error } of alerts.invalid) {
      this.#drop(1, 'invalid-flow');
      logger.warn({ err: error, exporter: flows[index]?.exporter }, 'flagged flow cannot be an alert');
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
          this.#o.outbox.accept(
            alerts.ids.map((id, i) => ({
              id,
              kind: 'flow-alert' as const,
              payload: alerts.payloads[i] as string,
              urgent: alerts.urgent[i] === true,
            })),
          );
          alerts.ids.forEach((id, i) => {
            this.#alerts.remember(id, alerts.flowRefs[i] as string, alerts.tuples[i] as string);
          });
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
      metrics.recordsAccepted.inc({ kind: 'flow-alert' }, alerts.ids.length);
      stored += benign.length + alerts.ids.length;
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
  readonly alerts: AlertBatch;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}
