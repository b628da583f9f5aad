import { canonicalBytes, type CityLedgerEvent, millisToIso } from '@cityledger/core';
import { type Context } from 'fabric-contract-api';

/** Deterministic ledger access: canonical JSON on write, the transaction timestamp as the only clock. */

/** The transaction timestamp as an ISO-8601 UTC string (millisecond precision). */
export function txTime(ctx: Context): string {
  const ts = ctx.stub.getTxTimestamp();
  const seconds: unknown = ts.seconds;
  const s = typeof seconds === 'number' ? seconds : ts.seconds.toNumber();
  return millisToIso(s * 1000 + Math.floor(ts.nanos / 1_000_000));
}

/** Reads a JSON document written by this chaincode; undefined when the key is absent. */
export async function getJson<T>(ctx: Context, key: string): Promise<T | undefined> {
  const bytes = await ctx.stub.getState(key);
  if (bytes.length === 0) {
    return undefined;
  }
  return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
}

/** Writes the canonical JSON of a value. */
export async function putJson(ctx: Context, key: string, value: unknown): Promise<void> {
  await ctx.stub.putState(key, canonicalBytes(value));
}

/** Emits the transaction's (single) chaincode event with its canonical payload. */
export function emit(ctx: Context, event: CityLedgerEvent): void {
  ctx.stub.setEvent(event.type, canonicalBytes(event));
}

/** The canonical JSON a transaction function returns. */
export function reply(value: unknown): string {
  return canonicalBytes(value).toString('utf8');
}
