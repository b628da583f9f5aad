/**
 * The records waiting for their reverse direction: found by conversation (both directions hash
 * alike), expired oldest first. A Map of hash chains for lookup plus an arrival-order queue for
 * expiry; both are O(1) per record, with no per-record string keys.
 */
import { ICMP_REQUESTS, ICMPV6_REQUESTS } from './orientation';
import { PROTO_ICMP, PROTO_ICMPV6, type UniFlow } from './uniflow';

interface Entry {
  readonly flow: UniFlow;
  readonly hash: number;
  readonly deadlineMs: number;
  /** Next entry with the same hash. */
  next: Entry | undefined;
  /** False once paired or emitted; the queue skips it then. */
  live: boolean;
}

/** ICMP reply type -> its request type, so that both directions share a conversation. */
const ICMP_REPLIES = new Map([...ICMP_REQUESTS].map(([req, rep]) => [rep, req]));
const ICMPV6_REPLIES = new Map([...ICMPV6_REQUESTS].map(([req, rep]) => [rep, req]));

/** Which ICMP exchange a record belongs to: 0 for other protocols, the request type + 1 for request/reply. */
function icmpClass(f: UniFlow): number {
  if (f.protocol !== PROTO_ICMP && f.protocol !== PROTO_ICMPV6) return 0;
  const requests = f.protocol === PROTO_ICMP ? ICMP_REQUESTS : ICMPV6_REQUESTS;
  if (requests.has(f.icmpType)) return f.icmpType + 1;
  const request = (f.protocol === PROTO_ICMP ? ICMP_REPLIES : ICMPV6_REPLIES).get(f.icmpType);
  return request === undefined ? 0x1_0000 + ((f.icmpType << 8) | f.icmpCode) : request + 1;
}

/** FNV-1a over a string's UTF-16 code units. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

function endpointHash(addr: string, port: number): number {
  return (hashString(addr) ^ Math.imul(port + 1, 0x9e3779b1)) >>> 0;
}

/** The same for both directions of a conversation. */
export function conversationHash(f: UniFlow): number {
  const a = endpointHash(f.srcAddr, f.srcPort);
  const b = endpointHash(f.dstAddr, f.dstPort);
  const ends = a < b ? Math.imul(a, 31) + b : Math.imul(b, 31) + a;
  return (
    (ends ^
      hashString(f.exporter) ^
      Math.imul(f.domain + 1, 0x85ebca6b) ^
      (f.protocol << 24) ^
      icmpClass(f)) >>>
    0
  );
}

function sameConversation(a: UniFlow, b: UniFlow): boolean {
  if (a.exporter !== b.exporter || a.domain !== b.domain || a.protocol !== b.protocol) return false;
  if (icmpClass(a) !== icmpClass(b)) return false;
  const same =
    a.srcAddr === b.srcAddr && a.srcPort === b.srcPort && a.dstAddr === b.dstAddr && a.dstPort === b.dstPort;
  return (
    same ||
    (a.srcAddr === b.dstAddr && a.srcPort === b.dstPort && a.dstAddr === b.srcAddr && a.dstPort === b.srcPort)
  );
}

export class PendingTable {
  readonly #hash: (f: UniFlow) => number;
  readonly #chains = new Map<number, Entry>();
  #queue: Entry[] = [];
  #head = 0;
  #live = 0;

  /** `hash` must give both directions of a conversation the same value (tests pass a colliding one). */
  constructor(hash: (f: UniFlow) => number = conversationHash) {
    this.#hash = hash;
  }

  get size(): number {
    return this.#live;
  }

  /** Removes and returns the waiting record of `flow`'s conversation (either direction), if any. */
  take(flow: UniFlow): UniFlow | undefined {
    const hash = this.#hash(flow);
    let prev: Entry | undefined;
    for (let e = this.#chains.get(hash); e !== undefined; prev = e, e = e.next) {
      if (!sameConversation(e.flow, flow)) continue;
      this.#unlink(e, prev);
      return e.flow;
    }
    return undefined;
  }

  add(flow: UniFlow, deadlineMs: number): void {
    const hash = this.#hash(flow);
    const entry: Entry = { flow, hash, deadlineMs, next: this.#chains.get(hash), live: true };
    this.#chains.set(hash, entry);
    this.#queue.push(entry);
    this.#live++;
    if (this.#queue.length - this.#head > 4 * this.#live + 1024) this.#compact();
  }

  /** Removes and returns the oldest waiting record if its deadline is at most `nowMs`. */
  shiftExpired(nowMs: number): UniFlow | undefined {
    const e = this.#oldest();
    if (e === undefined || e.deadlineMs > nowMs) return undefined;
    this.#remove(e);
    return e.flow;
  }

  /** Removes and returns the oldest waiting record. */
  shiftOldest(): UniFlow | undefined {
    return this.shiftExpired(Number.POSITIVE_INFINITY);
  }

  #oldest(): Entry | undefined {
    while (this.#head < this.#queue.length) {
      const e = this.#queue[this.#head];
      if (e?.live === true) return e;
      this.#head++;
    }
    this.#queue = [];
    this.#head = 0;
    return undefined;
  }

  #remove(e: Entry): void {
    let prev: Entry | undefined;
    for (let c = this.#chains.get(e.hash); c !== undefined && c !== e; c = c.next) prev = c;
    this.#unlink(e, prev);
  }

  #unlink(e: Entry, prev: Entry | undefined): void {
    if (prev === undefined) {
      if (e.next === undefined) this.#chains.delete(e.hash);
      else this.#chains.set(e.hash, e.next);
    } else {
      prev.next = e.next;
    }
    e.live = false;
    this.#live--;
  }

  /** Drops entries no longer waiting from the queue (they pile up when most records pair). */
  #compact(): void {
    this.#queue = this.#queue.slice(this.#head).filter((e) => e.live);
    this.#head = 0;
  }
}
