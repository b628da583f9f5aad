/**
 * Timestamps are ISO-8601 UTC strings in exactly the form `Date.prototype.toISOString` produces
 * (`2026-01-31T12:00:00.000Z`): one spelling per instant, so they compare and sort as strings.
 */

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function isIsoTimestamp(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_UTC.test(value)) {
    return false;
  }
  const ms = Date.parse(value);
  return Number.isFinite(ms) && new Date(ms).toISOString() === value;
}

/** Milliseconds since the epoch of a valid ISO timestamp. */
export function isoToMillis(value: string): number {
  return Date.parse(value);
}

/** The canonical ISO form of an instant given in milliseconds since the epoch. */
export function millisToIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Adds seconds to an ISO timestamp. */
export function addSeconds(iso: string, seconds: number): string {
  return millisToIso(isoToMillis(iso) + seconds * 1000);
}
