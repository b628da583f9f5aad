import os from 'node:os';
import { type Worker } from 'node:worker_threads';
import { type Verdict } from '@cityledger/core';
// Loaded here only to hold onnxruntime-node's native addon in the main thread: when the last thread
// holding it exits, a worker that loads it afterwards fails with "Module did not self-register", so a
// crashed scoring worker could never be restarted (reproduced on Node 20 by
// test/unit/gateway/scoring/restart-compiled.test.ts). The main thread creates no session.
import 'onnxruntime-node';
import { ScoringError } from './errors';
import { type ModelFile, verifyModelFile, type VerifiedModel } from './model-file';
import { type TaskMessage, type WorkerData, type WorkerInit, type WorkerMessage } from './protocol';
import { type Batch, complete, fail, RequestQueue, type ScoredRows } from './request-queue';
import { checkVerdictThresholds, combineVerdict, type VerdictThresholds } from './verdict';
import { defaultWorkerEntry, startWorker } from './worker-launch';

export interface ScoringPoolOptions {
  readonly classifier: ModelFile;
  /** Optional: without it the verdict rule's anomaly clause is false. */
  readonly anomaly?: ModelFile;
  /** The feature spec this gateway implements (FEATURE_SPEC_SHA256 of gateway/src/features). */
  readonly featureSpecSha256: string;
  /** Values per feature row (the spec's feature count). */
  readonly featureCount: number;
  readonly thresholds: VerdictThresholds;
  /** Worker threads; default half the cores, at least 1 (1 on a 2-core machine). */
  readonly workers?: number;
  /** onnxruntime intra-op threads per session; default 1. */
  readonly intraOpThreads?: number;
  /** Largest batch, in rows; default 1024. */
  readonly maxBatch?: number;
  /** Longest a row waits for its batch to fill, in ms; default 5. */
  readonly maxWaitMs?: number;
  /** Rows that may wait for a worker before score() rejects as overloaded; default 64 * maxBatch. */
  readonly maxQueuedRows?: number;
  /** Worker entry file; default worker.js (or worker.ts from the sources) next to this module. */
  readonly workerEntry?: string;
  /**
   * Tasks besides scoring (runTask): `entry` is a worker entry that imports ./worker and answers
   * tasks through worker-tasks.ts's serveTasks; `data` reaches it as `workerData.task` (cloned, so it
   * may hold what postMessage can clone, e.g. a KeyObject). Replaces `workerEntry`.
   */
  readonly tasks?: { readonly entry: string; readonly data: unknown };
  /** Monotonic clock in ms; default performance.now. */
  readonly now?: () => number;
}

/** Scores of one flow. */
export interface FlowScore {
  /** Classifier output `attack_probability` (float32). */
  readonly attackProbability: number;
  /** Anomaly output `anomaly_score` (float32); undefined without an anomaly model. */
  readonly anomalyScore: number | undefined;
  readonly verdict: Verdict;
  /** What an exchange record cites as `threatScore` (flow alerts cite attackProbability): see FlowVerdict. */
  readonly threatScore: number;
}

/** Counters for metrics; all totals since the pool started. */
export interface ScoringStats {
  readonly workers: number;
  readonly readyWorkers: number;
  readonly queuedRows: number;
  readonly inFlightBatches: number;
  readonly batches: number;
  readonly rowsScored: number;
  /** score() calls rejected because the queue was full, and their rows. */
  readonly overloadRejections: number;
  readonly overloadRejectedRows: number;
  readonly workerCrashes: number;
  readonly failedBatches: number;
  /** runTask calls answered, and those that failed (task error, crash, close). */
  readonly tasks: number;
  readonly failedTasks: number;
}

type SlotState = 'starting' | 'idle' | 'busy' | 'dead';

interface PendingTask {
  readonly resolve: (output: unknown) => void;
  readonly reject: (err: Error) => void;
}

interface Slot {
  readonly index: number;
  worker: Worker | undefined;
  state: SlotState;
  batch: { readonly id: number; readonly batch: Batch } | undefined;
  /** Tasks sent to this worker and not answered yet, by id. */
  readonly tasks: Map<number, PendingTask>;
  /** Crashes since the last successful batch, for restart backoff. */
  crashStreak: number;
}

const RESTART_BASE_MS = 100;
/**
 * A scoring worker's own V8 heap holds one batch of rows and its results at a time: a small young
 * generation keeps the garbage of a flood from growing its heap (onnxruntime's memory is native).
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };
const RESTART_MAX_MS = 10_000;

interface Resolved {
  readonly workers: number;
  readonly intraOpThreads: number;
  readonly maxBatch: number;
  readonly maxWaitMs: number;
  readonly maxQueuedRows: number;
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) {
    throw new RangeError(`${name} must be a positive integer (got ${v})`);
  }
  return v;
}

function resolveOptions(o: ScoringPoolOptions): Resolved {
  positiveInt('featureCount', o.featureCount, 0);
  checkVerdictThresholds(o.thresholds);
  const maxBatch = positiveInt('maxBatch', o.maxBatch, 1024);
  const maxWaitMs = o.maxWaitMs ?? 5;
  if (!(maxWaitMs >= 0 && Number.isFinite(maxWaitMs))) {
    throw new RangeError(`maxWaitMs must be a finite number >= 0 (got ${maxWaitMs})`);
  }
  const maxQueuedRows = positiveInt('maxQueuedRows', o.maxQueuedRows, 64 * maxBatch);
  return {
    workers: positiveInt('workers', o.workers, Math.max(1, Math.floor(os.availableParallelism() / 2))),
    intraOpThreads: positiveInt('intraOpThreads', o.intraOpThreads, 1),
    maxBatch,
    maxWaitMs,
    maxQueuedRows,
  };
}

/**
 * ONNX scoring in worker threads with micro-batching. Rows wait until `maxBatch` rows are queued or
 * the oldest has waited `maxWaitMs`, then go to an idle worker as one batch (one inference per model).
 * Rows queue while every worker is busy, so batches grow under load; past `maxQueuedRows` score()
 * rejects with ScoringError `overloaded` rather than growing memory. A worker that dies fails its
 * in-flight batch with `worker-crashed` and is restarted (with backoff if it keeps dying).
 */
export class ScoringPool {
  readonly #o: Resolved;
  readonly #featureCount: number;
  readonly #thresholds: VerdictThresholds;
  readonly #hasAnomaly: boolean;
  readonly #entry: string;
  readonly #init: WorkerInit;
  readonly #taskData: unknown;
  readonly #hasTasks: boolean;
  readonly #now: () => number;
  readonly #queue: RequestQueue;
  readonly #slots: Slot[] = [];
  #timer: NodeJS.Timeout | undefined;
  #timerAt = Infinity;
  #nextBatchId = 1;
  #nextTaskId = 1;
  #closing = false;
  #closed: Promise<void> | undefined;
  #drained: (() => void) | undefined;
  readonly #stats = {
    batches: 0,
    rowsScored: 0,
    overloadRejections: 0,
    overloadRejectedRows: 0,
    workerCrashes: 0,
    failedBatches: 0,
    tasks: 0,
    failedTasks: 0,
  };

  private constructor(options: ScoringPoolOptions, resolved: Resolved, models: readonly VerifiedModel[]) {
    this.#o = resolved;
    this.#featureCount = options.featureCount;
    this.#thresholds = options.thresholds;
    this.#hasAnomaly = models.some((m) => m.key === 'anomaly');
    this.#entry = options.tasks?.entry ?? options.workerEntry ?? defaultWorkerEntry();
    this.#hasTasks = options.tasks !== undefined;
    this.#taskData = options.tasks?.data;
    this.#now = options.now ?? (() => performance.now());
    this.#queue = new RequestQueue(options.featureCount);
    this.#init = {
      models: models.map((m) => ({ key: m.key, bytes: m.bytes, output: m.output })),
      featureCount: options.featureCount,
      intraOpThreads: resolved.intraOpThreads,
    };
  }

  /**
   * Checks the model files (sha256, feature spec), starts the workers and waits until each has loaded
   * the models. Rejects with a ScoringError (model-hash-mismatch, feature-spec-mismatch,
   * model-load-failed) and leaves no thread behind.
   */
  static async create(options: ScoringPoolOptions): Promise<ScoringPool> {
    const resolved = resolveOptions(options);
    const models = [await verifyModelFile('classifier', options.classifier, options.featureSpecSha256)];
    if (options.anomaly !== undefined) {
      models.push(await verifyModelFile('anomaly', options.anomaly, options.featureSpecSha256));
    }
    const pool = new ScoringPool(options, resolved, models);
    try {
      await Promise.all(Array.from({ length: resolved.workers }, (_, i) => pool.#startSlot(i)));
    } catch (err) {
      await pool.close({ drain: false });
      throw err;
    }
    return pool;
  }

  /** Scores one feature row. */
  async score(row: ArrayLike<number>): Promise<FlowScore> {
    const [s] = await this.scoreMany([row]);
    return s as FlowScore;
  }

  /** Scores several rows; results in the same order. All or nothing: one failure rejects the call. */
  async scoreMany(rows: readonly ArrayLike<number>[]): Promise<FlowScore[]> {
    if (rows.length === 0) {
      return [];
    }
    const scored = await this.#submit(this.#pack(rows), rows.length);
    const out: FlowScore[] = new Array<FlowScore>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      out[i] = this.#flowScore(scored, i);
    }
    return out;
  }

  /**
   * Runs a task of the `tasks` entry in a worker thread (the one with the fewest tasks pending) and
   * resolves with its output. Tasks go out at once, beside the worker's batches: a worker answers
   * them in order, between inferences. Rejects with ScoringError `closed` once the pool closes,
   * `worker-crashed` when no worker runs or its worker dies meanwhile, `task-failed` when the
   * task's handler throws.
   */
  runTask(input: unknown): Promise<unknown> {
    if (!this.#hasTasks) {
      return Promise.reject(new ScoringError('invalid-input', 'this pool was created without tasks'));
    }
    if (this.#closing) {
      return Promise.reject(new ScoringError('closed', 'the scoring pool is closed'));
    }
    const slot = this.#taskSlot();
    if (slot === undefined) {
      return Promise.reject(
        new ScoringError('worker-crashed', 'no worker is running; they are being restarted'),
      );
    }
    const worker = slot.worker as Worker;
    const id = this.#nextTaskId++;
    const message: TaskMessage = { type: 'task', id, input };
    return new Promise<unknown>((resolve, reject) => {
      slot.tasks.set(id, { resolve, reject });
      worker.ref();
      worker.postMessage(message);
    });
  }

  /** The running worker with the fewest tasks pending. */
  #taskSlot(): Slot | undefined {
    let slot: Slot | undefined;
    for (const s of this.#slots) {
      const running = s.state === 'idle' || s.state === 'busy';
      if (running && (slot === undefined || s.tasks.size < slot.tasks.size)) {
        slot = s;
      }
    }
    return slot;
  }

  /** Worker threads of the pool (running or being restarted). */
  get workers(): number {
    return this.#o.workers;
  }

  stats(): ScoringStats {
    let inFlight = 0;
    let ready = 0;
    for (const s of this.#slots) {
      inFlight += s.state === 'busy' ? 1 : 0;
      ready += s.state === 'idle' || s.state === 'busy' ? 1 : 0;
    }
    return {
      workers: this.#o.workers,
      readyWorkers: ready,
      queuedRows: this.#queue.rows,
      inFlightBatches: inFlight,
      ...this.#stats,
    };
  }

  /**
   * Stops accepting rows. With `drain` (default) waits until every accepted row is scored; without,
   * rejects waiting and in-flight rows with `closed`. Then ends the workers.
   */
  close(options: { drain?: boolean } = {}): Promise<void> {
    this.#closed ??= this.#close(options.drain ?? true);
    return this.#closed;
  }

  async #close(drain: boolean): Promise<void> {
    this.#closing = true;
    if (drain && this.#pending()) {
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
        this.#pump();
      });
    }
    const closed = new ScoringError('closed', 'the scoring pool is closed');
    this.#queue.rejectAll(closed);
    this.#clearTimer();
    const ends: Promise<number>[] = [];
    for (const slot of this.#slots) {
      this.#failInFlight(slot, closed);
      slot.state = 'dead';
      if (slot.worker !== undefined) {
        ends.push(slot.worker.terminate());
        slot.worker = undefined;
      }
    }
    await Promise.all(ends);
  }

  #pending(): boolean {
    return this.#queue.rows > 0 || this.#slots.some((s) => s.state === 'busy' || s.tasks.size > 0);
  }

  #pack(rows: readonly ArrayLike<number>[]): Float32Array {
    const f = this.#featureCount;
    const packed = new Float32Array(rows.length * f);
    rows.forEach((row, i) => {
      if (row.length !== f) {
        throw new ScoringError(
          'invalid-input',
          `row ${i} has ${row.length} values, the feature spec has ${f}`,
        );
      }
      for (let j = 0; j < f; j++) {
        const v = row[j] as number;
        if (!Number.isFinite(v)) {
          throw new ScoringError('invalid-input', `row ${i} feature ${j} is not a finite number (${v})`);
        }
        packed[i * f + j] = v;
      }
    });
    return packed;
  }

  #submit(rows: Float32Array, count: number): Promise<ScoredRows> {
    if (this.#closing) {
      return Promise.reject(new ScoringError('closed', 'the scoring pool is closed'));
    }
    if (count > this.#o.maxQueuedRows) {
      return Promise.reject(
        new ScoringError(
          'invalid-input',
          `${count} rows in one call exceed maxQueuedRows (${this.#o.maxQueuedRows}); split the call`,
        ),
      );
    }
    if (this.#queue.rows + count > this.#o.maxQueuedRows) {
      this.#stats.overloadRejections++;
      this.#stats.overloadRejectedRows += count;
      return Promise.reject(
        new ScoringError(
          'overloaded',
          `${this.#queue.rows} rows already wait for a worker (limit ${this.#o.maxQueuedRows}); shed or retry later`,
        ),
      );
    }
    return new Promise<ScoredRows>((resolve, reject) => {
      this.#queue.push({
        rows,
        count,
        enqueuedAt: this.#now(),
        results: {
          attack: new Float32Array(count),
          anomaly: this.#hasAnomaly ? new Float32Array(count) : undefined,
        },
        taken: 0,
        done: 0,
        settled: false,
        resolve,
        reject,
      });
      this.#pump();
    });
  }

  #flowScore(scored: ScoredRows, i: number): FlowScore {
    const attackProbability = scored.attack[i] as number;
    const anomalyScore = scored.anomaly === undefined ? undefined : scored.anomaly[i];
    const { verdict, threatScore } = combineVerdict(attackProbability, anomalyScore, this.#thresholds);
    return { attackProbability, anomalyScore, verdict, threatScore };
  }

  /** Sends due batches to idle workers; arms the timer for the next time cut. */
  #pump(): void {
    for (;;) {
      if (this.#queue.rows === 0) {
        this.#clearTimer();
        if (this.#closing && !this.#pending()) {
          this.#drained?.();
        }
        return;
      }
      const slot = this.#slots.find((s) => s.state === 'idle');
      if (slot === undefined) {
        return;
      }
      const oldest = this.#queue.oldestAt ?? this.#now();
      const dueAt = oldest + this.#o.maxWaitMs;
      if (this.#queue.rows < this.#o.maxBatch && !this.#closing && this.#now() < dueAt) {
        this.#armTimer(dueAt);
        return;
      }
      const batch = this.#queue.take(this.#o.maxBatch);
      if (batch === undefined) {
        continue;
      }
      this.#send(slot, batch);
    }
  }

  #send(slot: Slot, batch: Batch): void {
    const id = this.#nextBatchId++;
    slot.state = 'busy';
    slot.batch = { id, batch };
    const worker = slot.worker as Worker;
    worker.ref();
    worker.postMessage({ type: 'run', id, count: batch.count, rows: batch.rows }, [
      batch.rows.buffer as ArrayBuffer,
    ]);
  }

  #armTimer(at: number): void {
    if (this.#timer !== undefined && this.#timerAt <= at) {
      return;
    }
    this.#clearTimer();
    this.#timerAt = at;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerAt = Infinity;
        this.#pump();
      },
      Math.max(0, Math.ceil(at - this.#now())),
    );
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
      this.#timerAt = Infinity;
    }
  }

  /** Starts (or restarts) the worker of slot `index`; resolves when it has loaded the models. */
  #startSlot(index: number): Promise<void> {
    const slot: Slot = this.#slots[index] ?? {
      index,
      worker: undefined,
      state: 'dead',
      batch: undefined,
      tasks: new Map(),
      crashStreak: 0,
    };
    this.#slots[index] = slot;
    slot.state = 'starting';
    let worker: Worker;
    try {
      const data: WorkerData = this.#hasTasks
        ? { init: this.#init, task: this.#taskData }
        : { init: this.#init };
      worker = startWorker(this.#entry, data, { resourceLimits: WORKER_LIMITS });
    } catch (err) {
      slot.state = 'dead';
      return Promise.reject(
        new ScoringError('model-load-failed', `worker ${index} could not be started`, { cause: err }),
      );
    }
    slot.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let started = false;
      worker.on('message', (msg: WorkerMessage) => {
        if (msg.type === 'ready') {
          started = true;
          slot.state = 'idle';
          worker.unref();
          resolve();
          this.#pump();
        } else if (msg.type === 'init-error') {
          started = true;
          reject(new ScoringError('model-load-failed', `worker ${index}: ${msg.message}`));
          void worker.terminate();
        } else if (msg.type === 'task-result' || msg.type === 'task-error') {
          this.#onTaskAnswer(slot, msg);
        } else {
          this.#onResult(slot, msg);
        }
      });
      worker.on('error', (err) => {
        if (!started) {
          started = true;
          reject(
            new ScoringError('model-load-failed', `worker ${index} failed to start: ${err.message}`, {
              cause: err,
            }),
          );
        }
        this.#onDeath(slot, worker, err);
      });
      worker.on('exit', (code) => {
        this.#onDeath(slot, worker, new Error(`exited with code ${code}`));
      });
    });
  }

  #onResult(slot: Slot, msg: Extract<WorkerMessage, { type: 'result' | 'run-error' }>): void {
    const inFlight = slot.batch;
    if (inFlight?.id !== msg.id) {
      return;
    }
    slot.batch = undefined;
    slot.state = 'idle';
    this.#unrefWhenIdle(slot);
    if (msg.type === 'result') {
      const attack = msg.outputs.classifier;
      if (attack !== undefined) {
        slot.crashStreak = 0;
        this.#stats.batches++;
        this.#stats.rowsScored += inFlight.batch.count;
        complete(inFlight.batch, attack, msg.outputs.anomaly);
      }
    } else {
      this.#failBatch(inFlight.batch, new ScoringError('inference-failed', msg.message));
    }
    this.#pump();
  }

  #onTaskAnswer(slot: Slot, msg: Extract<WorkerMessage, { type: 'task-result' | 'task-error' }>): void {
    const task = slot.tasks.get(msg.id);
    if (task === undefined) {
      return;
    }
    slot.tasks.delete(msg.id);
    this.#unrefWhenIdle(slot);
    if (msg.type === 'task-result') {
      this.#stats.tasks++;
      task.resolve(msg.output);
    } else {
      this.#stats.failedTasks++;
      task.reject(new ScoringError('task-failed', msg.message));
    }
    if (this.#closing && !this.#pending()) {
      this.#pump();
    }
  }

  /** A worker with nothing in flight does not keep the process alive. */
  #unrefWhenIdle(slot: Slot): void {
    if (slot.batch === undefined && slot.tasks.size === 0) {
      slot.worker?.unref();
    }
  }

  #onDeath(slot: Slot, worker: Worker, err: Error): void {
    if (slot.worker !== worker) {
      return; // already handled (error is followed by exit)
    }
    slot.worker = undefined;
    slot.state = 'dead';
    if (this.#closing) {
      return;
    }
    this.#stats.workerCrashes++;
    this.#failInFlight(
      slot,
      new ScoringError(
        'worker-crashed',
        `worker ${slot.index} died (${err.message}); it is being restarted`,
        {
          cause: err,
        },
      ),
    );
    this.#scheduleRestart(slot);
    this.#pump();
  }

  /** Restarts a dead worker, at once after its first crash, then with growing delays while it keeps dying. */
  #scheduleRestart(slot: Slot): void {
    const delay = Math.min(
      RESTART_MAX_MS,
      slot.crashStreak === 0 ? 0 : RESTART_BASE_MS * 2 ** slot.crashStreak,
    );
    slot.crashStreak++;
    setTimeout(() => {
      if (this.#closing) {
        return;
      }
      this.#startSlot(slot.index).catch(() => {
        // A worker that started and failed to load is handled by its exit event; one that could not
        // even be started has no events, so try again later.
        if (slot.worker === undefined && !this.#closing) {
          this.#scheduleRestart(slot);
        }
      });
    }, delay).unref();
  }

  #failInFlight(slot: Slot, err: Error): void {
    if (slot.batch !== undefined) {
      const { batch } = slot.batch;
      slot.batch = undefined;
      this.#failBatch(batch, err);
    }
    for (const task of slot.tasks.values()) {
      this.#stats.failedTasks++;
      task.reject(err);
    }
    slot.tasks.clear();
  }

  #failBatch(batch: Batch, err: Error): void {
    this.#stats.failedBatches++;
    for (const s of batch.slices) {
      fail(s.request, err);
    }
  }
}
