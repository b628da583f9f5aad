/**
 * The UDP collector: receives NetFlow v9 / IPFIX datagrams, queues them (bounded: when full, new
 * datagrams are dropped and counted, never silently), decodes and pairs them off the receive path,
 * and hands BiFlow batches to the consumer. A consumer that returns a promise is awaited before the
 * next batch: while it is busy the collector stops decoding, the queue fills, and overload shows up
 * in `dropped`. Datagrams may be recorded to a pcap file for replay.
 */
import dgram from 'node:dgram';
import type { Clock } from '../clock';
import type { BiFlow } from './biflow';
import type { DecodeIssue } from './errors';
import { createPcapWriter, type PcapWriter } from './pcap-writer';
import { FlowPipeline, type FlowPipelineOptions, type FlowStats } from './pipeline';
import { RingQueue } from './ring-queue';
import {
  kernelDrops,
  kernelReceiveBufferMax,
  type ReceiveBuffer,
  receiveBufferOutcome,
} from './udp-socket-info';

/** Receives each batch; a returned promise is awaited before the next batch is handed over. */
export type FlowSink = (flows: readonly BiFlow[]) => void | Promise<void>;

/** What the collector logs through (pino's Logger fits). */
export interface FlowLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface FlowCollectorOptions extends Omit<FlowPipelineOptions, 'onFirstIssue'> {
  /** UDP port; 0 picks a free one (see start()'s result). */
  readonly port: number;
  /** Address to bind; default "0.0.0.0" ("::" when ipv6). */
  readonly host?: string;
  readonly ipv6?: boolean;
  /** Datagrams held between receipt and decoding. Default 8192. */
  readonly queueLimit?: number;
  /** BiFlows per batch handed to the sink. Default 512. */
  readonly batchSize?: number;
  /** A partial batch is handed over after at most this long. Default 250 ms. */
  readonly batchMaxWaitMs?: number;
  /** SO_RCVBUF to ask for (the kernel caps it at net.core.rmem_max; a warning says so). Default 8 MiB. */
  readonly receiveBufferBytes?: number;
  /** Record every received datagram to this pcap file. */
  readonly recordTo?: string;
  readonly clock?: Clock;
  readonly logger?: FlowLogger;
  readonly onFlows: FlowSink;
}

export interface CollectorStats extends FlowStats {
  /** Datagrams received from the socket. */
  readonly received: number;
  /** Datagrams dropped because the queue was full, in all and by exporter. */
  readonly dropped: number;
  readonly droppedByExporter: Readonly<Record<string, number>>;
  readonly queueDepth: number;
  readonly queueHighWater: number;
  readonly batches: number;
  /** Batches whose sink threw or rejected (logged; the flows in them were handed over). */
  readonly sinkErrors: number;
}

/** The collector's socket as the kernel sees it. */
export interface CollectorSocketInfo {
  readonly receiveBuffer: ReceiveBuffer;
  /** Datagrams the kernel dropped since the socket opened (buffer full); undefined if unknown. */
  readonly kernelDrops: number | undefined;
}

export const DEFAULT_RECEIVE_BUFFER_BYTES = 8 * 1024 * 1024;

export interface FlowCollector {
  /** Binds the socket; resolves with the bound address and port. */
  start(): Promise<{ address: string; port: number }>;
  /** Stops receiving, decodes what is queued, emits every pending flow, and waits for the sink. */
  stop(): Promise<void>;
  stats(): CollectorStats;
  /** Receive buffer and kernel drops of the socket (reads /proc); undefined before start(). */
  socketInfo(): CollectorSocketInfo | undefined;
}

interface Queued {
  readonly payload: Buffer;
  readonly exporter: string;
  readonly atMs: number;
}

/** Datagrams decoded per turn of the event loop, so receiving keeps up. */
const DRAIN_BUDGET = 256;
const MAX_TRACKED_EXPORTERS = 1024;

function exporterOf(rinfo: dgram.RemoteInfo): string {
  return rinfo.family === 'IPv6' ? `[${rinfo.address}]:${rinfo.port}` : `${rinfo.address}:${rinfo.port}`;
}

class UdpFlowCollector implements FlowCollector {
  readonly #o: FlowCollectorOptions;
  readonly #clock: Clock;
  readonly #pipeline: FlowPipeline;
  readonly #queue: RingQueue<Queued>;
  readonly #batchSize: number;
  readonly #batchMaxWaitMs: number;
  readonly #droppedBy = new Map<string, number>();
  #socket: dgram.Socket | undefined;
  #recorder: PcapWriter | undefined;
  #local = { address: '', port: 0, family: 'IPv4' as 'IPv4' | 'IPv6' };
  #receiveBuffer: ReceiveBuffer | undefined;
  #timer: NodeJS.Timeout | undefined;
  #batch: BiFlow[] = [];
  #lastDeliveryMs = 0;
  #inflight: Promise<void> | undefined;
  #drainScheduled = false;
  #received = 0;
  #dropped = 0;
  #highWater = 0;
  #batches = 0;
  #sinkErrors = 0;

  constructor(options: FlowCollectorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? { now: () => Date.now() };
    this.#queue = new RingQueue(options.queueLimit ?? 8192);
    this.#batchSize = options.batchSize ?? 512;
    this.#batchMaxWaitMs = options.batchMaxWaitMs ?? 250;
    this.#pipeline = new FlowPipeline({
      ...options,
      onFirstIssue: (exporter: string, issue: DecodeIssue) =>
        options.logger?.warn(
          { exporter, cause: issue.cause, detail: issue.detail },
          'flow datagram not fully decoded',
        ),
    });
  }

  async start(): Promise<{ address: string; port: number }> {
    if (this.#socket !== undefined) throw new Error('flow collector already started');
    const socket = dgram.createSocket({ type: this.#o.ipv6 === true ? 'udp6' : 'udp4' });
    this.#socket = socket;
    socket.on('message', (msg, rinfo) => {
      this.#receive(msg, rinfo);
    });
    socket.on('error', (err) => this.#o.logger?.error({ err }, 'flow collector socket error'));
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.bind(this.#o.port, this.#o.host ?? (this.#o.ipv6 === true ? '::' : '0.0.0.0'), () => {
          socket.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      this.#socket = undefined;
      socket.close();
      throw err;
    }
    this.#setReceiveBuffer(socket);
    const local = socket.address();
    this.#local = {
      address: local.address,
      port: local.port,
      family: local.family === 'IPv6' ? 'IPv6' : 'IPv4',
    };
    if (this.#o.recordTo !== undefined) this.#recorder = createPcapWriter(this.#o.recordTo);
    this.#lastDeliveryMs = this.#clock.now();
    const tickMs = Math.max(10, Math.min(this.#batchMaxWaitMs, 100));
    this.#timer = setInterval(() => {
      this.#tick();
    }, tickMs);
    this.#timer.unref();
    return { address: this.#local.address, port: this.#local.port };
  }

  async stop(): Promise<void> {
    const socket = this.#socket;
    if (socket === undefined) return;
    this.#socket = undefined;
    clearInterval(this.#timer);
    await new Promise<void>((resolve) =>
      socket.close(() => {
        resolve();
      }),
    );
    for (;;) {
      if (this.#inflight !== undefined) await this.#inflight;
      if (this.#queue.size === 0) break;
      this.#decodeUntilBatchFull(this.#queue.size);
      if (this.#batch.length >= this.#batchSize) this.#deliver();
    }
    this.#pipeline.flush(this.#batch);
    while (this.#batch.length > 0 || this.#inflight !== undefined) {
      if (this.#inflight !== undefined) await this.#inflight;
      else this.#deliver();
    }
    await this.#recorder?.close();
    this.#recorder = undefined;
  }

  stats(): CollectorStats {
    return {
      ...this.#pipeline.stats(),
      received: this.#received,
      dropped: this.#dropped,
      droppedByExporter: Object.fromEntries(this.#droppedBy),
      queueDepth: this.#queue.size,
      queueHighWater: this.#highWater,
      batches: this.#batches,
      sinkErrors: this.#sinkErrors,
    };
  }

  socketInfo(): CollectorSocketInfo | undefined {
    if (this.#socket === undefined || this.#receiveBuffer === undefined) return undefined;
    const { address, port, family } = this.#local;
    return { receiveBuffer: this.#receiveBuffer, kernelDrops: kernelDrops(address, port, family) };
  }

  #setReceiveBuffer(socket: dgram.Socket): void {
    const requested = this.#o.receiveBufferBytes ?? DEFAULT_RECEIVE_BUFFER_BYTES;
    try {
      socket.setRecvBufferSize(requested);
    } catch (err) {
      this.#o.logger?.warn({ err, requested }, 'could not set the flow socket receive buffer');
    }
    this.#receiveBuffer = receiveBufferOutcome(requested, socket.getRecvBufferSize());
    if (this.#receiveBuffer.clamped) {
      this.#o.logger?.warn(
        { requested, effective: this.#receiveBuffer.effective, rmemMax: kernelReceiveBufferMax() },
        'flow socket receive buffer clamped by the kernel (net.core.rmem_max): raise it with sysctl to hold longer bursts',
      );
    }
  }

  #receive(payload: Buffer, rinfo: dgram.RemoteInfo): void {
    this.#received++;
    const exporter = exporterOf(rinfo);
    const atMs = this.#clock.now();
    this.#recorder?.write({
      timeMs: atMs,
      sourceAddress: rinfo.address,
      sourcePort: rinfo.port,
      destinationAddress: this.#local.address,
      destinationPort: this.#local.port,
      payload,
    });
    if (!this.#queue.push({ payload, exporter, atMs })) {
      this.#countDrop(exporter);
      return;
    }
    this.#highWater = Math.max(this.#highWater, this.#queue.size);
    this.#scheduleDrain();
  }

  #countDrop(exporter: string): void {
    this.#dropped++;
    const key =
      this.#droppedBy.has(exporter) || this.#droppedBy.size < MAX_TRACKED_EXPORTERS ? exporter : '*';
    const n = (this.#droppedBy.get(key) ?? 0) + 1;
    this.#droppedBy.set(key, n);
    if (n === 1) this.#o.logger?.warn({ exporter: key }, 'flow queue full: dropping datagrams (counted)');
  }

  #scheduleDrain(): void {
    if (this.#drainScheduled) return;
    this.#drainScheduled = true;
    setImmediate(() => {
      this.#drain();
    });
  }

  #drain(): void {
    this.#drainScheduled = false;
    let budget = DRAIN_BUDGET;
    while ((this.#queue.size > 0 && budget > 0) || this.#batch.length >= this.#batchSize) {
      budget -= this.#decodeUntilBatchFull(budget);
      if (this.#batch.length < this.#batchSize) continue;
      if (!this.#deliver()) return; // the sink is busy: resume when it is done
    }
    if (this.#queue.size > 0) this.#scheduleDrain();
  }

  /** Decodes up to `limit` queued datagrams, stopping early when the batch is full; returns how many. */
  #decodeUntilBatchFull(limit: number): number {
    let n = 0;
    while (n < limit && this.#batch.length < this.#batchSize) {
      const item = this.#queue.shift();
      if (item === undefined) break;
      this.#pipeline.push(item.payload, item.exporter, item.atMs, this.#batch);
      n++;
    }
    return n;
  }

  #tick(): void {
    const now = this.#clock.now();
    this.#pipeline.tick(now, this.#batch);
    if (this.#batch.length > 0 && now - this.#lastDeliveryMs >= this.#batchMaxWaitMs) this.#deliver();
  }

  /**
   * Hands the sink up to batchSize flows (a pairing expiry or a large datagram can add more at once;
   * the rest goes out next, so the sink's own bound is never met with an oversized batch); false when
   * the sink is still busy with the previous one.
   */
  #deliver(): boolean {
    if (this.#inflight !== undefined) return false;
    if (this.#batch.length === 0) return true;
    const flows =
      this.#batch.length <= this.#batchSize ? this.#batch : this.#batch.splice(0, this.#batchSize);
    if (flows === this.#batch) this.#batch = [];
    else if (this.#socket !== undefined) this.#scheduleDrain();
    this.#batches++;
    this.#lastDeliveryMs = this.#clock.now();
    let result: void | Promise<void>;
    try {
      result = this.#o.onFlows(flows);
    } catch (err) {
      this.#sinkFailed(err);
      return true;
    }
    if (result instanceof Promise) {
      this.#inflight = result
        .catch((err: unknown) => {
          this.#sinkFailed(err);
        })
        .finally(() => {
          this.#inflight = undefined;
          if (this.#socket !== undefined) this.#scheduleDrain();
        });
    }
    return true;
  }

  #sinkFailed(err: unknown): void {
    this.#sinkErrors++;
    this.#o.logger?.error({ err }, 'flow sink failed');
  }
}

export function createFlowCollector(options: FlowCollectorOptions): FlowCollector {
  return new UdpFlowCollector(options);
}
