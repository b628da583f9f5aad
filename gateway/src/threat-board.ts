import { type ModelThresholds, type Verdict, verdictFor } from '@cityledger/core';

export interface ThreatAssessment {
  /** The worst recent classifier score of the address, 0 when none is known. */
  readonly threatScore: number;
  /** `verdictFor(threatScore)` under the classifier's registered thresholds, as the chain checks. */
  readonly verdict: Verdict;
}

interface Seen {
  score: number;
  at: number;
}

/**
 * What the gateway's flow scoring says about the hosts it sees: for each source address, the worst
 * threat score of its flows within a time window. A data exchange from a host inherits that score, so
 * the policy's `maxVerdict` can refuse data to (or from) a host that is behaving badly. Bounded: past
 * `maxAddresses`, the least recently updated address is forgotten.
 */
export class ThreatBoard {
  readonly #windowMs: number;
  readonly #maxAddresses: number;
  readonly #thresholds: ModelThresholds;
  readonly #seen = new Map<string, Seen>();

  constructor(options: { windowMs: number; thresholds: ModelThresholds; maxAddresses?: number }) {
    this.#windowMs = options.windowMs;
    this.#thresholds = options.thresholds;
    this.#maxAddresses = options.maxAddresses ?? 100_000;
  }

  /** Notes a scored flow from `address` (its `threatScore` as recorded) at `atMs`. */
  note(address: string, threatScore: number, atMs: number): void {
    const seen = this.#seen.get(address);
    if (seen !== undefined && seen.at + this.#windowMs > atMs && seen.score > threatScore) {
      return;
    }
    this.#seen.delete(address);
    this.#seen.set(address, { score: threatScore, at: atMs });
    if (this.#seen.size > this.#maxAddresses) {
      this.#seen.delete(this.#seen.keys().next().value as string);
    }
  }

  assess(address: string | undefined, nowMs: number): ThreatAssessment {
    const seen = address === undefined ? undefined : this.#seen.get(address);
    const score = seen !== undefined && seen.at + this.#windowMs > nowMs ? seen.score : 0;
    return { threatScore: score, verdict: verdictFor(score, this.#thresholds) };
  }

  get size(): number {
    return this.#seen.size;
  }
}
