import type { Committed } from '@cityledger/client';

/**
 * The transport boundary of the submitter: what it needs from Fabric. `LedgerClient` satisfies it;
 * unit tests use a typed fake. Errors must leave as core's CityLedgerError (code, transient).
 */
export interface LedgerPort {
  submit(fn: string, args: readonly string[]): Promise<Committed>;
}

/** A port with queries as well (registry checks, policy sync, status). */
export interface LedgerQueryPort extends LedgerPort {
  evaluate(fn: string, args?: readonly string[]): Promise<Uint8Array>;
}
