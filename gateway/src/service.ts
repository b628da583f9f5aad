import type { FastifyInstance } from 'fastify';
import { saveCollectorSocket } from './collector-socket';
import type { GatewayConfig } from './config';
import { createFlowCollector, type FlowCollector } from './flow/collector';
import { buildHttpServer, type Readiness } from './http-server';
import { buildParts, type GatewayParts, type PartOverrides } from './service-parts';

export interface ServiceOptions {
  /** Serve the HTTP API (default true). */
  readonly http?: boolean;
  /** Run the UDP flow collector (default: when collector.udpPort is not 0). */
  readonly collector?: boolean;
}

export interface StopReport {
  /** Every submittable record was settled before the drain deadline. */
  readonly drained: boolean;
  /** Rows still unsettled (they stay in the outbox for the next start). */
  readonly unsettled: number;
}

const TICK_MS = 250;

/**
 * The running gateway: collector → features → scoring → records → outbox → submitter, and HTTP
 * exchanges → decision → attestation → outbox. `stop()` is the graceful shutdown: intake stops,
 * in-flight flows and the last partial batch are stored, and the outbox drains for a bounded time.
 */
export class GatewayService {
  readonly parts: GatewayParts;
  readonly #options: ServiceOptions;
  #http: FastifyInstance | undefined;
  #collector: FlowCollector | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  #collected = { received: 0, dropped: 0 };
  #stopping: Promise<StopReport> | undefined;

  private constructor(parts: GatewayParts, options: ServiceOptions) {
    this.parts = parts;
    this.#options = options;
  }

  static async open(
    config: GatewayConfig,
    overrides: PartOverrides = {},
    options: ServiceOptions = {},
  ): Promise<GatewayService> {
    return new GatewayService(await buildParts(config, overrides), options);
  }

  readiness(): Readiness {
    const { db, policy, submitter } = this.parts;
    const checks = {
      outbox: db.open,
      policies: policy.ready?.() ?? true,
      submitter: submitter !== null,
      running: this.#stopping === undefined,
    };
    return { ready: Object.values(checks).every(Boolean), checks };
  }

  /** Starts everything; resolves with where the HTTP API and the collector listen. */
  async start(): Promise<{ http?: string; collector?: { address: string; port: number } }> {
    const { config, logger, policy, submitter } = this.parts;
    if (policy.start !== undefined) {
      policy.start().catch((err: unknown) => {
        logger.warn({ err }, 'policy sync stopped');
      });
    }
    submitter?.start();
    this.#timer = setInterval(() => void this.#tick(), Math.min(TICK_MS, config.batching.maxWaitMs));
    const result: { http?: string; collector?: { address: string; port: number } } = {};
    if (this.#options.http ?? true) {
      this.#http = this.#buildHttp();
      result.http = await this.#http.listen({ host: config.http.host, port: config.http.port });
    }
    if (this.#options.collector ?? config.collector.udpPort !== 0) {
      this.#collector = createFlowCollector({
        port: config.collector.udpPort,
        host: config.collector.host,
        receiveBufferBytes: config.collector.receiveBufferBytes,
        batchSize: config.scoring.microBatchSize,
        clock: this.parts.clock,
        logger,
        onFlows: (flows) => this.parts.flows.ingest(flows),
      });
      const collector = this.#collector;
      result.collector = await collector.start();
      this.parts.metrics.setCollectorSocketSource(() => collector.socketInfo());
      const info = collector.socketInfo();
      if (info !== undefined) {
        saveCollectorSocket(this.parts.db, { ...result.collector, ...info.receiveBuffer });
      }
    }
    logger.info({ ...result, recovered: this.parts.outbox.counts() }, 'gateway started');
    return result;
  }

  #buildHttp(): FastifyInstance {
    const { config, exchanges, outbox, benignLog, metrics, logger, submitter } = this.parts;
    return buildHttpServer({
      intake: exchanges,
      outbox,
      benignLog,
      metrics,
      logger,
      maxDepth: config.outbox.maxDepth,
      retryAfterSeconds: config.outbox.retryAfterSeconds,
      maxPayloadBytes: config.http.maxPayloadBytes,
      batchWaitSeconds: Math.ceil(config.batching.maxWaitMs / 1000),
      readiness: () => this.readiness(),
      onAccepted: () => submitter?.notify(),
    });
  }

  /** Cuts the batches that are due (by size or age) and queues their anchors. */
  async cutDueBatches(): Promise<void> {
    if (this.#ticking) {
      return;
    }
    this.#ticking = true;
    try {
      const cut = await this.parts.benignLog.cutDue();
      if (cut.length > 0) {
        this.parts.metrics.batchesCut.inc(cut.length);
        this.parts.submitter?.notify();
      }
    } catch (err) {
      this.parts.logger.error({ err }, 'batch cut failed');
    } finally {
      this.#ticking = false;
    }
  }

  async #tick(): Promise<void> {
    await this.cutDueBatches();
    this.#mirrorCollector();
  }

  #mirrorCollector(): void {
    if (this.#collector === undefined) {
      return;
    }
    const s = this.#collector.stats();
    this.parts.metrics.flowsReceived.inc(s.received - this.#collected.received);
    this.parts.metrics.flowsDropped.inc(
      { reason: 'collector-queue-full' },
      s.dropped - this.#collected.dropped,
    );
    this.#collected = { received: s.received, dropped: s.dropped };
  }

  /** Cuts every remaining record into batches (however few), e.g. at the end of a replay. */
  async flushBatches(): Promise<number> {
    let n = 0;
    while ((await this.parts.benignLog.cut()) !== undefined) {
      n += 1;
    }
    this.parts.metrics.batchesCut.inc(n);
    this.parts.submitter?.notify();
    return n;
  }

  /** Waits until every submittable row is settled, or `deadline` (clock ms) passes. */
  async drainOutbox(deadline: number): Promise<boolean> {
    const { outbox, submitter, clock } = this.parts;
    if (submitter === null) {
      return outbox.unsettled() === 0;
    }
    while (outbox.unsettledOf(submitter.kinds) > 0) {
      if (clock.now() >= deadline) {
        return false;
      }
      submitter.notify();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return true;
  }

  stop(): Promise<StopReport> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<StopReport> {
    const { config, clock, logger, flows, submitter, outbox } = this.parts;
    const deadline = clock.now() + config.shutdown.drainMs;
    logger.info({ drainMs: config.shutdown.drainMs }, 'stopping: intake closed, draining');
    await this.#http?.close();
    await this.#collector?.stop();
    await flows.drain();
    clearInterval(this.#timer);
    await this.flushBatches();
    const drained = await this.drainOutbox(deadline);
    await submitter?.stop(Math.max(0, deadline - clock.now()));
    const unsettled = outbox.unsettled();
    await this.#close();
    logger.info({ drained, unsettled }, 'stopped');
    return { drained, unsettled };
  }

  async #close(): Promise<void> {
    const { scorer, policy, ledger, db, lock } = this.parts;
    await scorer.close?.();
    await policy.close?.();
    ledger?.close();
    db.close();
    lock.release();
  }
}
