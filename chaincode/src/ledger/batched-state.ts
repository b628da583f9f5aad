import { type ChaincodeStub } from 'fabric-shim';
import { type PeerSession, peerSession } from './peer-session';
import {
  decodeGetStateMultiple,
  encodeGetStateMultiple,
  encodeWriteBatch,
  MESSAGE_TYPE,
} from './shim-protocol';
import { WriteBatch } from './write-batch';

/**
 * Fewer chaincode ↔ peer round trips per transaction, when the peer announced batching (Fabric 3):
 *
 * - writes to public state (putState, deleteState, setStateValidationParameter) are kept and sent as
 *   WRITE_BATCH_STATE messages when the transaction function has returned, before the shim completes
 *   the transaction; a failed transaction sends nothing (the peer would discard its writes anyway);
 * - `prefetchState` reads keys known in advance with GET_STATE_MULTIPLE, and getState answers them
 *   from that read. The peer records them in the read set as getState would.
 *
 * What a transaction reads does not change: Fabric's reads see committed state, never the
 * transaction's own writes, and committed state does not change while a proposal is simulated, so
 * neither buffering writes nor answering a repeated read from memory is visible. Private-data calls
 * keep going straight to the peer, after the pending writes (so that their order with public writes
 * is kept). Without batching (older peer, another stub) nothing is installed and every call goes
 * through the shim as before.
 */
export interface StateBatching {
  /** Sends the pending writes; call once the transaction function has succeeded. */
  flush(): Promise<void>;
}

interface Installed {
  readonly session: PeerSession;
  readonly reads: Map<string, Buffer>;
}

const installed = new WeakMap<ChaincodeStub, Installed>();

type Fn = (...args: never[]) => Promise<unknown>;

/** Replaces a stub method on this stub instance only. */
function override<K extends keyof ChaincodeStub>(stub: ChaincodeStub, name: K, fn: ChaincodeStub[K]): void {
  Object.defineProperty(stub, name, { value: fn, configurable: true, writable: true });
}

async function sendWrites(session: PeerSession, batch: WriteBatch): Promise<void> {
  if (batch.size === 0) {
    return;
  }
  for (const chunk of batch.drain(session.limits.maxWrites)) {
    await session.ask(MESSAGE_TYPE.writeBatchState, encodeWriteBatch(chunk), 'WriteBatchState');
  }
}

function bufferWrites(stub: ChaincodeStub, session: PeerSession, batch: WriteBatch, metakey: string): void {
  override(stub, 'putState', (key: string, value: Uint8Array) => {
    batch.add({ type: 'put', collection: '', key, value: Buffer.from(value) });
    return Promise.resolve();
  });
  override(stub, 'deleteState', (key: string) => {
    batch.add({ type: 'delete', collection: '', key });
    return Promise.resolve();
  });
  override(stub, 'setStateValidationParameter', (key: string, ep: Uint8Array) => {
    batch.add({ type: 'metadata', collection: '', key, metakey, value: Buffer.from(ep) });
    return Promise.resolve();
  });
  const privateCalls = [
    'putPrivateData',
    'deletePrivateData',
    'purgePrivateData',
    'setPrivateDataValidationParameter',
  ] as const;
  for (const name of privateCalls) {
    const original = (stub[name] as Fn).bind(stub);
    override(stub, name, (async (...args: never[]) => {
      await sendWrites(session, batch);
      return original(...args);
    }) as ChaincodeStub[typeof name]);
  }
}

function cacheReads(stub: ChaincodeStub, reads: Map<string, Buffer>): void {
  const getState = stub.getState.bind(stub);
  override(stub, 'getState', async (key: string) => {
    const known = reads.get(key);
    return known === undefined ? getState(key) : Buffer.from(known);
  });
}

/**
 * Installs batching on a transaction's stub if its peer supports it; undefined otherwise. Call before
 * the transaction function runs.
 */
export function batchStateCalls(stub: ChaincodeStub): StateBatching | undefined {
  const session = peerSession(stub);
  if (session === undefined) {
    return undefined;
  }
  const reads = new Map<string, Buffer>();
  installed.set(stub, { session, reads });
  if (session.limits.maxReads > 0) {
    cacheReads(stub, reads);
  }
  // The metadata key under which the shim stores key-level endorsement policies.
  const metakey = (stub as unknown as { validationParameterMetakey?: unknown }).validationParameterMetakey;
  if (session.limits.maxWrites === 0 || typeof metakey !== 'string' || metakey === '') {
    return { flush: () => Promise.resolve() };
  }
  const batch = new WriteBatch();
  bufferWrites(stub, session, batch, metakey);
  return { flush: () => sendWrites(session, batch) };
}

/**
 * Reads `keys` (public state) with as few messages as the peer allows, so that the transaction's
 * getState calls of them need no round trip. Does nothing where batching is not installed.
 */
export async function prefetchState(stub: ChaincodeStub, keys: readonly string[]): Promise<void> {
  const batching = installed.get(stub);
  if (batching === undefined || batching.session.limits.maxReads === 0) {
    return;
  }
  const { session, reads } = batching;
  const wanted = [...new Set(keys)].filter((k) => !reads.has(k));
  for (let i = 0; i < wanted.length; i += session.limits.maxReads) {
    const chunk = wanted.slice(i, i + session.limits.maxReads);
    const payload = await session.ask(
      MESSAGE_TYPE.getStateMultiple,
      encodeGetStateMultiple('', chunk),
      'GetStateMultiple',
    );
    decodeGetStateMultiple(payload, chunk.length).forEach((value, j) => {
      reads.set(chunk[j] as string, value);
    });
  }
}
