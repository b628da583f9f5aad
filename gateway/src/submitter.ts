import { CityLedgerError, type ErrorCode } from '@cityledger/core';
import { type BackoffPolicy, backoffDelay } from './backoff';
import { TRANSIENT_PERSONAL_DATA } from '@cityledger/core';
import { interpretAlertResults, interpretResult } from './chaincode-api';
import type { Clock, Random } from './clock';
import type { LedgerPort, SubmitOptions } from './ledger-port';
import type { Logger } from './logger';
import type { GatewayMetrics } from './metrics';
import type { Outbox, OutboxRow } from './outbox';
import { OUTBOX_KINDS, type OutboxKind } from './outbox-state';
import { recordLagWindowEnd } from './record-lag';

export interface SubmitterOptions {
  readonly outbox: Outbox;
  readonly ledger: LedgerPort;
  readonly clock: Clock;
  readonly random: Random;
  readonly metrics: GatewayMetrics;
  readonly logger: Logger;
  readonly concurrency: number;
  readonly pollMs: number;
  readonly backoff: BackoffPolicy;
  /** Chaincode function per outbox kind; kinds without one are kept in the outbox, not submitted. */
  readonly functions: Readonly<Partial<Record<OutboxKind, string>>>;
  /**
   * MSP id of the gateway's org: personal data is endorsed by its peers only, so the transient data
   * goes to no other org. Without it the Fabric gateway picks the endorsers.
   */
  readonly ownMspId?: string;
  /**
   * How long after its record committed a personal-data row retries NOT_FOUND (an endorsing peer that
   * has not committed the record's block yet), ms; then the row is rejected. Default 0: no waiting.
   */
  readonly personalDataLagMs?: number;
  /**
   * Flow alerts several to a transaction: the chaincode function that takes a JSON array of them
   * (`exchange:recordFlowAlerts`), the most per transaction, and the argument's byte budget. Without
   * it each flow alert goes alone to `functions['flow-alert']`.
   */
  readonly flowAlertBatch?: {
    readonly function: string;
    readonly maxAlerts: number;
    readonly maxBytes: number;
  };
}

function asLedgerError(err: unknown): CityLedgerError {
  if (err instanceof CityLedgerError) {
    return err;
  }
  return new CityLedgerError('INTERNAL', err instanceof Error ? err.message : String(err), { cause: err });
}

/** Codes that count as "the chain already has it": resubmission after a lost answer. */
const ALREADY_STORED: ReadonlySet<ErrorCode> = new Set(['ALREADY_EXISTS']);

/**
 * Drains the outbox into the ledger with bounded concurrency. Each row is submitted and its commit
 * checked (by the LedgerPort); transient failures (the catalogue's `transient` codes: UNAVAILABLE,
 * DEADLINE_EXCEEDED, MVCC_CONFLICT) go back to pending with exponential backoff and jitter; any other
 * code settles the row as rejected with that code. A duplicate (the chain already held the record)
 * settles it as committed.
 */
export class Submitter {
  readonly #o: SubmitterOptions;
  readonly #kinds: readonly OutboxKind[];
  readonly #inFlight = new Set<Promise<void>>();
  #running = false;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: SubmitterOptions) {
    this.#o = options;
    this.#kinds = OUTBOX_KINDS.filter((k) => options.functions[k] !== undefined);
  }

  /** Kinds this submitter drains. */
  get kinds(): readonly OutboxKind[] {
    return this.#kinds;
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /**
   * Claims due rows up to the concurrency limit and starts submitting them. When alerts go several to
   * a transaction, the flow alerts claimed (topped up with the next due ones) go in groups of at most
   * `maxAlerts`, in claim order (urgent first). Returns how many rows were claimed.
   */
  fill(): number {
    const rows = this.#o.outbox.claim(this.#o.concurrency - this.#inFlight.size, this.#kinds);
    const batch = this.#o.flowAlertBatch;
    if (batch === undefined || batch.maxAlerts <= 1) {
      for (const row of rows) {
        this.#start(this.#submit(row));
      }
      return rows.length;
    }
    const alerts = rows.filter((r) => r.kind === 'flow-alert');
    for (const row of rows) {
      if (row.kind !== 'flow-alert') {
        this.#start(this.#submit(row));
      }
    }
    const topUp =
      alerts.length > 0 && alerts.length < batch.maxAlerts
        ? this.#o.outbox.claim(batch.maxAlerts - alerts.length, ['flow-alert'])
        : [];
    alerts.push(...topUp);
    for (let i = 0; i < alerts.length; i += batch.maxAlerts) {
      for (const group of byteGroups(alerts.slice(i, i + batch.maxAlerts), batch.maxBytes)) {
        this.#start(
          group.length === 1
            ? this.#submit(group[0] as OutboxRow)
            : this.#submitAlerts(batch.function, group),
        );
      }
    }
    return rows.length + topUp.length;
  }

  #start(submission: Promise<void>): void {
    const task = submission.finally(() => {
      this.#inFlight.delete(task);
      if (this.#running) {
        this.fill();
      }
    });
    this.#inFlight.add(task);
  }

  /** Submits until nothing is due and nothing is in flight (tests and replay use it). */
  async pump(): Promise<void> {
    this.fill();
    while (this.#inFlight.size > 0) {
      await Promise.race(this.#inFlight);
      this.fill();
    }
  }

  start(): void {
    this.#running = true;
    this.#tick();
  }

  /** Producers call this after accepting rows, so they go out without waiting for the poll. */
  notify(): void {
    if (this.#running && this.#inFlight.size < this.#o.concurrency) {
      this.fill();
    }
  }

  #tick(): void {
    this.#timer = undefined;
    if (!this.#running) {
      return;
    }
    this.fill();
    const next = this.#o.outbox.nextDueAt(this.#kinds);
    const wait = next === undefined ? this.#o.pollMs : next - this.#o.clock.now();
    this.#timer = setTimeout(
      () => {
        this.#tick();
      },
      Math.min(this.#o.pollMs, Math.max(wait, 5)),
    );
    this.#timer.unref();
  }

  /**
   * Stops claiming rows and waits up to `waitMs` for submissions in flight. Rows still submitting
   * after that are recovered to pending at the next start.
   */
  async stop(waitMs = Number.POSITIVE_INFINITY): Promise<void> {
    this.#running = false;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#inFlight.size === 0) {
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      if (Number.isFinite(waitMs)) {
        timer = setTimeout(resolve, waitMs);
      }
    });
    await Promise.race([Promise.allSettled([...this.#inFlight]), timeout]);
    clearTimeout(timer);
  }

  async #submit(row: OutboxRow): Promise<void> {
    const { ledger, metrics, logger } = this.#o;
    const fn = this.#o.functions[row.kind] as string;
    let options: SubmitOptions | undefined;
    try {
      options = this.#options(row);
    } catch (err) {
      const local = asLedgerError(err);
      metrics.errors.inc({ stage: 'submit', code: local.code });
      this.#reject(row, local);
      return;
    }
    try {
      const committed = await ledger.submit(fn, [row.payload], options);
      const outcome = interpretResult(row.kind, committed.result);
      const tx = { txId: committed.transactionId, block: committed.blockNumber };
      if (outcome.stored) {
        this.#committed(row, tx, outcome.duplicate);
        return;
      }
      this.#refusedIn(tx, row, outcome.code, `the chain stored a ${outcome.code} incident instead`);
      logger.warn(
        { recordId: row.id, kind: row.kind, txId: tx.txId, code: outcome.code },
        'record settled by an incident',
      );
    } catch (err) {
      this.#failed(row, asLedgerError(err));
    }
  }

  /**
   * Several flow alerts in one transaction; each row is settled by its own result (stored, or refused
   * with its code), a failure of the whole call as if each row had failed alone.
   */
  async #submitAlerts(fn: string, rows: readonly OutboxRow[]): Promise<void> {
    const { ledger, metrics, logger } = this.#o;
    let committed;
    try {
      committed = await ledger.submit(fn, [`[${rows.map((r) => r.payload).join(',')}]`]);
    } catch (err) {
      const failure = asLedgerError(err);
      for (const row of rows) {
        this.#failed(row, failure);
      }
      return;
    }
    const tx = { txId: committed.transactionId, block: committed.blockNumber };
    const results = interpretAlertResults(
      committed.result,
      rows.map((r) => r.id),
    );
    metrics.alertsPerTransaction.observe(rows.length);
    for (const [i, row] of rows.entries()) {
      const result = results[i];
      if (result === undefined) {
        // The transaction committed but its answer does not account for this row: submit it again
        // (the chaincode is idempotent, so a stored alert comes back as a duplicate).
        this.#retry(
          row,
          new CityLedgerError('INTERNAL', `no result for alert ${row.id} in ${tx.txId}`),
          Infinity,
        );
        continue;
      }
      if (result.stored) {
        this.#committed(row, tx, result.duplicate);
        continue;
      }
      const refusal = new CityLedgerError(result.code, result.detail, { transactionId: tx.txId });
      if (refusal.transient) {
        this.#failed(row, refusal);
        continue;
      }
      this.#refusedIn(tx, row, refusal.code, refusal.detail);
      logger.error(
        { recordId: row.id, kind: row.kind, code: refusal.code, detail: refusal.detail, txId: tx.txId },
        'flow alert refused by the ledger',
      );
    }
  }

  /** The chain holds the row's record, stored by transaction `tx` or (duplicate) before it. */
  #committed(row: OutboxRow, tx: { txId: string; block: bigint }, duplicate: boolean): void {
    const { outbox, metrics, clock } = this.#o;
    outbox.markCommitted(row.id, { ...tx, duplicate });
    metrics.recordsCommitted.inc({ kind: row.kind, duplicate: String(duplicate) });
    metrics.commitLatency.observe({ kind: row.kind }, (clock.now() - row.acceptedAt) / 1000);
  }

  /** A committed transaction answered for the row with something other than storing it: settled. */
  #refusedIn(tx: { txId: string; block: bigint }, row: OutboxRow, code: ErrorCode, detail: string): void {
    const { outbox, metrics } = this.#o;
    outbox.markRejected(row.id, code, detail, tx);
    metrics.recordsRejected.inc({ kind: row.kind, code });
    metrics.errors.inc({ stage: 'commit', code });
  }

  /** Personal data rows: the data from beside the row, as transient data, endorsed by the own org. */
  #options(row: OutboxRow): SubmitOptions | undefined {
    if (row.kind !== 'personal-data') {
      return undefined;
    }
    const data = this.#o.outbox.transientOf(row.id);
    if (data === undefined) {
      throw new CityLedgerError('NOT_FOUND', `personal data of ${row.payload} is no longer held`);
    }
    return {
      transient: { [TRANSIENT_PERSONAL_DATA]: data },
      ...(this.#o.ownMspId === undefined ? {} : { endorsingOrganizations: [this.#o.ownMspId] }),
    };
  }

  #failed(row: OutboxRow, err: CityLedgerError): void {
    const { outbox, metrics, clock } = this.#o;
    metrics.errors.inc({ stage: 'submit', code: err.code });
    if (ALREADY_STORED.has(err.code)) {
      outbox.markCommitted(row.id, { txId: null, block: null, duplicate: true });
      metrics.recordsCommitted.inc({ kind: row.kind, duplicate: 'true' });
      return;
    }
    if (err.transient) {
      this.#retry(row, err, Number.POSITIVE_INFINITY);
      return;
    }
    if (err.code === 'NOT_FOUND') {
      const windowEnd = recordLagWindowEnd(outbox, row, this.#o.personalDataLagMs ?? 0);
      if (windowEnd !== undefined && clock.now() < windowEnd) {
        this.#retry(row, err, windowEnd);
        return;
      }
      if (windowEnd !== undefined) {
        const seconds = (this.#o.personalDataLagMs ?? 0) / 1000;
        const detail = `record ${row.payload} committed, but the endorsing peers still answer NOT_FOUND ${seconds} s later (${err.detail}); requeue the row once they have caught up`;
        this.#reject(row, new CityLedgerError('NOT_FOUND', detail, { cause: err }));
        return;
      }
    }
    this.#reject(row, err);
  }

  /** Back to pending with backoff, due no later than `latest` (the end of a lag window). */
  #retry(row: OutboxRow, err: CityLedgerError, latest: number): void {
    const { outbox, metrics, logger, clock } = this.#o;
    const delay = backoffDelay(this.#o.backoff, row.attempts, this.#o.random);
    const dueAt = Math.min(clock.now() + delay, latest);
    outbox.markRetry(row.id, err.code, err.detail, dueAt);
    metrics.submitRetries.inc({ code: err.code });
    logger.debug(
      { recordId: row.id, code: err.code, attempt: row.attempts, delayMs: dueAt - clock.now() },
      'submit failed, will retry',
    );
  }

  #reject(row: OutboxRow, err: CityLedgerError): void {
    const { outbox, metrics, logger } = this.#o;
    outbox.markRejected(row.id, err.code, err.detail);
    metrics.recordsRejected.inc({ kind: row.kind, code: err.code });
    logger.error(
      { recordId: row.id, kind: row.kind, code: err.code, detail: err.detail, txId: err.transactionId },
      'record rejected by the ledger',
    );
  }
}

/**
 * Consecutive runs of rows whose payloads, as one JSON array, fit in `maxBytes` (a row too large for
 * any array still gets a group of its own: the chain then refuses it alone).
 */
export function byteGroups(rows: readonly OutboxRow[], maxBytes: number): OutboxRow[][] {
  const groups: OutboxRow[][] = [];
  let current: OutboxRow[] = [];
  let bytes = 2; // the brackets
  for (const row of rows) {
    const size = Buffer.byteLength(row.payload);
    // Within a group each payload after the first adds a comma.
    if (current.length > 0 && bytes + 1 + size > maxBytes) {
      groups.push(current);
      current = [];
      bytes = 2;
    }
    bytes += (current.length > 0 ? 1 : 0) + size;
    current.push(row);
  }
  if (current.length > 0) {
    groups.push(current);
  }
  return groups;
}
