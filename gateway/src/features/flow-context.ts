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
   * forgotten and restarts with an empty context; so is a source whose newest flow ended five windows
   * before the flow being processed. Memory is bounded by maxSources x CONTEXT_MAX_FLOWS_PER_SOURCE
   * entries (about 100 bytes each, plus two count maps per source): roughly 100 MB at the default if 4096
   * sources were each active with 256 flows, far less in practice.
   */
  readonly maxSources?: number;
}

interface Entry {
  readonly endMs: number;
  readonly dstAddr: string;
  /** (protocol, responder port): one number when both are in range, else their text. */
  readonly portKey: number | string;
  readonly unanswered: boolean;
  readonly reset: boolean;
}

const TCP = 6;
const RST = 0x04;

function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

function portKey(protocol: number, port: number): number | string {
  return Number.isInteger(protocol) &&
    protocol >= 0 &&
    protocol <= 255 &&
    Number.isInteger(port) &&
    port >= 0 &&
    port <= 65_535
    ? protocol * 65_536 + port
    : `${protocol}/${port}`;
}

function entryOf(flow: BiFlow): Entry {
  const protocol = finite(flow.protocol);
  const flags = finite(flow.fwdTcpFlags) | 0 | (finite(flow.revTcpFlags) | 0);
  return {
    endMs: finite(flow.endMs),
    dstAddr: flow.dstAddr,
    portKey: portKey(protocol, finite(flow.dstPort)),
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

/** Sets reused by the scans of the out-of-order path (one tracker runs on one thread). */
interface Scratch {
  readonly dsts: Set<string>;
  readonly ports: Set<number | string>;
}

function bump<K>(counts: Map<K, number>, key: K, by: number): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n === 0) {
    counts.delete(key);
  } else {
    counts.set(key, n);
  }
}

/**
 * One source's last CONTEXT_MAX_FLOWS_PER_SOURCE flows in arrival order (a ring), which is what the spec's
 * context is taken from. While the ring is sorted by end time (flows arrived in end order), running counts
 * over its suffix inside the newest flow's window give the context in O(1) amortised; otherwise the
 * context is a scan of the ring, and the counts are rebuilt once it is sorted again.
 */
class SourceWindow {
  readonly #ring: (Entry | undefined)[] = [];
  #head = 0;
  #size = 0;
  /** Adjacent pairs in the ring whose end time decreases. */
  #inversions = 0;
  /** Ring position of the first counted entry; counts cover positions lo..size-1 when #valid. */
  #lo = 0;
  #valid = false;
  readonly #dsts = new Map<string, number>();
  readonly #ports = new Map<number | string, number>();
  #unanswered = 0;
  #reset = 0;

  get newestEndMs(): number {
    return this.#size === 0 ? Number.NEGATIVE_INFINITY : this.#at(this.#size - 1).endMs;
  }

  /** Adds the flow and returns its context. */
  observe(e: Entry, scratch: Scratch): FlowContext {
    this.#push(e);
    if (this.#inversions > 0) {
      this.#valid = false;
      return this.#scan(e, scratch);
    }
    if (this.#valid) {
      this.#count(e, 1);
    } else {
      this.#rebuild();
    }
    const lo = e.endMs - CONTEXT_WINDOW_MS;
    while (this.#lo < this.#size && this.#at(this.#lo).endMs < lo) {
      this.#count(this.#at(this.#lo), -1);
      this.#lo++;
    }
    return {
      flows: this.#size - this.#lo,
      dstAddrs: this.#dsts.size,
      dstPorts: this.#ports.size,
      unanswered: this.#unanswered,
      reset: this.#reset,
      sameDst: this.#dsts.get(e.dstAddr) ?? 0,
    };
  }

  #at(i: number): Entry {
    const e = this.#ring[(this.#head + i) % CONTEXT_MAX_FLOWS_PER_SOURCE];
    if (e === undefined) {
      throw new RangeError(`SourceWindow: no entry at ${i}`);
    }
    return e;
  }

  /** Counts over the ring's entries whose end lies in [end - window, end] (at most 256 entries). */
  #scan(self: Entry, { dsts, ports }: Scratch): FlowContext {
    const lo = self.endMs - CONTEXT_WINDOW_MS;
    dsts.clear();
    ports.clear();
    let flows = 0;
    let unanswered = 0;
    let reset = 0;
    let sameDst = 0;
    for (let i = 0; i < this.#size; i++) {
      const e = this.#at(i);
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

  #push(e: Entry): void {
    if (this.#size === CONTEXT_MAX_FLOWS_PER_SOURCE) {
      const front = this.#at(0);
      if (this.#at(1).endMs < front.endMs) this.#inversions--;
      if (this.#lo > 0) {
        this.#lo--;
      } else if (this.#valid) {
        this.#count(front, -1);
      }
      this.#head = (this.#head + 1) % CONTEXT_MAX_FLOWS_PER_SOURCE;
      this.#size--;
    }
    if (this.#size > 0 && e.endMs < this.#at(this.#size - 1).endMs) this.#inversions++;
    this.#ring[(this.#head + this.#size) % CONTEXT_MAX_FLOWS_PER_SOURCE] = e;
    this.#size++;
  }

  /** Counts over the whole (sorted) ring; the caller then drops the part outside the newest window. */
  #rebuild(): void {
    this.#dsts.clear();
    this.#ports.clear();
    this.#unanswered = 0;
    this.#reset = 0;
    this.#lo = 0;
    for (let i = 0; i < this.#size; i++) {
      this.#count(this.#at(i), 1);
    }
    this.#valid = true;
  }

  #count(e: Entry, by: number): void {
    bump(this.#dsts, e.dstAddr, by);
    bump(this.#ports, e.portKey, by);
    if (e.unanswered) this.#unanswered += by;
    if (e.reset) this.#reset += by;
  }
}

/** Sources idle for this many windows (by the flows' end times) are forgotten. */
const IDLE_WINDOWS = 5;

/**
 * Per-source context over the flows a gateway receives, in arrival order. `observe(flow)` adds the flow
 * and returns its context: among the source's last CONTEXT_MAX_FLOWS_PER_SOURCE flows received (this one
 * included), those that end within its window. When flows arrive in end order this is the spec's
 * definition exactly, at O(1) amortised cost per flow; otherwise a flow misses the flows that arrive after
 * it but end before it (spec `context.gatewayDeviation`), and costs a scan of at most 256 entries.
 */
export class FlowContextTracker {
  readonly #maxSources: number;
  /** Insertion order = least recently seen first (a source is re-inserted on every flow). */
  readonly #sources = new Map<string, SourceWindow>();
  readonly #scratch: Scratch = { dsts: new Set(), ports: new Set() };

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
    const window = this.#sources.get(key) ?? new SourceWindow();
    this.#sources.delete(key);
    this.#sources.set(key, window);
    this.#forget(entry.endMs);
    return window.observe(entry, this.#scratch);
  }

  /** Drops the least recently seen sources beyond maxSources, and up to two that have gone idle. */
  #forget(nowMs: number): void {
    while (this.#sources.size > this.#maxSources) {
      this.#dropOldest();
    }
    for (let i = 0; i < 2 && this.#sources.size > 1; i++) {
      const oldest = this.#sources.values().next().value;
      if (oldest === undefined || oldest.newestEndMs >= nowMs - IDLE_WINDOWS * CONTEXT_WINDOW_MS) {
        return;
      }
      this.#dropOldest();
    }
  }

  #dropOldest(): void {
    const oldest = this.#sources.keys().next().value;
    if (oldest !== undefined) {
      this.#sources.delete(oldest);
    }
  }
}
