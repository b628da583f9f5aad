import canonicalize from 'canonicalize';
import { CityLedgerError } from './errors';

/** Nesting deeper than this is rejected: no legitimate CityLedger document comes close. */
const MAX_DEPTH = 32;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function fail(path: string, what: string): never {
  throw new CityLedgerError('INVALID_ARGUMENT', `${path}: ${what} cannot be canonically encoded`);
}

function checkString(value: string, path: string): void {
  if (LONE_SURROGATE.test(value)) {
    fail(path, 'a string with a lone surrogate');
  }
}

function checkObject(value: object, path: string, depth: number): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      checkJson(item, `${path}[${i}]`, depth + 1);
    });
    return;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    fail(path, 'an object that is not a plain object');
  }
  for (const [key, item] of Object.entries(value)) {
    checkString(key, path);
    checkJson(item, `${path}.${key}`, depth + 1);
  }
}

function checkJson(value: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH) {
    fail(path, `nesting deeper than ${MAX_DEPTH}`);
  }
  switch (typeof value) {
    case 'string':
      checkString(value, path);
      return;
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        fail(path, 'a non-finite number');
      }
      return;
    case 'object':
      if (value !== null) {
        checkObject(value, path, depth);
      }
      return;
    default:
      fail(path, typeof value);
  }
}

/**
 * RFC 8785 (JCS) canonical JSON. Rejects what JSON cannot carry faithfully instead of dropping it:
 * undefined, functions, symbols, bigint, NaN/Infinity, class instances (Date, Map...), lone surrogates.
 */
export function canonicalJson(value: unknown): string {
  checkJson(value, '$', 0);
  const text = canonicalize(value);
  if (text === undefined) {
    fail('$', 'the value');
  }
  return text;
}

/** UTF-8 bytes of the canonical JSON: what gets hashed, signed and written to the ledger. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}
