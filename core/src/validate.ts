import { CityLedgerError } from './errors';
import { isSha256Hex } from './hash';
import { isIsoTimestamp } from './time';

/** Identifiers (gateway ids, model ids, zones, purposes): lowercase slug, 1 to 64 characters. */
export const SLUG = /^[a-z0-9][a-z0-9._-]{0,63}$/;

export function invalid(path: string, rule: string): never {
  throw new CityLedgerError('INVALID_ARGUMENT', `${path} ${rule}`);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Parses a JSON argument after checking its size, so an oversized argument costs nothing more than
 * a length check. Throws PAYLOAD_TOO_LARGE or INVALID_ARGUMENT.
 */
export function parseJsonArgument(text: string, name: string, maxBytes: number): unknown {
  if (typeof text !== 'string') {
    invalid(name, 'must be a JSON string');
  }
  // A UTF-8 character takes at most 3 bytes per UTF-16 unit, so this avoids encoding huge strings.
  if (text.length > maxBytes || Buffer.byteLength(text, 'utf8') > maxBytes) {
    throw new CityLedgerError('PAYLOAD_TOO_LARGE', `${name} exceeds ${maxBytes} bytes`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return invalid(name, 'is not valid JSON');
  }
}

/**
 * Reads the fields of one JSON object. Unknown fields are rejected when `done()` is called;
 * every accessor validates and names the field in its error.
 */
export class ObjectReader {
  readonly #value: Record<string, unknown>;
  readonly #path: string;
  readonly #seen = new Set<string>();

  constructor(value: unknown, path: string) {
    if (!isPlainObject(value)) {
      invalid(path, 'must be a JSON object');
    }
    this.#value = value;
    this.#path = path;
  }

  path(name: string): string {
    return `${this.#path}.${name}`;
  }

  has(name: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.#value, name) && this.#value[name] !== undefined;
  }

  /** Marks an optional field as known and tells whether it is present. */
  optional(name: string): boolean {
    this.#seen.add(name);
    return this.has(name);
  }

  raw(name: string): unknown {
    this.#seen.add(name);
    if (!this.has(name)) {
      invalid(this.path(name), 'is required');
    }
    return this.#value[name];
  }

  string(name: string, pattern: RegExp, maxLength: number): string {
    const value = this.raw(name);
    if (typeof value !== 'string') {
      return invalid(this.path(name), 'must be a string');
    }
    if (value.length > maxLength) {
      invalid(this.path(name), `must be at most ${maxLength} characters`);
    }
    if (!pattern.test(value)) {
      invalid(this.path(name), `must match ${pattern.source}`);
    }
    return value;
  }

  optionalString(name: string, pattern: RegExp, maxLength: number): string | undefined {
    return this.optional(name) ? this.string(name, pattern, maxLength) : undefined;
  }

  oneOf<T extends string>(name: string, values: readonly T[]): T {
    const value = this.raw(name);
    if (typeof value !== 'string' || !(values as readonly string[]).includes(value)) {
      return invalid(this.path(name), `must be one of ${values.join(', ')}`);
    }
    return value as T;
  }

  integer(name: string, min: number, max: number): number {
    const value = this.raw(name);
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
      return invalid(this.path(name), `must be an integer from ${min} to ${max}`);
    }
    return value;
  }

  number(name: string, min: number, max: number): number {
    const value = this.raw(name);
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      return invalid(this.path(name), `must be a number from ${min} to ${max}`);
    }
    return value;
  }

  timestamp(name: string): string {
    const value = this.raw(name);
    if (!isIsoTimestamp(value)) {
      return invalid(this.path(name), 'must be an ISO-8601 UTC timestamp like 2026-01-31T12:00:00.000Z');
    }
    return value;
  }

  sha256(name: string): string {
    const value = this.raw(name);
    if (!isSha256Hex(value)) {
      return invalid(this.path(name), 'must be 64 lowercase hex characters');
    }
    return value;
  }

  optionalSha256(name: string): string | undefined {
    return this.optional(name) ? this.sha256(name) : undefined;
  }

  array(name: string, minItems: number, maxItems: number): unknown[] {
    const value = this.raw(name);
    if (!Array.isArray(value) || value.length < minItems || value.length > maxItems) {
      return invalid(this.path(name), `must be an array of ${minItems} to ${maxItems} items`);
    }
    return value as unknown[];
  }

  object(name: string): ObjectReader {
    return new ObjectReader(this.raw(name), this.path(name));
  }

  /** A JSON object used as a map; its keys must match `keyPattern`. */
  map(name: string, keyPattern: RegExp, maxEntries: number): [string, unknown][] {
    const value = this.raw(name);
    if (!isPlainObject(value)) {
      return invalid(this.path(name), 'must be a JSON object');
    }
    const entries = Object.entries(value);
    if (entries.length > maxEntries) {
      invalid(this.path(name), `must have at most ${maxEntries} entries`);
    }
    for (const [key] of entries) {
      if (!keyPattern.test(key)) {
        invalid(`${this.path(name)}.${key}`, `key must match ${keyPattern.source}`);
      }
    }
    return entries;
  }

  /** Rejects any field that no accessor asked for. */
  done(): void {
    for (const key of Object.keys(this.#value)) {
      if (!this.#seen.has(key)) {
        invalid(this.path(key), 'is not an allowed field');
      }
    }
  }
}
