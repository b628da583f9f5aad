import type { Committed, SubmitOptions } from '@cityledger/client';

export type { SubmitOptions } from '@cityledger/client';

/**
 * The transport boundary of the submitter: what it needs from Fabric. `LedgerClient` satisfies it;
 * unit tests use a typed fake. Errors must leave as core's CityLedgerError (code, transient).
 */
export interface LedgerPort {
  /** `options.transient`: private data, never in the transaction; `endorsingOrganizations`: who may see it. */
  submit(fn: string, args: readonly string[], options?: SubmitOptions): Promise<Committed>;
}

/** A port with queries as well (registry checks, policy sync, status). */
export interface LedgerQueryPort extends LedgerPort {
  evaluate(fn: string, args?: readonly string[]): Promise<Uint8Array>;
}
