import { createHash } from 'node:crypto';

/** SHA-256 digest as bytes. Strings are hashed as UTF-8. */
export function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest();
}

/** SHA-256 digest as 64 lowercase hex characters. Strings are hashed as UTF-8. */
export function sha256Hex(data: Uint8Array | string): string {
  return sha256(data).toString('hex');
}

const HEX64 = /^[0-9a-f]{64}$/;

/** True for a lowercase hex SHA-256 digest (64 characters). */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === 'string' && HEX64.test(value);
}
