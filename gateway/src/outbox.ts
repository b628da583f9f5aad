import { CityLedgerError, type ErrorCode } from '@cityledger/core';
import type { Clock } from './clock';
import type { Db } from './db';
import { canTransition, OUTBOX_STATES, type OutboxKind, type OutboxState } from './outbox-state';

/** A record to put in the outbox. */
export interface NewOutboxRow {
  /** Content-derived id (core's recordId / batchId): accepting the same record twice is a no-op. */
  readonly id: string;
  readonly kind: OutboxKind;
  /** The chaincode argument: canonical JSON of the signed record or batch. */
  readonly payload: string;
  /** Rows of one lane are submitted strictly one after another, in `laneSeq` order. */
  readonly lane?: string;
  readonly laneSeq?: number;
  /**
   * Data for the chaincode's transient map (personal data), kept beside the row, never in `payload`,
   * and deleted when the row commits.
   */
  readonly transient?: string;
  /** Claimed before every non-urgent due row (malicious flow alerts). */
  readonly urgent?: boolean;
}

/** `priority` column values: lower is claimed first. */
const PRIORITY = { urgent: 0, normal: 1 } as const;

export interface OutboxRow {
  readonly id: string;
  readonly kind: OutboxKind;
  readonly payload: string;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly acceptedAt: number;
  readonly dueAt: number;
  readonly updatedAt: number;
  readonly urgent: boolean;
  readonly txId: string | null;
  readonly block: number | null;
  readonly duplicate: boolean | null;
  readonly errorCode: string | null;
  readonly errorDetail: string | null;
}

export interface CommitInfo {
  /** Null when the chain reported the record as already stored without naming the transaction. */
  readonly txId: string | null;
  readonly block: bigint | number | null;
  /** The chain already held this record (an earlier attempt committed it). */
  readonly duplicate: boolean;
}

interface RawRow {
  id: string;
  kind: OutboxKind;
  payload: string;
  state: OutboxState;
  attempts: number;
  accepted_at: number;
  due_at: number;
  updated_at: number;
  priority: number;
  tx_id: string | null;
  block: number | null;
  duplicate: number | null;
  error_code: string | null;
  error_detail: string | null;
}

function toRow(r: RawRow): OutboxRow {
  return {
    id: r.id,
    kind: r.kind,
    payload: r.payload,
    state: r.state,
    attempts: r.attempts,
    acceptedAt: r.accepted_at,
    dueAt: r.due_at,
    updatedAt: r.updated_at,
    urgent: r.priority === PRIORITY.urgent,
    txId: r.tx_id,
    block: r.block,
    duplicate: r.duplicate === null ? null : r.duplicate === 1,
    errorCode: r.error_code,
    errorDetail: r.error_detail,
  };
}

const MAX_DETAIL = 1_000;

/**
 * Lanes of one exchange record and what depends on it (its personal data: `record:<id>`). A row of
 * such a lane waits while an earlier row is rejected: personal data is sent only for a record the
 * chain stored, and an operator's requeue of the record releases it.
 */
export const RECORD_LANE_PREFIX = 'record:';

/**
 * The durable outbox: every accepted record stays here until its transaction is committed (or
 * permanently rejected). All state changes go through the transitions of `outbox-state.ts`; an
 * illegal one throws INTERNAL. Row counts per state are kept in memory for backpressure checks.
 */
export class Outbox {
  readonly #db: Db;
  readonly #clock: Clock;
  readonly #counts: Record<OutboxState, number> = { pending: 0, submitting: 0, committed: 0, rejected: 0 };
  readonly #insert;
  readonly #get;
  readonly #putTransient;
  readonly #dropTransient;

  constructor(db: Db, clock: Clock) {
    this.#db = db;
    this.#clock = clock;
    this.#insert = db.prepare(
      `INSERT INTO outbox (id, kind, payload, state, lane, lane_seq, accepted_at, due_at, updated_at, priority)
       VALUES (@id, @kind, @payload, 'pending', @lane, @laneSeq, @now, @now, @now, @priority)
       ON CONFLICT (id) DO NOTHING`,
    );
    this.#get = db.prepare<[string], RawRow>('SELECT * FROM outbox WHERE id = ?');
    this.#putTransient = db.prepare(
      'INSERT INTO outbox_transient (id, data) VALUES (?, ?) ON CONFLICT (id) DO NOTHING',
    );
    this.#dropTransient = db.prepare('DELETE FROM outbox_transient WHERE id = ?');
    this.#recount();
  }

  #recount(): void {
    for (const state of OUTBOX_STATES) {
      this.#counts[state] = 0;
    }
    const rows = this.#db.prepare<[], { state: OutboxState; n: number }>(
      'SELECT state, COUNT(*) AS n FROM outbox GROUP BY state',
    );
    for (const { state, n } of rows.all()) {
      this.#counts[state] = n;
    }
  }

  /**
   * Moves every row left `submitting` by a previous process back to `pending`. Call once at start,
   * before the submitter runs. Returns how many rows it recovered.
   */
  recover(): number {
    const now = this.#clock.now();
    const changes = this.#db
      .prepare(`UPDATE outbox SET state = 'pending', due_at = ?, updated_at = ? WHERE state = 'submitting'`)
      .run(now, now).changes;
    this.#recount();
    return changes;
  }

  /**
   * Inserts rows in one transaction, within the caller's transaction if there is one. Returns, per
   * row, true when it is new and false when the id was already there (same content: a no-op).
   */
  accept(rows: readonly NewOutboxRow[]): boolean[] {
    const now = this.#clock.now();
    const run = (): boolean[] =>
      rows.map((row) => {
        const { id, kind, payload } = row;
        const params = {
          id,
          kind,
          payload,
          lane: row.lane ?? null,
          laneSeq: row.laneSeq ?? null,
          now,
          priority: row.urgent === true ? PRIORITY.urgent : PRIORITY.normal,
        };
        const added = this.#insert.run(params).changes === 1;
        if (added && row.transient !== undefined) {
          this.#putTransient.run(id, row.transient);
        }
        return added;
      });
    const added = this.#db.inTransaction ? run() : this.#db.transaction(run)();
    this.#counts.pending += added.filter(Boolean).length;
    return added;
  }

  /**
   * Claims up to `limit` due pending rows of the given kinds for submission (pending → submitting):
   * urgent rows first, then oldest due first. In a lane, only the earliest unsettled row can be
   * claimed.
   */
  claim(limit: number, kinds: readonly OutboxKind[]): OutboxRow[] {
    if (limit <= 0 || kinds.length === 0) {
      return [];
    }
    const now = this.#clock.now();
    const placeholders = kinds.map(() => '?').join(', ');
    const rows = this.#db
      .prepare<unknown[], RawRow>(
        `UPDATE outbox SET state = 'submitting', attempts = attempts + 1, updated_at = ?
         WHERE id IN (
           SELECT id FROM outbox AS o
           WHERE o.state = 'pending' AND o.due_at <= ? AND o.kind IN (${placeholders})
             AND (o.lane IS NULL OR o.lane_seq = (
               SELECT MIN(l.lane_seq) FROM outbox AS l
               WHERE l.lane = o.lane AND l.state IN ('pending', 'submitting')))
             AND (o.lane IS NULL OR o.lane NOT LIKE '${RECORD_LANE_PREFIX}%' OR NOT EXISTS (
               SELECT 1 FROM outbox AS r
               WHERE r.lane = o.lane AND r.state = 'rejected' AND r.lane_seq < o.lane_seq))
           ORDER BY o.priority, o.due_at LIMIT ?)
         RETURNING *`,
      )
      .all(now, now, ...kinds, limit)
      .map(toRow)
      .sort((a, b) => Number(b.urgent) - Number(a.urgent) || a.dueAt - b.dueAt);
    this.#counts.pending -= rows.length;
    this.#counts.submitting += rows.length;
    return rows;
  }

  #transition(
    id: string,
    from: OutboxState,
    to: OutboxState,
    set: string,
    params: Record<string, unknown>,
  ): void {
    if (!canTransition(from, to)) {
      throw new CityLedgerError('INTERNAL', `outbox: ${from} → ${to} is not a transition`);
    }
    const changes = this.#db
      .prepare(`UPDATE outbox SET state = @to, updated_at = @now${set} WHERE id = @id AND state = @from`)
      .run({ ...params, id, from, to, now: this.#clock.now() }).changes;
    if (changes !== 1) {
      const state = this.get(id)?.state ?? 'absent';
      throw new CityLedgerError('INTERNAL', `outbox: row ${id} is ${state}, cannot go ${from} → ${to}`);
    }
    this.#counts[from] -= 1;
    this.#counts[to] += 1;
  }

  /** Commits the row and deletes its transient data in one transaction. */
  markCommitted(id: string, info: CommitInfo): void {
    this.#db.transaction(() => {
      this.#transition(id, 'submitting', 'committed', ', tx_id = @txId, block = @block, duplicate = @dup', {
        txId: info.txId,
        block: info.block === null ? null : Number(info.block),
        dup: info.duplicate ? 1 : 0,
      });
      this.#dropTransient.run(id);
    })();
  }

  /** The transient data of a row (personal data), or undefined (none, or deleted at commit). */
  transientOf(id: string): string | undefined {
    return this.#db
      .prepare<[string], { data: string }>('SELECT data FROM outbox_transient WHERE id = ?')
      .get(id)?.data;
  }

  /**
   * The operator's way out of `rejected` (outside the submitter's state machine): the given rejected
   * rows, or all rejected rows with `code` when no ids are given, go back to `pending`, due now, with
   * their attempts and error kept for the record. Returns the ids requeued.
   */
  requeueRejected(ids: readonly string[], code?: string): string[] {
    const now = this.#clock.now();
    const requeued = this.#db.transaction((): string[] => {
      const rows =
        ids.length > 0
          ? ids.filter((id) => this.get(id)?.state === 'rejected')
          : this.#db
              .prepare<unknown[], { id: string }>(
                `SELECT id FROM outbox WHERE state = 'rejected'${code === undefined ? '' : ' AND error_code = ?'}`,
              )
              .all(...(code === undefined ? [] : [code]))
              .map((r) => r.id);
      const update = this.#db.prepare(
        `UPDATE outbox SET state = 'pending', due_at = ?, updated_at = ? WHERE id = ? AND state = 'rejected'`,
      );
      return rows.filter((id) => update.run(now, now, id).changes === 1);
    })();
    this.#counts.rejected -= requeued.length;
    this.#counts.pending += requeued.length;
    return requeued;
  }

  /** Back to pending after a transient error, due again at `dueAt` (ms). */
  markRetry(id: string, code: ErrorCode, detail: string, dueAt: number): void {
    this.#transition(
      id,
      'submitting',
      'pending',
      ', due_at = @dueAt, error_code = @code, error_detail = @detail',
      {
        dueAt,
        code,
        detail: detail.slice(0, MAX_DETAIL),
      },
    );
  }

  /** Settles a row that will never be stored as such; `tx` when a committed transaction said so. */
  markRejected(
    id: string,
    code: ErrorCode,
    detail: string,
    tx?: { txId: string; block: bigint | number },
  ): void {
    this.#transition(
      id,
      'submitting',
      'rejected',
      ', error_code = @code, error_detail = @detail, tx_id = @txId, block = @block',
      {
        code,
        detail: detail.slice(0, MAX_DETAIL),
        txId: tx?.txId ?? null,
        block: tx === undefined ? null : Number(tx.block),
      },
    );
  }

  get(id: string): OutboxRow | undefined {
    const raw = this.#get.get(id);
    return raw === undefined ? undefined : toRow(raw);
  }

  /** Row counts per state (kept in memory, exact for this process's writes). */
  counts(): Readonly<Record<OutboxState, number>> {
    return { ...this.#counts };
  }

  /** Rows not yet settled: what backpressure is measured on. */
  unsettled(): number {
    return this.#counts.pending + this.#counts.submitting;
  }

  /** Unsettled rows of the given kinds, read from the database. */
  unsettledOf(kinds: readonly OutboxKind[]): number {
    if (kinds.length === 0) {
      return 0;
    }
    const row = this.#db
      .prepare<
        unknown[],
        { n: number }
      >(`SELECT COUNT(*) AS n FROM outbox WHERE state IN ('pending', 'submitting') AND kind IN (${kinds.map(() => '?').join(', ')})`)
      .get(...kinds);
    return row?.n ?? 0;
  }

  /** Earliest `due_at` of a pending row of the given kinds, or undefined. */
  nextDueAt(kinds: readonly OutboxKind[]): number | undefined {
    if (kinds.length === 0) {
      return undefined;
    }
    const row = this.#db
      .prepare<
        unknown[],
        { due: number | null }
      >(`SELECT MIN(due_at) AS due FROM outbox WHERE state = 'pending' AND kind IN (${kinds.map(() => '?').join(', ')})`)
      .get(...kinds);
    return row?.due ?? undefined;
  }

  /** The most recently committed rows, newest first. */
  recentCommits(limit: number): OutboxRow[] {
    return this.#db
      .prepare<
        [number],
        RawRow
      >(`SELECT * FROM outbox WHERE state = 'committed' ORDER BY updated_at DESC LIMIT ?`)
      .all(limit)
      .map(toRow);
  }

  /** Counts per kind and state, read from the database (for `status`). */
  summary(): { kind: OutboxKind; state: OutboxState; n: number }[] {
    return this.#db
      .prepare<
        [],
        { kind: OutboxKind; state: OutboxState; n: number }
      >('SELECT kind, state, COUNT(*) AS n FROM outbox GROUP BY kind, state ORDER BY kind, state')
      .all();
  }
}
