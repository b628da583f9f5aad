import { CityLedgerError, parseErrorCode } from '@cityledger/core';
import { type Context, Contract } from 'fabric-contract-api';
import { batchStateCalls } from './ledger/batched-state';
import { listenForPeerLimits } from './ledger/peer-limits';

type Around = (ctx: Context, fn: unknown, parameters: unknown) => Promise<unknown>;

/** Peer messages for private-data access refused by collection membership. */
const ACCESS_DENIED = /does not have (read|write) access permission/;

/** Gives any error a catalogue code: errors that have one keep it, peer errors get one here. */
export function withCode(error: unknown): CityLedgerError {
  if (error instanceof CityLedgerError) {
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = parseErrorCode(message);
  if (code !== undefined && message.startsWith(`${code}: `)) {
    return CityLedgerError.fromMessage(message, { cause: error });
  }
  return new CityLedgerError(ACCESS_DENIED.test(message) ? 'UNAUTHORIZED' : 'INTERNAL', message, {
    cause: error,
  });
}

/**
 * Base of every CityLedger contract: every error leaving a transaction function starts with a
 * catalogue code, including peer errors and calls to functions that do not exist. State calls are
 * batched where the peer allows it (ledger/batched-state.ts): the pending writes are sent once the
 * function has succeeded, and an error doing so is the transaction's error.
 */
export abstract class CityLedgerContract extends Contract {
  constructor(name: string) {
    super(name);
    // Contracts are built when the chaincode starts, before any peer connects.
    listenForPeerLimits();
  }

  override async aroundTransaction(ctx: Context, fn: unknown, parameters: unknown): Promise<void> {
    // The runtime passes the transaction function's result back through here, whatever the typing.
    const around = super.aroundTransaction.bind(this) as unknown as Around;
    try {
      const batching = batchStateCalls(ctx.stub);
      const result = await around(ctx, fn, parameters);
      await batching?.flush();
      return result as undefined;
    } catch (error) {
      throw withCode(error);
    }
  }

  override unknownTransaction(ctx: Context): Promise<void> {
    const { fcn } = ctx.stub.getFunctionAndParameters();
    return Promise.reject(
      new CityLedgerError('NOT_FOUND', `no function ${fcn} in contract ${this.getName()}`),
    );
  }
}
