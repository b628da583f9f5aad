import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CollectorSocketInfo } from './flow/collector';

const P = 'cityledger_gateway_';

/**
 * The gateway's Prometheus metrics, in their own registry (no global state). Outbox depth is read
 * from the outbox when scraped, through `setOutboxDepthSource`.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly flowsReceived: Counter;
  readonly flowsDecoded: Counter;
  readonly flowsScored: Counter;
  readonly flowsDropped: Counter<'reason'>;
  readonly verdicts: Counter<'verdict'>;
  readonly exchanges: Counter<'decision'>;
  readonly overloadRejections: Counter<'endpoint'>;
  readonly recordsAccepted: Counter<'kind'>;
  readonly recordsCommitted: Counter<'kind' | 'duplicate'>;
  readonly recordsRejected: Counter<'kind' | 'code'>;
  readonly submitRetries: Counter<'code'>;
  readonly errors: Counter<'stage' | 'code'>;
  readonly batchesCut: Counter;
  readonly benignLogged: Counter;
  readonly commitLatency: Histogram<'kind'>;
  readonly alertsPerTransaction: Histogram;
  readonly scoringLatency: Histogram;
  readonly outboxDepth: Gauge<'state'>;
  readonly collectorReceiveBuffer: Gauge;
  readonly collectorKernelDrops: Counter;
  #depthSource: () => Readonly<Record<string, number>> = () => ({});
  #socketSource: () => CollectorSocketInfo | undefined = () => undefined;

  constructor(options: { defaultMetrics?: boolean } = {}) {
    const r = [this.registry];
    const counter = <L extends string>(name: string, help: string, labelNames: L[] = []): Counter<L> =>
      new Counter({ name: P + name, help, labelNames, registers: r });
    this.flowsReceived = counter('flows_received_total', 'Flow export packets/records handed to the gateway');
    this.flowsDecoded = counter('flows_decoded_total', 'Bidirectional flows decoded and paired');
    this.flowsScored = counter('flows_scored_total', 'Flows scored by the models');
    this.flowsDropped = counter('flows_dropped_total', 'Flows dropped before scoring, by reason', ['reason']);
    this.verdicts = counter('verdicts_total', 'Flow verdicts', ['verdict']);
    this.exchanges = counter('exchanges_total', 'Data-exchange events decided', ['decision']);
    this.overloadRejections = counter(
      'overload_rejections_total',
      'Requests refused because the outbox was over its bound',
      ['endpoint'],
    );
    this.recordsAccepted = counter('records_accepted_total', 'Rows written to the outbox', ['kind']);
    this.recordsCommitted = counter('records_committed_total', 'Outbox rows committed on chain', [
      'kind',
      'duplicate',
    ]);
    this.recordsRejected = counter('records_rejected_total', 'Outbox rows rejected permanently', [
      'kind',
      'code',
    ]);
    this.submitRetries = counter('submit_retries_total', 'Transient submission failures retried', ['code']);
    this.errors = counter('errors_total', 'Errors by stage and catalogue code', ['stage', 'code']);
    this.batchesCut = counter('batches_cut_total', 'Merkle batches cut from the benign log');
    this.benignLogged = counter('benign_logged_total', 'Benign flow records appended to the local log');
    this.commitLatency = new Histogram({
      name: P + 'commit_latency_seconds',
      help: 'From acceptance into the outbox to commit on chain',
      labelNames: ['kind'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300],
      registers: r,
    });
    this.alertsPerTransaction = new Histogram({
      name: P + 'alerts_per_transaction',
      help: 'Flow alerts submitted together in one recordFlowAlerts transaction',
      buckets: [2, 4, 8, 16, 32, 64],
      registers: r,
    });
    this.scoringLatency = new Histogram({
      name: P + 'scoring_batch_seconds',
      help: 'Time to score one micro-batch',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: r,
    });
    const depth = (): Readonly<Record<string, number>> => this.#depthSource();
    this.outboxDepth = new Gauge({
      name: P + 'outbox_rows',
      help: 'Outbox rows by state',
      labelNames: ['state'],
      registers: r,
      collect() {
        for (const [state, n] of Object.entries(depth())) {
          this.set({ state }, n);
        }
      },
    });
    const socket = (): CollectorSocketInfo | undefined => this.#socketSource();
    this.collectorReceiveBuffer = new Gauge({
      name: P + 'collector_receive_buffer_bytes',
      help: 'Receive buffer of the flow collector socket as the kernel reports it (SO_RCVBUF)',
      registers: r,
      collect() {
        const info = socket();
        if (info !== undefined) {
          this.set(info.receiveBuffer.effective);
        }
      },
    });
    let dropsSeen = 0;
    this.collectorKernelDrops = new Counter({
      name: P + 'collector_kernel_drops_total',
      help: 'Datagrams the kernel dropped on the flow collector socket because its receive buffer was full',
      registers: r,
      collect() {
        const drops = socket()?.kernelDrops;
        if (drops !== undefined && drops > dropsSeen) {
          this.inc(drops - dropsSeen);
          dropsSeen = drops;
        }
      },
    });
    if (options.defaultMetrics === true) {
      collectDefaultMetrics({ register: this.registry, prefix: P });
    }
  }

  setOutboxDepthSource(source: () => Readonly<Record<string, number>>): void {
    this.#depthSource = source;
  }

  /** Where scrapes read the collector socket's buffer and kernel drops (/proc, at scrape time). */
  setCollectorSocketSource(source: () => CollectorSocketInfo | undefined): void {
    this.#socketSource = source;
  }

  /** The Prometheus text exposition. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
