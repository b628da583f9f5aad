import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import {
  connect,
  hash,
  type ChaincodeEvent,
  type CloseableAsyncIterable,
  type Checkpoint,
  type Contract,
  type Gateway,
  type Network,
} from '@hyperledger/fabric-gateway';
import type { ConnectionProfile } from './connection-profile';
import { toCityLedgerError } from './ledger-error';
import { newGrpcClient } from './grpc-connection';
import { newFastSigner } from './signer';

/** Deadlines of each stage of a Fabric call, in milliseconds. */
export interface Deadlines {
  readonly evaluateMs: number;
  readonly endorseMs: number;
  readonly submitMs: number;
  readonly commitStatusMs: number;
}

export const DEFAULT_DEADLINES: Deadlines = {
  evaluateMs: 5_000,
  endorseMs: 15_000,
  submitMs: 5_000,
  commitStatusMs: 60_000,
};

export interface LedgerClientOptions {
  readonly profile: ConnectionProfile;
  /** Name of the identity in the profile (e.g. "gateway", "steward", "auditor"). */
  readonly identity: string;
  /** Which of the profile's peers to use (default 0). Ignored when grpcClient is given. */
  readonly peerIndex?: number;
  /** A gRPC client to share; when absent the LedgerClient makes one and closes it on close(). */
  readonly grpcClient?: grpc.Client;
  readonly deadlines?: Partial<Deadlines>;
}

export interface SubmitOptions {
  /** Private data for the chaincode, never written to the ledger's public part. */
  readonly transient?: Readonly<Record<string, Uint8Array | string>>;
  /** Restrict endorsement to these MSP ids (used to test endorsement policies). */
  readonly endorsingOrganizations?: readonly string[];
}

export interface Committed {
  readonly result: Uint8Array;
  readonly transactionId: string;
  readonly blockNumber: bigint;
}

/**
 * A connection to the CityLedger chaincode as one identity. Every call has its own deadline,
 * the commit status of every submit is checked, and every failure leaves as a CityLedgerError
 * with a catalogue code (converted in ledger-error.ts, nowhere else).
 */
export class LedgerClient {
  readonly mspId: string;
  readonly #gateway: Gateway;
  readonly #network: Network;
  readonly #contract: Contract;
  readonly #ownedGrpc: grpc.Client | undefined;
  readonly #deadlines: Deadlines;

  private constructor(options: LedgerClientOptions) {
    const { profile } = options;
    const files = profile.identities[options.identity];
    if (files === undefined) {
      throw new Error(
        `identity "${options.identity}" is not in the ${profile.org} profile (has: ${Object.keys(profile.identities).join(', ')})`,
      );
    }
    const peer = profile.peers[options.peerIndex ?? 0];
    if (peer === undefined) {
      throw new Error(`peer index ${options.peerIndex ?? 0} is not in the ${profile.org} profile`);
    }
    this.#ownedGrpc = options.grpcClient === undefined ? newGrpcClient(peer, profile.clientTls) : undefined;
    const client = options.grpcClient ?? this.#ownedGrpc;
    this.#deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };
    this.mspId = profile.mspId;
    this.#gateway = connect({
      client: client as grpc.Client,
      identity: { mspId: profile.mspId, credentials: readFileSync(files.certPath) },
      signer: newFastSigner(readFileSync(files.keyPath, 'utf8')),
      hash: hash.none,
      ...(profile.clientTls === undefined
        ? {}
        : { tlsClientCertificateHash: tlsCertificateHash(readFileSync(profile.clientTls.certPath)) }),
    });
    this.#network = this.#gateway.getNetwork(profile.channel);
    this.#contract = this.#network.getContract(profile.chaincode);
  }

  static connect(options: LedgerClientOptions): LedgerClient {
    return new LedgerClient(options);
  }

  /** Runs a query on one peer; nothing is ordered or committed. */
  async evaluate(fn: string, args: readonly string[] = []): Promise<Uint8Array> {
    try {
      return await this.#contract.evaluate(fn, {
        arguments: [...args],
      });
    } catch (err) {
      throw toCityLedgerError(err);
    }
  }

  async evaluateJson<T>(fn: string, args: readonly string[] = []): Promise<T> {
    return JSON.parse(Buffer.from(await this.evaluate(fn, args)).toString('utf8')) as T;
  }

  /** Endorses, orders and waits for the commit; throws unless the transaction committed valid. */
  async submit(fn: string, args: readonly string[] = [], options: SubmitOptions = {}): Promise<Committed> {
    const d = this.#deadlines;
    let transactionId: string | undefined;
    try {
      const proposal = this.#contract.newProposal(fn, {
        arguments: [...args],
        ...(options.transient === undefined ? {} : { transientData: options.transient }),
        ...(options.endorsingOrganizations === undefined
          ? {}
          : { endorsingOrganizations: [...options.endorsingOrganizations] }),
      });
      transactionId = proposal.getTransactionId();
      const transaction = await proposal.endorse({ deadline: deadlineIn(d.endorseMs) });
      const submitted = await transaction.submit({ deadline: deadlineIn(d.submitMs) });
      const status = await submitted.getStatus({ deadline: deadlineIn(d.commitStatusMs) });
      if (!status.successful) {
        throw toCityLedgerError({ commitCode: status.code, transactionId });
      }
      return { result: submitted.getResult(), transactionId, blockNumber: status.blockNumber };
    } catch (err) {
      throw toCityLedgerError(err, transactionId);
    }
  }

  async submitJson<T>(fn: string, args: readonly string[] = [], options: SubmitOptions = {}): Promise<T> {
    const { result } = await this.submit(fn, args, options);
    return JSON.parse(Buffer.from(result).toString('utf8')) as T;
  }

  /**
   * Chaincode events of this chaincode, resuming after `checkpoint` when given (block number
   * and transaction id of the last event processed). Close the iterable when done.
   */
  async chaincodeEvents(
    from: { checkpoint?: Checkpoint; startBlock?: bigint } = {},
  ): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
    try {
      return await this.#network.getChaincodeEvents(this.#contract.getChaincodeName(), from);
    } catch (err) {
      throw toCityLedgerError(err);
    }
  }

  close(): void {
    this.#gateway.close();
    this.#ownedGrpc?.close();
  }
}

/**
 * SHA-256 of the DER TLS client certificate. With mutual TLS, a peer's deliver service (block
 * events) only serves requests bound to the TLS certificate of the connection they arrive on.
 */
export function tlsCertificateHash(pem: Buffer): Uint8Array {
  return createHash('sha256').update(new X509Certificate(pem).raw).digest();
}

function deadlineIn(ms: number): Date {
  return new Date(Date.now() + ms);
}
