/** Time, injected everywhere so that tests control it. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A source of uniform random numbers in [0, 1), injected for retry jitter. */
export type Random = () => number;
