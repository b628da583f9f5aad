// A run of real attack flows as a gateway receives them: consecutive flows of one source, in their
// original order, so that the models see their host context (feature spec v2: the source's flows in
// the 60 s before each flow's end).
import path from 'node:path';
import { receivedFlows as receivedCaptureFlows } from '@cityledger/gateway/dist/feature-rows';
import type { BiFlow } from '@cityledger/gateway/dist/flow/biflow';

const REPO = path.resolve(__dirname, '..', '..', '..');

/** Mirai C&C traffic of IoT-23 capture 34-1, held out from training (models/samples/README.md). */
export const ATTACK_CAPTURE = path.join(REPO, 'models', 'samples', 'iot23-34-1-irc-tail.pcap');

/** The capture's BiFlows as the gateway's collector emits them from softflowd's IPFIX export. */
export function receivedFlows(capture: string): Promise<BiFlow[]> {
  return receivedCaptureFlows(capture, { version: 10 });
}

/** Flows in the order they ended, ties kept in the order given. */
export function inEndOrder(flows: readonly BiFlow[]): BiFlow[] {
  return flows
    .map((f, i) => ({ f, i }))
    .sort((a, b) => a.f.endMs - b.f.endMs || a.i - b.i)
    .map(({ f }) => f);
}

/**
 * The capture's BiFlows as the gateway's collector decodes them from softflowd's IPFIX export, in
 * the order their flows ended, ties kept in arrival order (softflowd reports a flow when it expires,
 * which is not that order: bench/real-path.ts measures the difference).
 */
export async function exportedFlows(capture: string): Promise<BiFlow[]> {
  return inEndOrder(await receivedFlows(capture));
}

export interface ScheduledFlow {
  readonly atMs: number;
  readonly flow: BiFlow;
}

/**
 * The first `count` flows, scheduled with their relative spacing (of end times) kept but compressed
 * so that the run lasts count / perSecond seconds on average: the mean rate is the pacing, the bursts
 * and pauses of the real traffic are kept.
 */
export function pacedRun(flows: readonly BiFlow[], count: number, perSecond: number): ScheduledFlow[] {
  const run = flows.slice(0, count);
  if (run.length === 0) {
    return [];
  }
  const first = run[0]!.endMs;
  const span = run[run.length - 1]!.endMs - first;
  const target = ((run.length - 1) * 1000) / perSecond;
  const scale = span > 0 ? target / span : 0;
  return run.map((flow, i) => ({
    atMs: span > 0 ? Math.round((flow.endMs - first) * scale) : (i * 1000) / perSecond,
    flow,
  }));
}

/** The flow re-timed to end at `endMs` (its duration kept). */
export function endingAt(flow: BiFlow, endMs: number): BiFlow {
  return { ...flow, startMs: endMs - Math.max(0, flow.endMs - flow.startMs), endMs };
}
