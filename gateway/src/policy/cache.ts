import {
  type ChaincodeEvent,
  type Checkpoint,
  type CloseableAsyncIterable,
} from '@hyperledger/fabric-gateway';
import {
  type AccessRequest,
  CityLedgerError,
  decide,
  decodeEvent,
  type DenyReason,
  EVENTS,
  type Grant,
  isCategory,
  isCityLedgerError,
  type PolicyEntry,
} from '@cityledger/core';
import { backoffDelay, type BackoffOptions, DEFAULT_BACKOFF } from './backoff';
import { parsePolicyEntry } from './entry';
import { POLICY_FUNCTIONS, type PolicyLedger } from './ledger';
import { PolicyStore, type StoredCheckpoint } from './store';

export interface PolicyCacheOptions {
  readonly ledger: PolicyLedger;
  /** SQLite file for the cached policies and the event checkpoint (created if absent). */
  readonly statePath: string;
  /** Categories loaded with getPolicy at every start, so they are usable before the event replay ends. */
  readonly categories?: readonly string[];
  /**
   * Block to replay events from when there is no checkpoint yet (default 0: the whole chain, so every
   * category that ever had a policy is discovered). Later starts resume from the checkpoint.
   */
  readonly startBlockWhenNew?: bigint;
  readonly backoff?: BackoffOptions;
  /** Re-reads the current version of every known category this often (ms; 0 = never). Default 300000. */
  readonly resyncIntervalMs?: number;
  /** Deny everything ('policy-stale') after the event stream has been down this long (ms). Default: never. */
  readonly maxDisconnectedMs?: number;
  /** Wall clock in ms (default Date.now). */
  readonly now?: () => number;
  /** Called for what a log or metric should see. Must not throw. */
  readonly onEvent?: (event: PolicyCacheEvent) => void;
}

export type PolicyCacheEvent =
  | {
      readonly type: 'policy-updated';
      readonly category: string;
      readonly version: number;
      readonly source: 'load' | 'event' | 'resync';
    }
  | { readonly type: 'connected'; readonly checkpoint: StoredCheckpoint | undefined }
  | { readonly type: 'stream-error'; readonly error: Error; readonly retryInMs: number }
  | {
      readonly type: 'event-skipped';
      readonly reason: string;
      readonly blockNumber: bigint;
      readonly transactionId: string;
    }
  | { readonly type: 'load-error'; readonly category: string; readonly error: Error };

/** Reasons a cached decision is deny beyond core's: no policy known, or the cache is too stale. */
export type CacheDenyReason = DenyReason | 'no-policy' | 'policy-stale';

/** A decision on the cached policy, with the version to cite in the record (undefined: none known). */
export type PolicyDecision =
  | { readonly allow: true; readonly policyVersion: number; readonly grant: Grant }
  | {
      readonly allow: false;
      readonly code: 'POLICY_DENIED';
      readonly reason: CacheDenyReason;
      readonly message: string;
      readonly policyVersion: number | undefined;
    };

export interface PolicyCacheStatus {
  /** The first sync since start() completed (configured categories loaded, event stream open). */
  readonly ready: boolean;
  readonly connected: boolean;
  /** Since when (ms, clock of the options) the stream has been down; undefined while connected. */
  readonly disconnectedSince: number | undefined;
  readonly checkpoint: StoredCheckpoint | undefined;
  readonly categories: number;
  readonly eventsProcessed: number;
  readonly policyUpdates: number;
  readonly reconnects: number;
  readonly lastError: string | undefined;
}

const CHECKPOINT_FLUSH_MS = 1_000;

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** True when retrying later may help: transient catalogue codes and anything that is not a CityLedgerError. */
function isRetryable(err: unknown): boolean {
  return !isCityLedgerError(err) || err.transient;
}

function toCheckpoint(c: StoredCheckpoint): Checkpoint {
  return { getBlockNumber: () => c.blockNumber, getTransactionId: () => c.transactionId };
}

/**
 * The gateway's copy of the access policies on chain. Loads the configured categories with getPolicy,
 * then follows the chaincode's events from a durable checkpoint (a SQLite file), fetching a category's
 * policy whenever a policy-changed event names a newer version; reconnects with backoff when the stream
 * fails. Decisions use core's decide() on the cached policy and fail closed when none is known.
 */
export class PolicyCache {
  readonly #ledger: PolicyLedger;
  readonly #store: PolicyStore;
  readonly #configured: readonly string[];
  readonly #startBlockWhenNew: bigint;
  readonly #backoff: BackoffOptions;
  readonly #resyncIntervalMs: number;
  readonly #maxDisconnectedMs: number | undefined;
  readonly #now: () => number;
  readonly #onEvent: (event: PolicyCacheEvent) => void;
  readonly #policies = new Map<string, PolicyEntry>();
  #checkpoint: StoredCheckpoint | undefined;
  #checkpointSaved: StoredCheckpoint | undefined;
  #checkpointSavedAt = 0;
  #stream: CloseableAsyncIterable<ChaincodeEvent> | undefined;
  #running: Promise<void> | undefined;
  #closed = false;
  #wake: (() => void) | undefined;
  #resyncTimer: NodeJS.Timeout | undefined;
  #ready = false;
  #readyWaiters: { resolve: () => void; reject: (err: Error) => void }[] = [];
  #disconnectedSince: number | undefined;
  #counters = { eventsProcessed: 0, policyUpdates: 0, reconnects: 0 };
  #lastError: string | undefined;

  private constructor(options: PolicyCacheOptions) {
    for (const category of options.categories ?? []) {
      if (!isCategory(category)) {
        throw new CityLedgerError(
          'INVALID_ARGUMENT',
          `categories: ${JSON.stringify(category)} is not <department>/<name>`,
        );
      }
    }
    this.#ledger = options.ledger;
    this.#configured = [...new Set(options.categories ?? [])];
    this.#startBlockWhenNew = options.startBlockWhenNew ?? 0n;
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#resyncIntervalMs = options.resyncIntervalMs ?? 300_000;
    this.#maxDisconnectedMs = options.maxDisconnectedMs;
    this.#now = options.now ?? Date.now;
    this.#onEvent = options.onEvent ?? (() => undefined);
    this.#store = new PolicyStore(options.statePath);
    for (const entry of this.#store.policies()) {
      this.#policies.set(entry.category, entry);
    }
    this.#checkpoint = this.#store.checkpoint();
    this.#checkpointSaved = this.#checkpoint;
    this.#disconnectedSince = this.#now();
  }

  /**
   * Opens the state file and serves the policies saved there at once (no ledger access yet). Call
   * start() to sync with the ledger.
   */
  static open(options: PolicyCacheOptions): PolicyCache {
    return new PolicyCache(options);
  }

  /**
   * Starts following the ledger in the background. The promise resolves when the first sync is done
   * (configured categories loaded and the event stream open); the cache keeps retrying until then.
   * It rejects only if the cache is closed first.
   */
  start(): Promise<void> {
    if (this.#closed) {
      return Promise.reject(new Error('the policy cache is closed'));
    }
    this.#running ??= this.#run();
    if (this.#resyncIntervalMs > 0 && this.#resyncTimer === undefined) {
      this.#resyncTimer = setInterval(() => {
        void this.#resync();
      }, this.#resyncIntervalMs);
      this.#resyncTimer.unref();
    }
    return this.whenReady();
  }

  whenReady(): Promise<void> {
    if (this.#ready) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  /** The access decision for `request` at `at` (ISO time) on the cached policy. */
  decisionFor(request: AccessRequest, at: string): PolicyDecision {
    const policy = this.#policies.get(request.category);
    if (policy === undefined) {
      return {
        allow: false,
        code: 'POLICY_DENIED',
        reason: 'no-policy',
        message: `no policy known for ${request.category}; denied (fail closed)`,
        policyVersion: undefined,
      };
    }
    const down = this.#disconnectedSince;
    if (
      this.#maxDisconnectedMs !== undefined &&
      down !== undefined &&
      this.#now() - down > this.#maxDisconnectedMs
    ) {
      return {
        allow: false,
        code: 'POLICY_DENIED',
        reason: 'policy-stale',
        message: `policy events unavailable for over ${this.#maxDisconnectedMs} ms; denied (fail closed)`,
        policyVersion: policy.version,
      };
    }
    const decision = decide(policy, request, at);
    return decision.allow
      ? { allow: true, policyVersion: policy.version, grant: decision.grant }
      : { ...decision, policyVersion: policy.version };
  }

  /** The cached (newest known) policy of a category. */
  policy(category: string): PolicyEntry | undefined {
    return this.#policies.get(category);
  }

  status(): PolicyCacheStatus {
    return {
      ready: this.#ready,
      connected: this.#stream !== undefined && this.#disconnectedSince === undefined,
      disconnectedSince: this.#disconnectedSince,
      checkpoint: this.#checkpoint,
      categories: this.#policies.size,
      ...this.#counters,
      lastError: this.#lastError,
    };
  }

  /** Stops following events, saves the checkpoint and closes the state file. */
  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    clearInterval(this.#resyncTimer);
    this.#stream?.close();
    this.#wake?.();
    await this.#running;
    this.#flushCheckpoint(true);
    this.#store.close();
    for (const w of this.#readyWaiters.splice(0)) {
      w.reject(new Error('the policy cache was closed before its first sync'));
    }
  }

  async #run(): Promise<void> {
    let attempt = 0;
    while (!this.#closed) {
      let connectedAt = 0;
      try {
        const checkpoint = this.#checkpoint;
        const stream = await this.#ledger.chaincodeEvents(
          checkpoint === undefined
            ? { startBlock: this.#startBlockWhenNew }
            : { checkpoint: toCheckpoint(checkpoint) },
        );
        this.#stream = stream;
        if (this.#isClosed()) {
          break;
        }
        this.#onEvent({ type: 'connected', checkpoint });
        await this.#loadConfigured();
        connectedAt = this.#now();
        this.#disconnectedSince = undefined;
        this.#markReady();
        for await (const event of stream) {
          await this.#handle(event);
          attempt = 0;
        }
        if (!this.#isClosed()) {
          throw new Error('the event stream ended');
        }
      } catch (err) {
        if (this.#isClosed()) {
          break;
        }
        if (connectedAt > 0 && this.#now() - connectedAt >= this.#backoff.maxMs) {
          attempt = 0; // the stream had been healthy for a while
        }
        const retryInMs = backoffDelay(attempt++, this.#backoff);
        this.#disconnectedSince ??= this.#now();
        this.#lastError = asError(err).message;
        this.#counters.reconnects++;
        this.#onEvent({ type: 'stream-error', error: asError(err), retryInMs });
        this.#stream?.close();
        this.#stream = undefined;
        this.#flushCheckpoint(true);
        await this.#sleep(retryInMs);
      }
    }
    this.#stream?.close();
    this.#stream = undefined;
  }

  /** Loads the configured categories; fails (to be retried) only on transient errors. */
  async #loadConfigured(): Promise<void> {
    for (const category of this.#configured) {
      try {
        await this.#fetch(category, 0, 'load');
      } catch (err) {
        if (isRetryable(err)) {
          throw err;
        }
        // e.g. NOT_FOUND: no policy yet; decisions deny until an event brings one.
        this.#onEvent({ type: 'load-error', category, error: asError(err) });
      }
    }
  }

  async #handle(event: ChaincodeEvent): Promise<void> {
    const checkpoint = { blockNumber: event.blockNumber, transactionId: event.transactionId };
    if (event.eventName === EVENTS.policyChanged) {
      await this.#onPolicyChanged(event, checkpoint);
    }
    this.#counters.eventsProcessed++;
    this.#checkpoint = checkpoint;
    this.#flushCheckpoint(false);
  }

  async #onPolicyChanged(event: ChaincodeEvent, checkpoint: StoredCheckpoint): Promise<void> {
    const decoded = decodeEvent(event.eventName, event.payload);
    if (decoded?.type !== EVENTS.policyChanged || !isCategory(decoded.category)) {
      this.#skip(event, 'malformed policy-changed payload');
      return;
    }
    if (decoded.version <= (this.#policies.get(decoded.category)?.version ?? 0)) {
      return; // already known (replay, or loaded at start)
    }
    try {
      await this.#fetch(decoded.category, decoded.version, 'event', checkpoint);
    } catch (err) {
      if (isRetryable(err)) {
        throw err; // reconnect and retry this event from the unchanged checkpoint
      }
      this.#skip(event, `getPolicy failed: ${asError(err).message}`);
    }
  }

  /**
   * Fetches a category's current policy and caches it if newer. `atLeast` is the version an event
   * announced: a peer answering with an older one is behind, which is retried (transient).
   */
  async #fetch(
    category: string,
    atLeast: number,
    source: 'load' | 'event' | 'resync',
    checkpoint?: StoredCheckpoint,
  ): Promise<void> {
    const bytes = await this.#ledger.evaluate(POLICY_FUNCTIONS.getPolicy, [category, '']);
    const entry = parsePolicyEntry(bytes, category);
    if (entry.version < atLeast) {
      throw new CityLedgerError(
        'UNAVAILABLE',
        `the peer has ${category} v${entry.version}, an event announced v${atLeast}; retrying`,
      );
    }
    const cached = this.#policies.get(category);
    if (cached === undefined || entry.version > cached.version) {
      this.#store.save(entry, checkpoint);
      this.#policies.set(category, entry);
      this.#counters.policyUpdates++;
      this.#onEvent({ type: 'policy-updated', category, version: entry.version, source });
      if (checkpoint !== undefined) {
        this.#checkpointSaved = checkpoint;
        this.#checkpointSavedAt = this.#now();
      }
    }
  }

  #skip(event: ChaincodeEvent, reason: string): void {
    this.#onEvent({
      type: 'event-skipped',
      reason,
      blockNumber: event.blockNumber,
      transactionId: event.transactionId,
    });
  }

  /**
   * Saves the checkpoint of events that changed nothing at most once a second (or now when `force`):
   * replaying them after a crash is harmless, policy changes are saved with theirs at once.
   */
  #flushCheckpoint(force: boolean): void {
    const c = this.#checkpoint;
    if (c === undefined || c === this.#checkpointSaved) {
      return;
    }
    if (force || this.#now() - this.#checkpointSavedAt >= CHECKPOINT_FLUSH_MS) {
      this.#store.save(undefined, c);
      this.#checkpointSaved = c;
      this.#checkpointSavedAt = this.#now();
    }
  }

  async #resync(): Promise<void> {
    for (const category of new Set([...this.#configured, ...this.#policies.keys()])) {
      if (this.#closed) {
        return;
      }
      try {
        await this.#fetch(category, 0, 'resync');
      } catch (err) {
        this.#onEvent({ type: 'load-error', category, error: asError(err) });
      }
    }
  }

  /** Read through a method: #closed changes while #run awaits. */
  #isClosed(): boolean {
    return this.#closed;
  }

  #markReady(): void {
    if (!this.#ready) {
      this.#ready = true;
      for (const w of this.#readyWaiters.splice(0)) {
        w.resolve();
      }
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.#wake = done;
    });
  }
}
