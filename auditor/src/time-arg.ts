import { isIsoTimestamp } from '@cityledger/core';

/** Parses a time given on the command line (ISO 8601, or a date) into the canonical ISO form. */
export function parseTime(text: string, name = 'time'): string {
  const value: string = text;
  if (isIsoTimestamp(text)) {
    return text;
  }
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00.000Z`) : Date.parse(value);
  if (!Number.isFinite(ms)) {
    throw new Error(
      `${name} must be an ISO 8601 time (e.g. 2026-03-01T10:00:00Z or 2026-03-01), got "${value}"`,
    );
  }
  return new Date(ms).toISOString();
}
