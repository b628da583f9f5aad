/**
 * Pairs the two directions of a conversation into BiFlows. A record waits (bounded in time and
 * number) for its reverse: same exporter and domain, protocol, swapped addresses and ports (for
 * ICMP: the matching reply or request type), with overlapping times. Unpaired records are emitted
 * one-sided when their wait ends, when the table is full (oldest first), or on flush. RFC 5103
 * biflow records already hold both directions and pass straight through.
 */
import type { BiFlow } from './biflow';
import { ICMP_REQUESTS, ICMPV6_REQUESTS, aInitiates, type DirectionView } from './orientation';
import { PROTO_ICMP, PROTO_ICMPV6, type ReverseCounters, type UniFlow } from './uniflow';

export interface PairingOptions {
  /** How long a record waits for its reverse before it is emitted alone. Default 2000 ms. */
  readonly timeoutMs: number;
  /** Most records waiting at once; when full, the oldest is emitted alone. Default 100,000. */
  readonly maxPending: number;
  /** Two records pair only if their time spans overlap, give or take this. Default 1000 ms. */
  readonly maxSkewMs: number;
}

export const DEFAULT_PAIRING_OPTIONS: PairingOptions = {
  timeoutMs: 2000,
  maxPending: 100_000,
  maxSkewMs: 1000,
};

export interface PairingStats {
  /** BiFlows made of two records. */
  readonly paired: number;
  /** BiFlows made of one record whose reverse never came (timeout, table full, or flush). */
  readonly oneSided: number;
  /** Of those, emitted early because the table was full. */
  readonly evicted: number;
  /** BiFlows from RFC 5103 biflow records. */
  readonly biflowRecords: number;
  /** Records waiting now. */
  readonly pending: number;
}

interface Pending {
  readonly flow: UniFlow;
  readonly deadlineMs: number;
}

/** ICMP reply type -> its request type, so that both directions share a key. */
const ICMP_REPLIES = new Map([...ICMP_REQUESTS].map(([req, rep]) => [rep, req]));
const ICMPV6_REPLIES = new Map([...ICMPV6_REQUESTS].map(([req, rep]) => [rep, req]));

function conversationClass(f: UniFlow): string {
  if (f.protocol === PROTO_ICMP || f.protocol === PROTO_ICMPV6) {
    const requests = f.protocol === PROTO_ICMP ? ICMP_REQUESTS : ICMPV6_REQUESTS;
    const replies = f.protocol === PROTO_ICMP ? ICMP_REPLIES : ICMPV6_REPLIES;
    if (requests.has(f.icmpType)) return `i${f.icmpType}`;
    const request = replies.get(f.icmpType);
    return request === undefined ? `i${f.icmpType}.${f.icmpCode}` : `i${request}`;
  }
  return '';
}

/** Key of the direction `f` travels, and of the opposite one. */
function keys(f: UniFlow): [string, string] {
  const common = `${f.exporter}|${f.domain}|${f.protocol}|${conversationClass(f)}|`;
  const from = `${f.srcAddr}|${f.srcPort}`;
  const to = `${f.dstAddr}|${f.dstPort}`;
  return [`${common}${from}>${to}`, `${common}${to}>${from}`];
}

function overlap(a: UniFlow, b: UniFlow, skewMs: number): boolean {
  return a.startMs <= b.endMs + skewMs && b.startMs <= a.endMs + skewMs;
}

function biflow(fwd: UniFlow, rev: UniFlow | undefined): BiFlow {
  return {
    exporter: fwd.exporter,
    startMs: rev === undefined ? fwd.startMs : Math.min(fwd.startMs, rev.startMs),
    endMs: rev === undefined ? fwd.endMs : Math.max(fwd.endMs, rev.endMs),
    protocol: fwd.protocol,
    srcAddr: fwd.srcAddr,
    dstAddr: fwd.dstAddr,
    srcPort: fwd.srcPort,
    dstPort: fwd.dstPort,
    fwdBytes: fwd.bytes,
    fwdPackets: fwd.packets,
    revBytes: rev?.bytes ?? 0,
    revPackets: rev?.packets ?? 0,
    fwdTcpFlags: fwd.tcpFlags,
    revTcpFlags: rev?.tcpFlags ?? 0,
  };
}

/** An RFC 5103 record as a BiFlow, turned round when its reverse side is the initiator. */
function fromBiflowRecord(f: UniFlow, r: ReverseCounters): BiFlow {
  const forward = biflow(f, { ...f, bytes: r.bytes, packets: r.packets, tcpFlags: r.tcpFlags });
  const back: DirectionView = { ...f, tcpFlags: r.tcpFlags, dstPort: f.srcPort };
  // A side that sent nothing is never the forward one; with both sides active, orientation decides.
  const turn = r.packets > 0 && (f.packets === 0 || !aInitiates(f, back));
  if (!turn) return forward;
  return {
    ...forward,
    srcAddr: f.dstAddr,
    dstAddr: f.srcAddr,
    srcPort: f.dstPort,
    dstPort: f.srcPort,
    fwdBytes: r.bytes,
    fwdPackets: r.packets,
    fwdTcpFlags: r.tcpFlags,
    revBytes: f.bytes,
    revPackets: f.packets,
    revTcpFlags: f.tcpFlags,
  };
}

export class FlowPairer {
  readonly #options: PairingOptions;
  /** Insertion order is arrival order, so the first entries are the oldest and expire first. */
  readonly #pending = new Map<string, Pending>();
  #paired = 0;
  #oneSided = 0;
  #evicted = 0;
  #biflowRecords = 0;

  constructor(options: Partial<PairingOptions> = {}) {
    this.#options = { ...DEFAULT_PAIRING_OPTIONS, ...options };
  }

  /** Takes one record; appends to `out` any BiFlow it completes or displaces. */
  add(flow: UniFlow, nowMs: number, out: BiFlow[]): void {
    if (flow.reverse !== undefined) {
      this.#biflowRecords++;
      out.push(fromBiflowRecord(flow, flow.reverse));
      return;
    }
    const [own, reverse] = keys(flow);
    const waiting = this.#pending.get(reverse);
    if (waiting !== undefined) {
      this.#pending.delete(reverse);
      if (overlap(waiting.flow, flow, this.#options.maxSkewMs)) {
        this.#paired++;
        const [fwd, rev] = aInitiates(waiting.flow, flow) ? [waiting.flow, flow] : [flow, waiting.flow];
        out.push(biflow(fwd, rev));
        return;
      }
      this.#emitAlone(waiting.flow, out);
    }
    const same = this.#pending.get(own);
    if (same !== undefined) {
      this.#pending.delete(own);
      this.#emitAlone(same.flow, out);
    }
    if (this.#pending.size >= this.#options.maxPending) this.#evictOldest(out);
    this.#pending.set(own, { flow, deadlineMs: nowMs + this.#options.timeoutMs });
  }

  /** Emits records whose wait has ended. */
  expire(nowMs: number, out: BiFlow[]): void {
    for (const [key, p] of this.#pending) {
      if (p.deadlineMs > nowMs) break;
      this.#pending.delete(key);
      this.#emitAlone(p.flow, out);
    }
  }

  /** Emits every waiting record (at shutdown or the end of a replay). */
  flush(out: BiFlow[]): void {
    for (const p of this.#pending.values()) this.#emitAlone(p.flow, out);
    this.#pending.clear();
  }

  stats(): PairingStats {
    return {
      paired: this.#paired,
      oneSided: this.#oneSided,
      evicted: this.#evicted,
      biflowRecords: this.#biflowRecords,
      pending: this.#pending.size,
    };
  }

  #evictOldest(out: BiFlow[]): void {
    const first = this.#pending.entries().next();
    if (first.done === true) return;
    this.#pending.delete(first.value[0]);
    this.#evicted++;
    this.#emitAlone(first.value[1].flow, out);
  }

  #emitAlone(flow: UniFlow, out: BiFlow[]): void {
    this.#oneSided++;
    out.push(biflow(flow, undefined));
  }
}
