import { randomBytes } from 'node:crypto';
import type { FlowTuple } from '@cityledger/core';
import type { Db } from './db';

export type { AlertModels } from './flow-alert-build';

const SALT_KEY = 'flow_ref_salt';

/**
 * This gateway's flow-reference salt (32 random bytes, hex): made once, kept in the database. An alert
 * is pseudonymous: instead of addresses and ports it carries `flowRef`, an HMAC of the flow's 5-tuple
 * and start under this salt.
 */
export function flowRefSalt(db: Db): string {
  const row = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(SALT_KEY);
  if (row !== undefined) {
    return row.value;
  }
  const salt = randomBytes(32).toString('hex');
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(SALT_KEY, salt);
  return salt;
}

/**
 * The flows behind this gateway's flow alerts: the gateway keeps the tuple of every alert it raised,
 * so it can show an auditor which flow an alert is about. (The alerts themselves are built by
 * flow-alert-build.ts, with `salt`.)
 */
export class FlowAlerts {
  readonly salt: string;
  readonly #remember;
  readonly #tuple;

  constructor(db: Db) {
    this.salt = flowRefSalt(db);
    this.#remember = db.prepare(
      'INSERT INTO flow_refs (alert_id, flow_ref, tuple) VALUES (?, ?, ?) ON CONFLICT (alert_id) DO NOTHING',
    );
    this.#tuple = db.prepare<[string], { tuple: string }>('SELECT tuple FROM flow_refs WHERE alert_id = ?');
  }

  /** Keeps the tuple (its JSON, BuiltAlert.tuple) of an alert (within the caller's transaction). */
  remember(alertId: string, flowRef: string, tupleJson: string): void {
    this.#remember.run(alertId, flowRef, tupleJson);
  }

  /** The flow an alert of this gateway is about, if it raised it. */
  tupleOf(alertId: string): FlowTuple | undefined {
    const row = this.#tuple.get(alertId);
    return row === undefined ? undefined : (JSON.parse(row.tuple) as FlowTuple);
  }
}
