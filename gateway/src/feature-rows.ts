/**
 * The feature rows a gateway computes for a packet capture, for training on what a gateway sees: the
 * capture exported by softflowd, decoded and paired by the collector, each BiFlow's features taken with
 * the host context of the flows received before it (arrival order, as the scorer takes them). Training
 * joins labels to the rows by their flow identity (models/flowml/gateway_view.py); a site can do the
 * same with its own traffic and labels.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { BiFlow } from './flow/biflow';
import { createFlowCollector } from './flow/collector';
import { runSoftflowd } from './flow/softflowd';
import { extractFeatures, FlowContextTracker } from './features';

/** One line of `cityledger-gateway features`: a received flow's identity and its feature row. */
export interface FeatureRow {
  /** The capture file, as given. */
  readonly capture: string;
  /** Position in the order the collector emitted the flows (0-based). */
  readonly arrival: number;
  readonly protocol: number;
  readonly srcAddr: string;
  readonly srcPort: number;
  readonly dstAddr: string;
  readonly dstPort: number;
  readonly startMs: number;
  readonly endMs: number;
  /** The feature vector, in feature-spec order (float32 values). */
  readonly features: number[];
}

export interface FeatureRowOptions {
  /** NetFlow version softflowd exports (9 or 10 = IPFIX). Default 10. */
  readonly version?: 9 | 10;
  /** softflowd binary; default from PATH. */
  readonly softflowdPath?: string;
}

/** The BiFlows of a capture in the order the collector emits them from softflowd's export. */
export async function receivedFlows(capture: string, options: FeatureRowOptions = {}): Promise<BiFlow[]> {
  const flows: BiFlow[] = [];
  const collector = createFlowCollector({
    port: 0,
    host: '127.0.0.1',
    batchSize: 256,
    onFlows: (batch) => {
      flows.push(...batch);
    },
  });
  const { port } = await collector.start();
  try {
    await runSoftflowd({
      capture,
      host: '127.0.0.1',
      port,
      version: options.version ?? 10,
      ...(options.softflowdPath === undefined ? {} : { binary: options.softflowdPath }),
    });
    // The last datagrams may still be in the socket buffer.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  } finally {
    await collector.stop();
  }
  return flows;
}

/** Feature rows of flows in the order given, with one host-context tracker (a gateway's view of one site). */
export function featureRows(capture: string, flows: readonly BiFlow[]): FeatureRow[] {
  const tracker = new FlowContextTracker();
  return flows.map((flow, arrival) => ({
    capture,
    arrival,
    protocol: flow.protocol,
    srcAddr: flow.srcAddr,
    srcPort: flow.srcPort,
    dstAddr: flow.dstAddr,
    dstPort: flow.dstPort,
    startMs: flow.startMs,
    endMs: flow.endMs,
    features: Array.from(extractFeatures(flow, tracker.observe(flow))),
  }));
}

/**
 * Writes the feature rows of each capture (each with a context of its own) as JSON lines to `out`;
 * returns the number of rows per capture.
 */
export async function writeFeatureRows(
  captures: readonly string[],
  out: NodeJS.WritableStream,
  options: FeatureRowOptions = {},
): Promise<number[]> {
  const counts: number[] = [];
  for (const capture of captures) {
    const rows = featureRows(capture, await receivedFlows(capture, options));
    for (const row of rows) {
      if (!out.write(`${JSON.stringify(row)}\n`)) {
        await once(out, 'drain');
      }
    }
    counts.push(rows.length);
  }
  return counts;
}

/** `writeFeatureRows` into a file. */
export async function writeFeatureRowsFile(
  captures: readonly string[],
  file: string,
  options: FeatureRowOptions = {},
): Promise<number[]> {
  const out = createWriteStream(file);
  try {
    return await writeFeatureRows(captures, out, options);
  } finally {
    out.end();
    await once(out, 'close');
  }
}
