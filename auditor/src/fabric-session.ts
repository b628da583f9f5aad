import { readFileSync } from 'node:fs';
import type * as grpc from '@grpc/grpc-js';
import {
  connect,
  hash,
  type CloseableAsyncIterable,
  type Gateway,
  type Network,
} from '@hyperledger/fabric-gateway';
import { common } from '@hyperledger/fabric-protos';
import {
  LedgerClient,
  newFastSigner,
  newGrpcClient,
  tlsCertificateHash,
  toCityLedgerError,
  type ConnectionProfile,
} from '@cityledger/client';

export interface FabricSessionOptions {
  readonly profile: ConnectionProfile;
  /** Identity name in the profile (the auditor's: `auditor`). */
  readonly identity: string;
  readonly peerIndex?: number;
  /** Deadline of each query, in milliseconds. */
  readonly evaluateMs?: number;
}

/** A block header: its number, the hash of the previous header, the hash of its own data. */
export interface BlockHeaderInfo {
  readonly number: bigint;
  readonly previousHash: string;
  readonly dataHash: string;
}

const DEFAULT_EVALUATE_MS = 10_000;

/**
 * The auditor's connection to one peer: a LedgerClient for chaincode queries and, over the same
 * gRPC connection, the block stream and the system query chaincode (qscc) for the chain height.
 * Read-only: nothing here submits a transaction.
 */
export class FabricSession {
  readonly ledger: LedgerClient;
  readonly peerName: string;
  readonly channel: string;
  readonly chaincode: string;
  readonly #grpc: grpc.Client;
  readonly #gateway: Gateway;
  readonly #network: Network;

  private constructor(options: FabricSessionOptions) {
    const { profile } = options;
    const peer = profile.peers[options.peerIndex ?? 0];
    const files = profile.identities[options.identity];
    if (peer === undefined || files === undefined) {
      throw new Error(
        `the ${profile.org} profile has no peer ${options.peerIndex ?? 0} or identity ${options.identity}`,
      );
    }
    const evaluateMs = options.evaluateMs ?? DEFAULT_EVALUATE_MS;
    this.peerName = peer.name;
    this.channel = profile.channel;
    this.chaincode = profile.chaincode;
    this.#grpc = newGrpcClient(peer, profile.clientTls);
    this.ledger = LedgerClient.connect({
      profile,
      identity: options.identity,
      grpcClient: this.#grpc,
      deadlines: { evaluateMs },
    });
    this.#gateway = connect({
      client: this.#grpc,
      identity: { mspId: profile.mspId, credentials: readFileSync(files.certPath) },
      signer: newFastSigner(readFileSync(files.keyPath, 'utf8')),
      hash: hash.none,
      evaluateOptions: () => ({ deadline: Date.now() + evaluateMs }),
      ...(profile.clientTls === undefined
        ? {}
        : { tlsClientCertificateHash: tlsCertificateHash(readFileSync(profile.clientTls.certPath)) }),
    });
    this.#network = this.#gateway.getNetwork(profile.channel);
  }

  static open(options: FabricSessionOptions): FabricSession {
    return new FabricSession(options);
  }

  /** Number of blocks on this peer's ledger (the next block's number). */
  async height(): Promise<bigint> {
    try {
      const bytes = await this.#network.getContract('qscc').evaluateTransaction('GetChainInfo', this.channel);
      return BigInt(common.BlockchainInfo.deserializeBinary(bytes).getHeight());
    } catch (err) {
      throw toCityLedgerError(err);
    }
  }

  /** The header of block `number` on this peer: hashes that commit to every block up to it. */
  async blockHeader(number: bigint): Promise<BlockHeaderInfo> {
    try {
      const bytes = await this.#network
        .getContract('qscc')
        .evaluateTransaction('GetBlockByNumber', this.channel, number.toString());
      const header = common.Block.deserializeBinary(bytes).getHeader();
      return {
        number: BigInt(header?.getNumber() ?? 0),
        previousHash: Buffer.from(header?.getPreviousHash_asU8() ?? new Uint8Array()).toString('hex'),
        dataHash: Buffer.from(header?.getDataHash_asU8() ?? new Uint8Array()).toString('hex'),
      };
    } catch (err) {
      throw toCityLedgerError(err);
    }
  }

  /** Full blocks from `startBlock` on, as they commit. Close the iterable when done. */
  async blocks(startBlock: bigint): Promise<CloseableAsyncIterable<common.Block>> {
    try {
      return await this.#network.getBlockEvents({ startBlock });
    } catch (err) {
      throw toCityLedgerError(err);
    }
  }

  close(): void {
    this.ledger.close();
    this.#gateway.close();
    this.#grpc.close();
  }
}
