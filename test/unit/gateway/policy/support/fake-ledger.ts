// A fake ledger at the transport boundary of the policy cache: getPolicy answers and a chaincode event
// log with Fabric's start semantics (next commit, start block, or after a checkpoint's transaction).
import {
  type ChaincodeEvent,
  type Checkpoint,
  type CloseableAsyncIterable,
} from '@hyperledger/fabric-gateway';
import {
  type AccessPolicy,
  canonicalBytes,
  categoryOwner,
  CityLedgerError,
  EVENTS,
  type PolicyChangedEvent,
  type PolicyEntry,
} from '@cityledger/core';
import { type PolicyLedger, POLICY_FUNCTIONS } from '../../../../../gateway/src/policy';

export interface EventsRequest {
  readonly checkpoint?: {
    readonly blockNumber: bigint | undefined;
    readonly transactionId: string | undefined;
  };
  readonly startBlock?: bigint;
}

export class FakeLedger implements PolicyLedger {
  readonly events: ChaincodeEvent[] = [];
  readonly requests: EventsRequest[] = [];
  readonly evaluations: string[][] = [];
  /** Calls of chaincodeEvents() that fail before a stream opens. */
  failConnects = 0;
  /** Calls of evaluate() that fail with UNAVAILABLE. */
  failEvaluates = 0;
  #height = 1n; // block 0 is the genesis block, without events
  #txCounter = 0;
  readonly #policies = new Map<string, PolicyEntry[]>();
  readonly #streams = new Set<FakeStream>();

  get openStreams(): number {
    return this.#streams.size;
  }

  /** Commits the next version of a policy in a new block and emits policy-changed (unless `silent`). */
  putPolicy(policy: Omit<AccessPolicy, 'version'>, silent = false): PolicyEntry {
    const versions = this.#policies.get(policy.category) ?? [];
    const txId = this.#txId();
    const at = new Date(Date.UTC(2026, 0, 1) + this.#txCounter * 1000).toISOString();
    const entry: PolicyEntry = {
      ...policy,
      version: versions.length + 1,
      owner: categoryOwner(policy.category),
      createdAt: at,
      txId,
    };
    versions.push(entry);
    this.#policies.set(policy.category, versions);
    const event: PolicyChangedEvent = {
      type: EVENTS.policyChanged,
      txId,
      at,
      category: entry.category,
      owner: entry.owner,
      version: entry.version,
    };
    this.#commit(silent ? [] : [{ name: event.type, payload: canonicalBytes(event), txId }]);
    return entry;
  }

  /** Commits a block with events that are not policy changes (e.g. flagged exchanges). */
  commitOther(count = 1, payload: Uint8Array = Buffer.from('{}')): void {
    this.#commit(
      Array.from({ length: count }, () => ({ name: EVENTS.exchangeFlagged, payload, txId: this.#txId() })),
    );
  }

  /** Commits one policy-changed event with the given raw payload. */
  commitRawPolicyEvent(payload: Uint8Array): void {
    this.#commit([{ name: EVENTS.policyChanged, payload, txId: this.#txId() }]);
  }

  /** Makes every open stream fail, as a peer restart would. */
  breakStreams(): void {
    for (const s of this.#streams) {
      s.fail(new CityLedgerError('UNAVAILABLE', 'peer went away'));
    }
  }

  evaluate(fn: string, args: readonly string[] = []): Promise<Uint8Array> {
    this.evaluations.push([fn, ...args]);
    if (this.failEvaluates > 0) {
      this.failEvaluates--;
      return Promise.reject(new CityLedgerError('UNAVAILABLE', 'peer unreachable'));
    }
    if (fn !== POLICY_FUNCTIONS.getPolicy) {
      return Promise.reject(new CityLedgerError('NOT_FOUND', `no function ${fn}`));
    }
    const [category = '', version = ''] = args;
    const versions = this.#policies.get(category);
    const entry = version === '' ? versions?.at(-1) : versions?.[Number(version) - 1];
    if (entry === undefined) {
      return Promise.reject(new CityLedgerError('NOT_FOUND', `no policy for ${category}`));
    }
    return Promise.resolve(canonicalBytes(entry));
  }

  chaincodeEvents(
    from: { checkpoint?: Checkpoint; startBlock?: bigint } = {},
  ): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
    this.requests.push({
      ...(from.checkpoint === undefined
        ? {}
        : {
            checkpoint: {
              blockNumber: from.checkpoint.getBlockNumber(),
              transactionId: from.checkpoint.getTransactionId(),
            },
          }),
      ...(from.startBlock === undefined ? {} : { startBlock: from.startBlock }),
    });
    if (this.failConnects > 0) {
      this.failConnects--;
      return Promise.reject(new CityLedgerError('UNAVAILABLE', 'peer unreachable'));
    }
    const startBlock = from.checkpoint?.getBlockNumber() ?? from.startBlock ?? this.#height;
    let start = this.events.findIndex((e) => e.blockNumber >= startBlock);
    if (start < 0) {
      start = this.events.length;
    }
    const afterTx = from.checkpoint?.getTransactionId();
    if (afterTx !== undefined) {
      const at = this.events.findIndex((e) => e.blockNumber === startBlock && e.transactionId === afterTx);
      if (at >= 0) {
        start = at + 1;
      }
    }
    const stream = new FakeStream(this.events, start, () => this.#streams.delete(stream));
    this.#streams.add(stream);
    return Promise.resolve(stream);
  }

  #txId(): string {
    this.#txCounter++;
    return `tx${String(this.#txCounter).padStart(4, '0')}`;
  }

  #commit(events: readonly { name: string; payload: Uint8Array; txId: string }[]): void {
    const blockNumber = this.#height++;
    for (const e of events) {
      this.events.push({
        blockNumber,
        transactionId: e.txId,
        chaincodeName: 'cityledger',
        eventName: e.name,
        payload: e.payload,
      });
    }
    for (const s of this.#streams) {
      s.notify();
    }
  }
}

class FakeStream implements CloseableAsyncIterable<ChaincodeEvent> {
  readonly #events: readonly ChaincodeEvent[];
  readonly #onClose: () => void;
  #next: number;
  #closed = false;
  #error: Error | undefined;
  #waiter: (() => void) | undefined;

  constructor(events: readonly ChaincodeEvent[], start: number, onClose: () => void) {
    this.#events = events;
    this.#next = start;
    this.#onClose = onClose;
  }

  notify(): void {
    this.#waiter?.();
  }

  fail(err: Error): void {
    this.#error = err;
    this.notify();
  }

  close(): void {
    this.#closed = true;
    this.#onClose();
    this.notify();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ChaincodeEvent> {
    for (;;) {
      if (this.#error !== undefined) {
        this.#onClose();
        throw this.#error;
      }
      if (this.#closed) {
        return;
      }
      const event = this.#events[this.#next];
      if (event !== undefined) {
        this.#next++;
        yield event;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
      this.#waiter = undefined;
    }
  }
}
