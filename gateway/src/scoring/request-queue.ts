/**
 * The rows callers submitted and not yet sent to a worker, in arrival order. A request's rows may be
 * split over several batches; each request settles once, when all its rows are scored or any fails.
 */

export interface ScoredRows {
  readonly attack: Float32Array;
  readonly anomaly: Float32Array | undefined;
}

export interface ScoreRequest {
  /** count * featureCount values. */
  readonly rows: Float32Array;
  readonly count: number;
  readonly enqueuedAt: number;
  readonly results: { attack: Float32Array; anomaly: Float32Array | undefined };
  /** Rows handed to batches so far. */
  taken: number;
  /** Rows whose scores arrived. */
  done: number;
  settled: boolean;
  readonly resolve: (scores: ScoredRows) => void;
  readonly reject: (err: Error) => void;
}

/** A contiguous run of one request's rows inside a batch. */
export interface BatchSlice {
  readonly request: ScoreRequest;
  /** First row of the request in this slice. */
  readonly offset: number;
  readonly count: number;
}

export interface Batch {
  readonly slices: readonly BatchSlice[];
  readonly count: number;
  readonly rows: Float32Array;
}

export class RequestQueue {
  readonly #featureCount: number;
  readonly #requests: ScoreRequest[] = [];
  #head = 0;
  #rows = 0;

  constructor(featureCount: number) {
    this.#featureCount = featureCount;
  }

  /** Rows waiting to be batched. */
  get rows(): number {
    return this.#rows;
  }

  /** Arrival time of the oldest waiting row, or undefined when empty. */
  get oldestAt(): number | undefined {
    this.#dropHead();
    return this.#requests[this.#head]?.enqueuedAt;
  }

  push(request: ScoreRequest): void {
    this.#requests.push(request);
    this.#rows += request.count;
  }

  /** Takes up to `maxRows` rows from the front, copied into one contiguous array. */
  take(maxRows: number): Batch | undefined {
    const slices: BatchSlice[] = [];
    let count = 0;
    while (count < maxRows) {
      this.#dropHead();
      const request = this.#requests[this.#head];
      if (request === undefined) {
        break;
      }
      const n = Math.min(request.count - request.taken, maxRows - count);
      slices.push({ request, offset: request.taken, count: n });
      request.taken += n;
      count += n;
    }
    if (count === 0) {
      return undefined;
    }
    this.#rows -= count;
    const f = this.#featureCount;
    const rows = new Float32Array(count * f);
    let at = 0;
    for (const s of slices) {
      rows.set(s.request.rows.subarray(s.offset * f, (s.offset + s.count) * f), at * f);
      at += s.count;
    }
    return { slices, count, rows };
  }

  /** Rejects every waiting request (pool closing without drain). */
  rejectAll(err: Error): void {
    for (let i = this.#head; i < this.#requests.length; i++) {
      const r = this.#requests[i];
      if (r !== undefined) {
        fail(r, err);
      }
    }
    this.#requests.length = 0;
    this.#head = 0;
    this.#rows = 0;
  }

  /** Forgets rows of requests that already failed, and compacts the array now and then. */
  #dropHead(): void {
    for (;;) {
      const r = this.#requests[this.#head];
      if (r === undefined || (r.taken < r.count && !r.settled)) {
        break;
      }
      this.#rows -= r.count - r.taken;
      r.taken = r.count;
      this.#head++;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#requests.length) {
      this.#requests.splice(0, this.#head);
      this.#head = 0;
    }
  }
}

/** Stores a batch's scores into its requests; resolves those now complete. */
export function complete(batch: Batch, attack: Float32Array, anomaly: Float32Array | undefined): void {
  let at = 0;
  for (const s of batch.slices) {
    const r = s.request;
    if (!r.settled) {
      r.results.attack.set(attack.subarray(at, at + s.count), s.offset);
      if (anomaly !== undefined && r.results.anomaly !== undefined) {
        r.results.anomaly.set(anomaly.subarray(at, at + s.count), s.offset);
      }
      r.done += s.count;
      if (r.done === r.count) {
        r.settled = true;
        r.resolve(r.results);
      }
    }
    at += s.count;
  }
}

/** Rejects a request once. Its rows still waiting in the queue are skipped. */
export function fail(request: ScoreRequest, err: Error): void {
  if (!request.settled) {
    request.settled = true;
    request.reject(err);
  }
}
