/**
 * Pairs the two directions of a conversation into BiFlows. A record waits (bounded in time and
 * number) for its reverse: same exporter and domain, protocol, swapped addresses and ports (for
 * ICMP: the matching reply or request type), with overlapping times. Unpaired records are emitted
 * one-sided when their wait ends, when the table is full (oldest first), or on flush. RFC 5103
 * biflow records already hold both directions and pass straight through.
 */
import type { BiFlow } from './biflow';
import { aInitiates, type DirectionView } from './orientation';
import { PendingTable } from './pending-table';
import type { ReverseCounters, UniFlow } from './uniflow';

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

function sameDirection(a: UniFlow, b: UniFlow): boolean {
  return (
    a.srcAddr === b.srcAddr && a.srcPort === b.srcPort && a.dstAddr === b.dstAddr && a.dstPort === b.dstPort
  );
}

export class FlowPairer {
  readonly #options: PairingOptions;
  readonly #pending = new PendingTable();
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
    const waiting = this.#pending.take(flow);
    if (waiting !== undefined) {
      if (!sameDirection(waiting, flow) && overlap(waiting, flow, this.#options.maxSkewMs)) {
        this.#paired++;
        const [fwd, rev] = aInitiates(waiting, flow) ? [waiting, flow] : [flow, waiting];
        out.push(biflow(fwd, rev));
        return;
      }
      this.#emitAlone(waiting, out);
    }
    if (this.#pending.size >= this.#options.maxPending) {
      const oldest = this.#pending.shiftOldest();
      if (oldest !== undefined) {
        this.#evicted++;
        this.#emitAlone(oldest, out);
      }
    }
    this.#pending.add(flow, nowMs + this.#options.timeoutMs);
  }

  /** Emits records whose wait has ended. */
  expire(nowMs: number, out: BiFlow[]): void {
    for (let f = this.#pending.shiftExpired(nowMs); f !== undefined; f = this.#pending.shiftExpired(nowMs)) {
      this.#emitAlone(f, out);
    }
  }

  /** Emits every waiting record (at shutdown or the end of a replay), oldest first. */
  flush(out: BiFlow[]): void {
    for (let f = this.#pending.shiftOldest(); f !== undefined; f = this.#pending.shiftOldest())
      this.#emitAlone(f, out);
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

  #emitAlone(flow: UniFlow, out: BiFlow[]): void {
    this.#oneSided++;
    out.push(biflow(flow, undefined));
  }
}
