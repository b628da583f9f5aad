import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { BiFlow } from './flow/biflow';
import { createFlowCollector } from './flow/collector';
import { replayCaptureFile } from './flow/replay';
import { runSoftflowd } from './flow/softflowd';
import { readFlowFile } from './flow-file';
import type { OutboxKind, OutboxState } from './outbox-state';
import type { GatewayService } from './service';

export const REPLAY_FORMATS = ['jsonl', 'pcap', 'netflow-pcap'] as const;
export type ReplayFormat = (typeof REPLAY_FORMATS)[number];

export interface ReplayOptions {
  readonly file: string;
  /** jsonl: BiFlow lines; pcap: packets, exported by softflowd; netflow-pcap: exported datagrams. */
  readonly format: ReplayFormat;
  /** Wait for the ledger to settle the records (when the service has one), up to this long (ms). */
  readonly drainMs: number;
  /** NetFlow version softflowd exports (9 or 10 = IPFIX). */
  readonly softflowdVersion?: 9 | 10;
  readonly softflowdPath?: string;
  readonly batchSize?: number;
  /**
   * Keep the flows' own times. By default a replayed flow is re-timed to end when it is replayed (its
   * duration kept): records of a capture from long ago would be outside the chain's time window.
   */
  readonly keepTimes?: boolean;
  readonly onProgress?: (done: number, total: number | undefined) => void;
}

export interface ReplaySummary {
  readonly flows: number;
  readonly dropped: number;
  readonly verdicts: { readonly benign: number; readonly suspicious: number; readonly malicious: number };
  readonly flowAlerts: number;
  readonly logged: number;
  readonly batchesCut: number;
  /** Outbox rows by kind that reached each state during the run. */
  readonly settled: Readonly<Record<OutboxKind, Readonly<Record<OutboxState, number>>>>;
  readonly drained: boolean;
  readonly seconds: number;
}

type Counts = Record<OutboxKind, Record<OutboxState, number>>;

function outboxCounts(service: GatewayService): Counts {
  const zero = (): Record<OutboxState, number> => ({ pending: 0, submitting: 0, committed: 0, rejected: 0 });
  const counts: Counts = { exchange: zero(), 'flow-alert': zero(), batch: zero(), 'personal-data': zero() };
  for (const { kind, state, n } of service.parts.outbox.summary()) {
    counts[kind][state] = n;
  }
  return counts;
}

function difference(after: Counts, before: Counts): Counts {
  const out = structuredClone(after);
  for (const kind of Object.keys(out) as OutboxKind[]) {
    for (const state of ['committed', 'rejected'] as const) {
      out[kind][state] -= before[kind][state];
    }
  }
  return out;
}

async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
    n += line.trim() === '' ? 0 : 1;
  }
  return n;
}

async function feedJsonl(service: GatewayService, o: ReplayOptions): Promise<void> {
  const total = await countLines(o.file);
  let done = 0;
  for await (const batch of readFlowFile(o.file, o.batchSize ?? 512)) {
    await intakeOf(service, o)(batch);
    done += batch.length;
    o.onProgress?.(done, total);
  }
}

async function feedSoftflowd(service: GatewayService, o: ReplayOptions): Promise<void> {
  let done = 0;
  const collector = createFlowCollector({
    port: 0,
    host: '127.0.0.1',
    receiveBufferBytes: service.parts.config.collector.receiveBufferBytes,
    clock: service.parts.clock,
    logger: service.parts.logger,
    onFlows: (flows: readonly BiFlow[]) => {
      done += flows.length;
      o.onProgress?.(done, undefined);
      return intakeOf(service, o)(flows);
    },
  });
  const { port } = await collector.start();
  try {
    await runSoftflowd({
      capture: o.file,
      host: '127.0.0.1',
      port,
      version: o.softflowdVersion ?? 10,
      ...(o.softflowdPath === undefined ? {} : { binary: o.softflowdPath }),
    });
    // The last datagrams may still be in the socket buffer.
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    await collector.stop();
  }
}

async function feedExported(service: GatewayService, o: ReplayOptions): Promise<void> {
  let done = 0;
  await replayCaptureFile(o.file, {
    batchSize: o.batchSize ?? 512,
    sink: async (flows) => {
      done += flows.length;
      o.onProgress?.(done, undefined);
      await intakeOf(service, o)(flows);
    },
  });
}

/** The flows as if they had just ended (durations kept). */
export function retime(flows: readonly BiFlow[], nowMs: number): BiFlow[] {
  return flows.map((f) => {
    const duration = Math.max(0, f.endMs - f.startMs);
    return { ...f, startMs: nowMs - duration, endMs: nowMs };
  });
}

/** What a replay hands its flows to: the service's intake, re-timed unless told otherwise. */
function intakeOf(service: GatewayService, o: ReplayOptions): (flows: readonly BiFlow[]) => Promise<void> {
  const { flows, clock } = service.parts;
  return o.keepTimes === true
    ? (batch) => flows.ingest(batch)
    : (batch) => flows.ingest(retime(batch, clock.now()));
}

/**
 * Feeds a flow file or a capture through the full pipeline of an opened (not started) service:
 * scoring, records, outbox, batches, and the submitter when the service has a ledger.
 */
export async function runReplay(service: GatewayService, o: ReplayOptions): Promise<ReplaySummary> {
  const started = Date.now();
  const before = outboxCounts(service);
  const { flows, submitter, clock } = service.parts;
  submitter?.start();
  const cutter = setInterval(() => void service.cutDueBatches(), 250);
  try {
    const feed = { jsonl: feedJsonl, pcap: feedSoftflowd, 'netflow-pcap': feedExported }[o.format];
    await feed(service, o);
    await flows.drain();
  } finally {
    clearInterval(cutter);
  }
  await service.flushBatches();
  const drained = await service.drainOutbox(clock.now() + o.drainMs);
  await submitter?.stop(1_000);
  const stats = flows.stats();
  const after = outboxCounts(service);
  const settled = difference(after, before);
  const total = (c: Counts): number => Object.values(c.batch).reduce((a, b) => a + b, 0);
  const batchesCut = total(after) - total(before);
  return {
    flows: stats.received,
    dropped: stats.dropped,
    verdicts: { benign: stats.benign, suspicious: stats.suspicious, malicious: stats.malicious },
    flowAlerts: stats.suspicious + stats.malicious,
    logged: stats.benign,
    batchesCut,
    settled,
    drained,
    seconds: (Date.now() - started) / 1000,
  };
}
