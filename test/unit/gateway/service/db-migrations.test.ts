import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate, openDatabaseFile, SCHEMA_VERSION } from '../../../../gateway/src/db';
import { Outbox } from '../../../../gateway/src/outbox';
import { ManualClock, tempDir } from './helpers';

/** A database file left by an older gateway: the schema as it was at `version`, with some rows. */
const dirs: { remove(): void }[] = [];
afterAll(() => {
  dirs.forEach((d) => {
    d.remove();
  });
});

function oldDatabase(version: number): string {
  const dir = tempDir('outbox-old-');
  dirs.push(dir);
  const file = path.join(dir.dir, 'outbox.db');
  const db = new Database(file);
  migrate(db, version);
  const insert = db.prepare(
    `INSERT INTO outbox (id, kind, payload, state, lane, lane_seq, attempts, accepted_at, due_at,
       updated_at, tx_id, block, duplicate, error_code, error_detail)
     VALUES (?, ?, ?, ?, NULL, NULL, ?, 1000, 1000, 1000, ?, ?, ?, ?, ?)`,
  );
  insert.run('ex-pending', 'exchange', '{"n":1}', 'pending', 0, null, null, null, null, null);
  insert.run('ex-submitting', 'exchange', '{"n":2}', 'submitting', 1, null, null, null, null, null);
  insert.run('alert-done', 'flow-alert', '{"n":3}', 'committed', 1, 'tx-3', 7, 0, null, null);
  insert.run('ex-refused', 'exchange', '{"n":4}', 'rejected', 1, null, null, null, 'POLICY_DENIED', 'no');
  db.prepare(`INSERT INTO flow_log (id, content, logged_at) VALUES ('flow-1', '{"f":1}', 1000)`).run();
  db.close();
  return file;
}

const rows = (file: string): unknown[] => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT id, kind, state, attempts, tx_id, error_code FROM outbox ORDER BY id').all();
  } finally {
    db.close();
  }
};

describe('outbox database upgrades', () => {
  it.each([1, 2])('keeps every row of a schema %i database and its states', (version) => {
    const file = oldDatabase(version);
    const before = rows(file);
    expect(before).toHaveLength(4);
    const db = openDatabaseFile(file);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(rows(file)).toEqual(before);
      expect(db.prepare('SELECT id FROM flow_log').all()).toEqual([{ id: 'flow-1' }]);
      // What the newest schema added works on the upgraded file: personal-data rows beside the outbox.
      const outbox = new Outbox(db, new ManualClock());
      const personal = { id: 'pd-1', kind: 'personal-data', payload: 'ex-pending', transient: '{}' } as const;
      expect(outbox.accept([personal])).toEqual([true]);
      expect(outbox.counts().pending).toBe(2);
    } finally {
      db.close();
    }
  });

  it('opens an up-to-date database again without touching it', () => {
    const file = oldDatabase(SCHEMA_VERSION);
    openDatabaseFile(file).close();
    expect(rows(file)).toHaveLength(4);
  });

  it('refuses a database written by a newer gateway, and leaves its version alone', () => {
    const file = oldDatabase(SCHEMA_VERSION);
    const raw = new Database(file);
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    expect(() => openDatabaseFile(file)).toThrow(/schema \d+ is newer than this gateway's/);
    const after = new Database(file, { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 1);
    after.close();
  });
});
