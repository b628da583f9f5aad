import {
  type ChaincodeEvent,
  type Checkpoint,
  type CloseableAsyncIterable,
} from '@hyperledger/fabric-gateway';

/**
 * What the policy cache needs from the ledger: the transport boundary. `LedgerClient` from
 * @cityledger/client satisfies it; unit tests use a fake.
 */
export interface PolicyLedger {
  /** Runs a query; fails with a CityLedgerError (e.g. NOT_FOUND) as LedgerClient does. */
  evaluate(fn: string, args?: readonly string[]): Promise<Uint8Array>;
  /** Chaincode events after `checkpoint` (or from `startBlock`, or from the next commit). */
  chaincodeEvents(from?: {
    checkpoint?: Checkpoint;
    startBlock?: bigint;
  }): Promise<CloseableAsyncIterable<ChaincodeEvent>>;
}

/** Chaincode query functions the cache calls (contract `policies`). */
export const POLICY_FUNCTIONS = {
  /** getPolicy(category, version): one PolicyEntry; version '' for the current one. */
  getPolicy: 'policies:getPolicy',
} as const;
