import { type Committed, type ConnectionProfile, type Deadlines, LedgerClient } from '@cityledger/client';
import type { ChaincodeEvent, Checkpoint, CloseableAsyncIterable } from '@hyperledger/fabric-gateway';
import { CityLedgerError } from '@cityledger/core';
import { readEagerly } from './event-stream';
import type { LedgerQueryPort, SubmitOptions } from './ledger-port';

export type EventsFrom = { checkpoint?: Checkpoint; startBlock?: bigint };

export interface NamedPeerClient {
  readonly peer: string;
  readonly client: LedgerQueryPort & {
    close(): void;
    chaincodeEvents?(from?: EventsFrom): Promise<CloseableAsyncIterable<ChaincodeEvent>>;
  };
}

/**
 * Talks to one peer of the department at a time and moves to the next (round robin) when the
 * current one answers UNAVAILABLE. The failing call still fails: the caller's retry policy decides
 * when to try again, and then it goes to the new peer.
 */
export class FailoverLedger implements LedgerQueryPort {
  readonly #peers: readonly NamedPeerClient[];
  readonly #onFailover: (from: string, to: string) => void;
  /** The department org's MSP id, when known (the endorser of its private data). */
  readonly mspId: string | undefined;
  #current = 0;

  constructor(
    peers: readonly NamedPeerClient[],
    onFailover: (from: string, to: string) => void = () => undefined,
    mspId?: string,
  ) {
    this.mspId = mspId;
    if (peers.length === 0) {
      throw new CityLedgerError('INVALID_ARGUMENT', 'failover needs at least one peer');
    }
    this.#peers = peers;
    this.#onFailover = onFailover;
  }

  /**
   * One LedgerClient per named peer of the profile, in the given order (all peers when `peers` is
   * empty). Throws INVALID_ARGUMENT for a name the profile does not have.
   */
  static connect(
    profile: ConnectionProfile,
    identity: string,
    peers: readonly string[],
    deadlines: Deadlines,
    onFailover?: (from: string, to: string) => void,
  ): FailoverLedger {
    const names = peers.length === 0 ? profile.peers.map((p) => p.name) : peers;
    const clients = names.map((name) => {
      const peerIndex = profile.peers.findIndex((p) => p.name === name);
      if (peerIndex < 0) {
        throw new CityLedgerError(
          'INVALID_ARGUMENT',
          `peer ${name} is not in the ${profile.org} connection profile`,
        );
      }
      return { peer: name, client: LedgerClient.connect({ profile, identity, peerIndex, deadlines }) };
    });
    return new FailoverLedger(clients, onFailover, profile.mspId);
  }

  get currentPeer(): string {
    return (this.#peers[this.#current] as NamedPeerClient).peer;
  }

  async submit(fn: string, args: readonly string[], options?: SubmitOptions): Promise<Committed> {
    return this.#call((c) => c.submit(fn, args, options));
  }

  async evaluate(fn: string, args: readonly string[] = []): Promise<Uint8Array> {
    return this.#call((c) => c.evaluate(fn, args));
  }

  /** Chaincode events from the current peer (the policy cache reconnects through here). */
  async chaincodeEvents(from: EventsFrom = {}): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
    return this.#call((client) => {
      if (client.chaincodeEvents === undefined) {
        throw new CityLedgerError('INTERNAL', 'this peer client does not stream events');
      }
      return client.chaincodeEvents(from).then(readEagerly);
    });
  }

  async #call<T>(call: (client: NamedPeerClient['client']) => Promise<T>): Promise<T> {
    const index = this.#current;
    try {
      return await call((this.#peers[index] as NamedPeerClient).client);
    } catch (err) {
      if (err instanceof CityLedgerError && err.code === 'UNAVAILABLE') {
        this.#failOver(index);
      }
      throw err;
    }
  }

  #failOver(failed: number): void {
    // Many calls in flight fail together: only the first moves the pointer.
    if (this.#current !== failed || this.#peers.length === 1) {
      return;
    }
    this.#current = (failed + 1) % this.#peers.length;
    this.#onFailover((this.#peers[failed] as NamedPeerClient).peer, this.currentPeer);
  }

  close(): void {
    for (const { client } of this.#peers) {
      client.close();
    }
  }
}
