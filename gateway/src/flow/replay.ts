/**
 * Replays a capture of exported NetFlow v9 / IPFIX datagrams (a pcap, e.g. recorded by the
 * collector's `recordTo`) through the same decode-and-pair pipeline, with the capture's timestamps
 * as the clock. For the CLI's replay mode, tests and benchmarks.
 */
import { readFile } from 'node:fs/promises';
import type { BiFlow } from './biflow';
import type { FlowSink } from './collector';
import { readPcap, type CapturedDatagram } from './pcap-reader';
import { FlowPipeline, type FlowPipelineOptions, type FlowStats } from './pipeline';

export interface ReplayOptions extends FlowPipelineOptions {
  /** Only datagrams sent to this UDP port; default all. */
  readonly destinationPort?: number;
}

export interface ReplayResult {
  readonly flows: BiFlow[];
  readonly stats: FlowStats;
  /** UDP datagrams replayed, and capture frames that were not UDP datagrams. */
  readonly datagrams: number;
  readonly skippedFrames: number;
  /** The capture ended inside a record; what came before was replayed. */
  readonly truncated: boolean;
}

/** Replays datagrams already in memory, in order. */
export function replayDatagrams(
  datagrams: readonly CapturedDatagram[],
  options: ReplayOptions = {},
): ReplayResult {
  const pipeline = new FlowPipeline(options);
  const flows: BiFlow[] = [];
  let count = 0;
  for (const d of datagrams) {
    if (options.destinationPort !== undefined && d.destinationPort !== options.destinationPort) continue;
    pipeline.push(d.payload, d.source, d.timeMs, flows);
    pipeline.tick(d.timeMs, flows);
    count++;
  }
  pipeline.flush(flows);
  return { flows, stats: pipeline.stats(), datagrams: count, skippedFrames: 0, truncated: false };
}

/** Replays a pcap file held in memory; throws PcapFormatError if it is not one. */
export function replayCapture(capture: Buffer, options: ReplayOptions = {}): ReplayResult {
  const contents = readPcap(capture);
  const result = replayDatagrams(contents.datagrams, options);
  return { ...result, skippedFrames: contents.skipped, truncated: contents.truncated };
}

/** Replays a pcap file, handing the flows to `sink` in batches (awaited) when one is given. */
export async function replayCaptureFile(
  path: string,
  options: ReplayOptions & { readonly sink?: FlowSink; readonly batchSize?: number } = {},
): Promise<ReplayResult> {
  const result = replayCapture(await readFile(path), options);
  if (options.sink === undefined) return result;
  const size = options.batchSize ?? 512;
  for (let i = 0; i < result.flows.length; i += size) await options.sink(result.flows.slice(i, i + size));
  return result;
}
