import type { BiFlow } from '../flow/biflow';

/**
 * Host context of a flow (models/feature-spec.json `context`): counts over the recent flows of the same
 * originator address. Only counts are exposed; addresses group flows and are compared for equality.
 */
export interface FlowContext {
  /** Flows in the context, this flow included (>= 1). */
  readonly flows: number;
  /** Distinct responder addresses. */
  readonly dstAddrs: number;
  /** Distinct (protocol, responder port) pairs. */
  readonly dstPorts: number;
  /** Flows with no responder packet. */
  readonly unanswered: number;
  /** TCP flows with RST seen in either direction. */
  readonly reset: number;
  /** Flows to this flow's responder address. */
  readonly sameDst: number;
}

/** Spec constants (`context.windowMs`, `context.maxFlowsPerSource`); the spec hash pins them. */
export const CONTEXT_WINDOW_MS = 60_000;
export const CONTEXT_MAX_FLOWS_PER_SOURCE = 256;

export interface FlowContextOptions {
  /**
   * Most originator addresses tracked at once (default 4096). Beyond it the least recently seen source is
   * forgotten and restarts with an empty context. Memory is bounded by
   * maxSources x CONTEXT_MAX_FLOWS_PER_SOURCE entries (about 100 bytes each plus the address strings):
   * roughly 100 MB at the default, far less in practice since entries older than the window are dropped.
   */
  readonly maxSources?: number;
}

interface Entry {
  readonly endMs: number;
  readonly dstAddr: string;
  readonly portKey: string;
  readonly unanswered: boolean;
  readonly reset: boolean;
}

const TCP = 6;
const RST = 0x04;

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

function entryOf(flow: BiFlow): Entry {
  const protocol = finite(flow.protocol);
  const flags = finite(flow.fwdTcpFlags) | 0 | (finite(flow.revTcpFlags) | 0);
  return {
    endMs: finite(flow.endMs),
    dstAddr: flow.dstAddr,
    portKey: `${protocol}/${finite(flow.dstPort)}`,
    unanswered: finite(flow.revPackets) <= 0,
    reset: protocol === TCP && (flags & RST) !== 0,
  };
}

/** The context of a flow taken alone (spec `context.isolated`). */
export function isolatedContext(flow: BiFlow): FlowContext {
  const e = entryOf(flow);
  return {
    flows: 1,
    dstAddrs: 1,
    dstPorts: 1,
    unanswered: e.unanswered ? 1 : 0,
    reset: e.reset ? 1 : 0,
    sameDst: 1,
  };
}

/** Counts over the entries whose end lies in [end - window, end] (the newest entry is the flow itself). */
function summarise(entries: readonly Entry[], self: Entry): FlowContext {
  const lo = self.endMs - CONTEXT_WINDOW_MS;
  const dsts = new Set<string>();
  const ports = new Set<string>();
  let flows = 0;
  let unanswered = 0;
  let reset = 0;
  let sameDst = 0;
  for (const e of entries) {
    if (e.endMs < lo || e.endMs > self.endMs) {
      continue;
    }
    flows++;
    dsts.add(e.dstAddr);
    ports.add(e.portKey);
    if (e.unanswered) unanswered++;
    if (e.reset) reset++;
    if (e.dstAddr === self.dstAddr) sameDst++;
  }
  return { flows, dstAddrs: dsts.size, dstPorts: ports.size, unanswered, reset, sameDst };
}

/**
 * Per-source sliding window over the flows a gateway receives, in arrival order. `observe(flow)` adds the
 * flow and returns its context. Arrival order is the training order (end time, then position) when the
 * collector emits flows in end order; see the spec's `context.gatewayDeviation` for what differs otherwise.
 */
export class FlowContextTracker {
  readonly #maxSources: number;
  /** Insertion order = least recently seen first (a source is re-inserted on every flow). */
  readonly #sources = new Map<string, Entry[]>();

  constructor(options: FlowContextOptions = {}) {
    const maxSources = options.maxSources ?? 4096;
    if (!Number.isInteger(maxSources) || maxSources < 1) {
      throw new RangeError(`FlowContextTracker: maxSources must be a positive integer, got ${maxSources}`);
    }
    this.#maxSources = maxSources;
  }

  /** Sources currently tracked. */
  get size(): number {
    return this.#sources.size;
  }

  observe(flow: BiFlow): FlowContext {
    const key = flow.srcAddr;
    const entry = entryOf(flow);
    const entries = this.#sources.get(key) ?? [];
    this.#sources.delete(key);
    entries.push(entry);
    if (entries.length > CONTEXT_MAX_FLOWS_PER_SOURCE) {
      entries.shift();
    }
    // Entries that ended a window before the newest flow of the source can no longer count for an in-order
    // flow; dropping them keeps memory proportional to the recent rate.
    const newest = entries.reduce((max, e) => Math.max(max, e.endMs), entry.endMs);
    let stale = 0;
    while (stale < entries.length - 1 && (entries[stale]?.endMs ?? newest) < newest - CONTEXT_WINDOW_MS) {
      stale++;
    }
    entries.splice(0, stale);
    this.#sources.set(key, entries);
    while (this.#sources.size > this.#maxSources) {
      const oldest = this.#sources.keys().next().value as string;
      this.#sources.delete(oldest);
    }
    return summarise(entries, entry);
  }
}
