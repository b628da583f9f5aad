import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { CityLedgerError } from '@cityledger/core';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * The gateway's embedded database (outbox, benign log, batches) in one SQLite file, so that cutting
 * a batch and queueing its anchor is one transaction.
 *
 * Durability: WAL with `synchronous = FULL`. In WAL mode NORMAL already survives a process crash
 * (SIGKILL) but may lose the last transactions on power loss or an OS crash, because it syncs the
 * WAL only at checkpoints. The gateway acknowledges a record only after its transaction commits, and
 * edge hardware does lose power, so every commit is synced; writes are grouped (a micro-batch of
 * flows, a batch cut) to amortise the fsync.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE outbox (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL CHECK (kind IN ('exchange', 'flow-alert', 'batch')),
     payload TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'submitting', 'committed', 'rejected')),
     lane TEXT,
     lane_seq INTEGER,
     attempts INTEGER NOT NULL DEFAULT 0,
     accepted_at INTEGER NOT NULL,
     due_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     tx_id TEXT,
     block INTEGER,
     duplicate INTEGER,
     error_code TEXT,
     error_detail TEXT
   );
   CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'pending';
   CREATE INDEX outbox_state ON outbox (state);
   CREATE INDEX outbox_lane ON outbox (lane, lane_seq) WHERE lane IS NOT NULL;
   CREATE INDEX outbox_committed ON outbox (updated_at) WHERE state = 'committed';
   CREATE TABLE batches (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     root TEXT NOT NULL,
     prev_root TEXT NOT NULL,
     count INTEGER NOT NULL,
     anchor TEXT NOT NULL,
     cut_at INTEGER NOT NULL
   );
   CREATE TABLE flow_log (
     seq INTEGER PRIMARY KEY,
     id TEXT NOT NULL UNIQUE,
     content TEXT NOT NULL,
     logged_at INTEGER NOT NULL,
     batch_seq INTEGER REFERENCES batches (seq),
     leaf_index INTEGER
   );
   CREATE INDEX flow_log_unbatched ON flow_log (seq) WHERE batch_seq IS NULL;
   CREATE INDEX flow_log_batch ON flow_log (batch_seq, leaf_index) WHERE batch_seq IS NOT NULL;`,
  // Flow alerts carry only a keyed reference of their flow; the gateway keeps the salt and the mapping.
  `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
   CREATE TABLE flow_refs (
     alert_id TEXT PRIMARY KEY,
     flow_ref TEXT NOT NULL,
     tuple TEXT NOT NULL
   );
   CREATE INDEX flow_refs_ref ON flow_refs (flow_ref);`,
  // Personal data of exchanges: its own outbox kind, and the data beside the row (never in `payload`,
  // which GET /records shows) until the row commits. SQLite cannot alter a CHECK: the table is rebuilt.
  `CREATE TABLE outbox_v3 (
     id TEXT PRIMARY KEY,
     kind TEXT NOT NULL CHECK (kind IN ('exchange', 'flow-alert', 'batch', 'personal-data')),
     payload TEXT NOT NULL,
     state TEXT NOT NULL CHECK (state IN ('pending', 'submitting', 'committed', 'rejected')),
     lane TEXT,
     lane_seq INTEGER,
     attempts INTEGER NOT NULL DEFAULT 0,
     accepted_at INTEGER NOT NULL,
     due_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     tx_id TEXT,
     block INTEGER,
     duplicate INTEGER,
     error_code TEXT,
     error_detail TEXT
   );
   INSERT INTO outbox_v3 SELECT id, kind, payload, state, lane, lane_seq, attempts, accepted_at, due_at,
     updated_at, tx_id, block, duplicate, error_code, error_detail FROM outbox;
   DROP TABLE outbox;
   ALTER TABLE outbox_v3 RENAME TO outbox;
   CREATE INDEX outbox_due ON outbox (due_at) WHERE state = 'pending';
   CREATE INDEX outbox_state ON outbox (state);
   CREATE INDEX outbox_lane ON outbox (lane, lane_seq) WHERE lane IS NOT NULL;
   CREATE INDEX outbox_committed ON outbox (updated_at) WHERE state = 'committed';
   CREATE TABLE outbox_transient (
     id TEXT PRIMARY KEY,
     data TEXT NOT NULL
   );`,
  // Urgent rows (malicious flow alerts) are claimed before the others, so a flood of suspicious alerts
  // or batches cannot hold back the alerts that matter most. Existing rows are normal (1).
  `ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
   CREATE INDEX outbox_priority_due ON outbox (priority, due_at) WHERE state = 'pending';`,
];

/** Opens (creating if needed) `<dataDir>/outbox.db` with the gateway's pragmas and schema. */
export function openDatabase(dataDir: string): Db {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  return openDatabaseFile(path.join(dataDir, 'outbox.db'));
}

export function openDatabaseFile(file: string): Db {
  const db = new Database(file);
  if (file !== ':memory:') {
    chmodSync(file, 0o600);
  }
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** The schema version this code writes (SQLite `user_version`). */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the schema to `target` (default: this code's version) in one transaction. A database written
 * by a newer gateway is refused rather than relabelled: an older binary would otherwise set its own,
 * lower version and the newer one would later replay migrations over tables that already exist.
 * `target` below the current version is only for tests that build an old database.
 */
export function migrate(db: Db, target: number = SCHEMA_VERSION): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new CityLedgerError(
      'INTERNAL',
      `outbox database schema ${version} is newer than this gateway's ${SCHEMA_VERSION}: run the newer gateway, or restore a backup`,
    );
  }
  if (version >= target) {
    return;
  }
  db.transaction(() => {
    MIGRATIONS.slice(version, target).forEach((sql) => db.exec(sql));
    db.pragma(`user_version = ${target}`);
  })();
}
