import Database from 'better-sqlite3';
import { type PolicyEntry } from '@cityledger/core';

/** Where event processing stopped: the block and transaction of the last event handled. */
export interface StoredCheckpoint {
  readonly blockNumber: bigint;
  readonly transactionId: string;
}

/**
 * The cache's durable state in a SQLite file (WAL): the newest known version of each category's policy
 * and the event checkpoint. A policy update and the checkpoint of the event that caused it are written
 * in one transaction, so a restart never skips an event whose effect was not saved.
 */
export class PolicyStore {
  readonly #db: Database.Database;
  readonly #upsertPolicy: Database.Statement<[string, number, string]>;
  readonly #upsertCheckpoint: Database.Statement<[string, string]>;

  constructor(path: string) {
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = NORMAL');
    this.#db.exec(`
      CREATE TABLE IF NOT EXISTS policy_cache_entries (
        category TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        entry TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS policy_cache_checkpoint (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        block_number TEXT NOT NULL,
        transaction_id TEXT NOT NULL
      );
    `);
    this.#upsertPolicy = this.#db.prepare(
      `INSERT INTO policy_cache_entries (category, version, entry) VALUES (?, ?, ?)
       ON CONFLICT (category) DO UPDATE SET version = excluded.version, entry = excluded.entry
       WHERE excluded.version > policy_cache_entries.version`,
    );
    this.#upsertCheckpoint = this.#db.prepare(
      `INSERT INTO policy_cache_checkpoint (id, block_number, transaction_id) VALUES (1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET block_number = excluded.block_number, transaction_id = excluded.transaction_id`,
    );
  }

  policies(): PolicyEntry[] {
    const rows = this.#db.prepare('SELECT entry FROM policy_cache_entries ORDER BY category').all() as {
      entry: string;
    }[];
    return rows.map((r) => JSON.parse(r.entry) as PolicyEntry);
  }

  checkpoint(): StoredCheckpoint | undefined {
    const row = this.#db
      .prepare('SELECT block_number, transaction_id FROM policy_cache_checkpoint WHERE id = 1')
      .get() as { block_number: string; transaction_id: string } | undefined;
    return row === undefined
      ? undefined
      : { blockNumber: BigInt(row.block_number), transactionId: row.transaction_id };
  }

  /** Saves a policy (kept only if newer than the stored one) and, if given, the checkpoint, atomically. */
  save(entry: PolicyEntry | undefined, checkpoint: StoredCheckpoint | undefined): void {
    this.#db.transaction(() => {
      if (entry !== undefined) {
        this.#upsertPolicy.run(entry.category, entry.version, JSON.stringify(entry));
      }
      if (checkpoint !== undefined) {
        this.#upsertCheckpoint.run(checkpoint.blockNumber.toString(), checkpoint.transactionId);
      }
    })();
  }

  close(): void {
    this.#db.close();
  }
}
