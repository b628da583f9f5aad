import type {
  ChaincodeProposal,
  ChaincodeResponse,
  ChaincodeStub,
  Iterators,
  SerializedIdentity,
  SplitCompositekey,
  StateQueryResponse,
  Timestamp,
} from 'fabric-shim-api';
import Long from 'long';

/**
 * An in-memory ChaincodeStub with Fabric's semantics where the contracts depend on them: reads see
 * committed state only (never the transaction's own writes), a transaction's writes, validation
 * parameters, private data and its single event apply only on commit, range scans are ordered and
 * end-exclusive, paginated scans resume at the bookmark key and cannot be mixed with
 * writes in one transaction, history is newest first.
 */

export interface Modification {
  readonly txId: string;
  readonly timestampMs: number;
  readonly isDelete: boolean;
  readonly value: Buffer;
}

export interface ChaincodeEventRecord {
  readonly name: string;
  readonly payload: Buffer;
}

/** Committed world state, shared by every transaction of a test. */
export class FakeLedger {
  readonly state = new Map<string, Buffer>();
  readonly validationParameters = new Map<string, Buffer>();
  readonly history = new Map<string, Modification[]>();
  readonly privateData = new Map<string, Map<string, Buffer>>();
  readonly events: (ChaincodeEventRecord & { txId: string })[] = [];

  collection(name: string): Map<string, Buffer> {
    let c = this.privateData.get(name);
    if (c === undefined) {
      c = new Map();
      this.privateData.set(name, c);
    }
    return c;
  }

  /** Committed keys in [start, end), in byte order (the keys used here are ASCII). */
  keysInRange(start: string, end: string): string[] {
    return [...this.state.keys()].filter((k) => k >= start && k < end).sort();
  }
}

export interface StubOptions {
  readonly txId: string;
  readonly timestampMs: number;
  readonly creator: SerializedIdentity;
  readonly transient: Map<string, Uint8Array>;
  readonly fcn: string;
  readonly params: readonly string[];
  /** False for an evaluated (read-only) transaction. */
  readonly submit: boolean;
}

function notUsed(name: string): never {
  throw new Error(`FakeStub.${name} is not implemented: the contracts do not use it`);
}

function toKV(key: string, value: Buffer): Iterators.KV {
  return { namespace: 'cityledger', key, value };
}

function iterator<T>(items: readonly T[], onClose: () => void): Iterators.CommonIterator<T> {
  let i = 0;
  return {
    next: () =>
      Promise.resolve(
        i < items.length ? { value: items[i++] as T, done: false } : { value: undefined as T, done: true },
      ),
    close: () => {
      onClose();
      return Promise.resolve();
    },
  };
}

/** A promise that is also async-iterable, as the shim returns from its query calls. */
function queryResult<R, T>(
  value: Promise<R>,
  items: () => Promise<readonly T[]>,
): Promise<R> & AsyncIterable<T> {
  return Object.assign(value, {
    async *[Symbol.asyncIterator](): AsyncIterator<T> {
      yield* await items();
    },
  });
}

export class FakeStub implements ChaincodeStub {
  readonly writes = new Map<string, Buffer | null>();
  readonly validationWrites = new Map<string, Buffer>();
  readonly privateWrites = new Map<string, Map<string, Buffer | null>>();
  event: ChaincodeEventRecord | undefined;
  openIterators = 0;
  /** Ledger reads so far (state, ranges, history, private data). */
  reads = 0;
  /** The keys read with getState, in order (what the transaction's read set holds). */
  readonly stateKeysRead: string[] = [];
  readonly #ledger: FakeLedger;
  readonly #options: StubOptions;
  #paginated = false;

  #checkWrite(): void {
    if (this.#paginated) {
      throw new Error('Transaction has already performed a paginated query. Writes are not allowed');
    }
  }

  constructor(ledger: FakeLedger, options: StubOptions) {
    this.#ledger = ledger;
    this.#options = options;
  }

  getArgs(): string[] {
    return [this.#options.fcn, ...this.#options.params];
  }
  getStringArgs(): string[] {
    return this.getArgs();
  }
  getFunctionAndParameters(): { params: string[]; fcn: string } {
    return { fcn: this.#options.fcn, params: [...this.#options.params] };
  }
  getTxID(): string {
    return this.#options.txId;
  }
  getChannelID(): string {
    return 'cityledger';
  }
  getCreator(): SerializedIdentity {
    return this.#options.creator;
  }
  getMspID(): string {
    return 'PeerMSP';
  }
  getTransient(): Map<string, Uint8Array> {
    return new Map(this.#options.transient);
  }
  getSignedProposal(): ChaincodeProposal.SignedProposal {
    return notUsed('getSignedProposal');
  }
  getTxTimestamp(): Timestamp {
    const ms = this.#options.timestampMs;
    return { seconds: Long.fromNumber(Math.floor(ms / 1000), true), nanos: (ms % 1000) * 1_000_000 };
  }
  getDateTimestamp(): Date {
    return new Date(this.#options.timestampMs);
  }
  getBinding(): string {
    return notUsed('getBinding');
  }

  getState(key: string): Promise<Uint8Array> {
    this.reads += 1;
    this.stateKeysRead.push(key);
    return Promise.resolve(this.#ledger.state.get(key) ?? Buffer.alloc(0));
  }
  putState(key: string, value: Uint8Array): Promise<void> {
    if (key === '') {
      return Promise.reject(new Error('key must not be an empty string'));
    }
    this.#checkWrite();
    this.writes.set(key, Buffer.from(value));
    return Promise.resolve();
  }
  deleteState(key: string): Promise<void> {
    this.#checkWrite();
    this.writes.set(key, null);
    return Promise.resolve();
  }
  setStateValidationParameter(key: string, ep: Uint8Array): Promise<void> {
    this.validationWrites.set(key, Buffer.from(ep));
    return Promise.resolve();
  }
  getStateValidationParameter(key: string): Promise<Uint8Array> {
    return Promise.resolve(this.#ledger.validationParameters.get(key) ?? Buffer.alloc(0));
  }

  #range(start: string, end: string): Iterators.KV[] {
    this.reads += 1;
    if (start.startsWith('\u0000') || end.startsWith('\u0000')) {
      throw new Error('first character of the key contains a null character which is not allowed');
    }
    return this.#ledger
      .keysInRange(start === '' ? '\u0001' : start, end)
      .map((k) => toKV(k, this.#ledger.state.get(k) as Buffer));
  }

  #iterator(items: Iterators.KV[]): Iterators.StateQueryIterator {
    this.openIterators += 1;
    return iterator(items, () => {
      this.openIterators -= 1;
    });
  }

  getStateByRange(
    startKey: string,
    endKey: string,
  ): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    const run = (): Iterators.KV[] => this.#range(startKey, endKey);
    return queryResult(
      Promise.resolve().then(() => this.#iterator(run())),
      () => Promise.resolve(run()),
    );
  }

  getStateByRangeWithPagination(
    startKey: string,
    endKey: string,
    pageSize: number,
    bookmark?: string,
  ): Promise<StateQueryResponse<Iterators.StateQueryIterator>> & AsyncIterable<Iterators.KV> {
    const run = (): [Iterators.KV[], string] => {
      if (this.writes.size > 0) {
        throw new Error('Paginated queries may be performed in only the read-only transactions');
      }
      this.#paginated = true;
      const all = this.#range(bookmark !== undefined && bookmark !== '' ? bookmark : startKey, endKey);
      const next = all[pageSize];
      return [all.slice(0, pageSize), next === undefined ? '' : next.key];
    };
    const response = Promise.resolve().then(() => {
      const [items, next] = run();
      // Like the shim: no metadata when the peer's QueryResponseMetadata is empty (nothing fetched,
      // no bookmark), since protobuf encodes an all-default message as no bytes.
      const metadata =
        items.length === 0 && next === ''
          ? {}
          : { metadata: { fetchedRecordsCount: items.length, bookmark: next } };
      return {
        iterator: this.#iterator(items),
        ...metadata,
      } as StateQueryResponse<Iterators.StateQueryIterator>;
    });
    return queryResult(response, () => Promise.resolve(run()[0]));
  }

  getHistoryForKey(
    key: string,
  ): Promise<Iterators.HistoryQueryIterator> & AsyncIterable<Iterators.KeyModification> {
    this.reads += 1;
    const run = (): Iterators.KeyModification[] =>
      [...(this.#ledger.history.get(key) ?? [])].reverse().map((m) => ({
        txId: m.txId,
        isDelete: m.isDelete,
        value: m.value,
        timestamp: {
          seconds: Long.fromNumber(Math.floor(m.timestampMs / 1000), true),
          nanos: (m.timestampMs % 1000) * 1e6,
        },
      }));
    const it = (): Iterators.HistoryQueryIterator => {
      this.openIterators += 1;
      return iterator(run(), () => {
        this.openIterators -= 1;
      });
    };
    return queryResult(Promise.resolve().then(it), () => Promise.resolve(run()));
  }

  setEvent(name: string, payload: Uint8Array): void {
    this.event = { name, payload: Buffer.from(payload) };
  }

  getPrivateData(collection: string, key: string): Promise<Uint8Array> {
    this.reads += 1;
    return Promise.resolve(this.#ledger.collection(collection).get(key) ?? Buffer.alloc(0));
  }
  putPrivateData(collection: string, key: string, value: Uint8Array): Promise<void> {
    if (value.length === 0) {
      return Promise.reject(new Error('value must not be empty'));
    }
    this.#privateWrites(collection).set(key, Buffer.from(value));
    return Promise.resolve();
  }
  deletePrivateData(collection: string, key: string): Promise<void> {
    this.#privateWrites(collection).set(key, null);
    return Promise.resolve();
  }
  purgePrivateData(collection: string, key: string): Promise<void> {
    this.#privateWrites(collection).set(key, null);
    return Promise.resolve();
  }
  #privateWrites(collection: string): Map<string, Buffer | null> {
    let c = this.privateWrites.get(collection);
    if (c === undefined) {
      c = new Map();
      this.privateWrites.set(collection, c);
    }
    return c;
  }

  /** Applies the transaction's effects to the ledger (what a valid commit does). */
  commit(): void {
    const ledger = this.#ledger;
    for (const [key, value] of this.writes) {
      const list = ledger.history.get(key) ?? [];
      list.push({
        txId: this.getTxID(),
        timestampMs: this.#options.timestampMs,
        isDelete: value === null,
        value: value ?? Buffer.alloc(0),
      });
      ledger.history.set(key, list);
      if (value === null) {
        ledger.state.delete(key);
      } else {
        ledger.state.set(key, value);
      }
    }
    for (const [key, ep] of this.validationWrites) {
      ledger.validationParameters.set(key, ep);
    }
    for (const [collection, writes] of this.privateWrites) {
      for (const [key, value] of writes) {
        if (value === null) {
          ledger.collection(collection).delete(key);
        } else {
          ledger.collection(collection).set(key, value);
        }
      }
    }
    if (this.event !== undefined) {
      ledger.events.push({ ...this.event, txId: this.getTxID() });
    }
  }

  getPrivateDataHash(): Promise<Uint8Array> {
    return notUsed('getPrivateDataHash');
  }
  setPrivateDataValidationParameter(): Promise<void> {
    return notUsed('setPrivateDataValidationParameter');
  }
  getPrivateDataValidationParameter(): Promise<Uint8Array> {
    return notUsed('getPrivateDataValidationParameter');
  }
  getPrivateDataByRange(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return notUsed('getPrivateDataByRange');
  }
  getPrivateDataByPartialCompositeKey(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return notUsed('getPrivateDataByPartialCompositeKey');
  }
  getPrivateDataQueryResult(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return notUsed('getPrivateDataQueryResult');
  }
  getStateByPartialCompositeKey(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return notUsed('getStateByPartialCompositeKey');
  }
  getStateByPartialCompositeKeyWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> &
    AsyncIterable<Iterators.KV> {
    return notUsed('getStateByPartialCompositeKeyWithPagination');
  }
  getQueryResult(): Promise<Iterators.StateQueryIterator> & AsyncIterable<Iterators.KV> {
    return notUsed('getQueryResult (LevelDB has no rich queries)');
  }
  getQueryResultWithPagination(): Promise<StateQueryResponse<Iterators.StateQueryIterator>> &
    AsyncIterable<Iterators.KV> {
    return notUsed('getQueryResultWithPagination (LevelDB has no rich queries)');
  }
  invokeChaincode(): Promise<ChaincodeResponse> {
    return notUsed('invokeChaincode');
  }
  createCompositeKey(): string {
    return notUsed('createCompositeKey');
  }
  splitCompositeKey(): SplitCompositekey {
    return notUsed('splitCompositeKey');
  }
}
