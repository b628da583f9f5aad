import type { Window } from '../index-queries';

/** The time ranges the portal offers, with the bucket width each is drawn with. */
export const RANGES = {
  '1h': { spanMs: 3600_000, bucketMs: 2 * 60_000 },
  '6h': { spanMs: 6 * 3600_000, bucketMs: 15 * 60_000 },
  '24h': { spanMs: 24 * 3600_000, bucketMs: 3600_000 },
  '7d': { spanMs: 7 * 24 * 3600_000, bucketMs: 6 * 3600_000 },
  '30d': { spanMs: 30 * 24 * 3600_000, bucketMs: 24 * 3600_000 },
} as const;

export type RangeName = keyof typeof RANGES;

export function isRangeName(value: unknown): value is RangeName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(RANGES, value);
}

/** The window of a range ending at the end of the bucket that holds `nowMs`. */
export function windowFor(range: RangeName, nowMs: number): Window {
  const { spanMs, bucketMs } = RANGES[range];
  const toMs = (Math.floor(nowMs / bucketMs) + 1) * bucketMs;
  return { fromMs: toMs - spanMs, toMs, bucketMs };
}
