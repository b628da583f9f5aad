import { CityLedgerError, isSha256Hex, LIMITS } from '@cityledger/core';

/** Checks of plain string arguments, before any state is read. */

const SLUG = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const REASON = /^[^\u0000-\u001f]{1,256}$/;

export function checkId(value: string, name: string): void {
  if (typeof value !== 'string' || !SLUG.test(value)) {
    throw new CityLedgerError('INVALID_ARGUMENT', `${name} must match ${SLUG.source}`);
  }
}

export function checkHash(value: string, name: string): void {
  if (!isSha256Hex(value)) {
    throw new CityLedgerError('INVALID_ARGUMENT', `${name} must be 64 lowercase hex characters`);
  }
}

export function checkReason(value: string): void {
  if (typeof value !== 'string' || value.length > LIMITS.maxReasonLength || !REASON.test(value)) {
    throw new CityLedgerError(
      'INVALID_ARGUMENT',
      `reason must be 1 to ${LIMITS.maxReasonLength} printable characters`,
    );
  }
}

/** A decimal integer argument in [min, max]; `fallback` when empty. */
export function checkInteger(
  value: string,
  name: string,
  min: number,
  max: number,
  fallback?: number,
): number {
  if (value === '' && fallback !== undefined) {
    return fallback;
  }
  if (typeof value !== 'string' || !/^\d{1,10}$/.test(value)) {
    throw new CityLedgerError('INVALID_ARGUMENT', `${name} must be an integer from ${min} to ${max}`);
  }
  const n = Number(value);
  if (n < min || n > max) {
    throw new CityLedgerError('INVALID_ARGUMENT', `${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}
