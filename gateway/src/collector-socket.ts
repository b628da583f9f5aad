import type { Db } from './db';
import { kernelDrops } from './flow/udp-socket-info';

const KEY = 'collector.socket';

/** The collector socket of the last start, as `status` shows it. */
export interface CollectorSocketRecord {
  readonly address: string;
  readonly port: number;
  /** SO_RCVBUF asked for and as the kernel reported it, bytes; clamped = cut by net.core.rmem_max. */
  readonly requested: number;
  readonly effective: number;
  readonly clamped: boolean;
}

export interface CollectorSocketStatus extends CollectorSocketRecord {
  /** Datagrams the kernel dropped on that socket (buffer full); null when it is not open now. */
  readonly kernelDrops: number | null;
}

/** Kept in the database at start, so `status` (another process) can show it. */
export function saveCollectorSocket(db: Db, record: CollectorSocketRecord): void {
  const { address, port, requested, effective, clamped } = record;
  db.prepare(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(KEY, JSON.stringify({ address, port, requested, effective, clamped }));
}

/** The last start's collector socket, with the kernel's drop count read now; undefined if none. */
export function readCollectorSocket(db: Db, procText?: string): CollectorSocketStatus | undefined {
  const row = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(KEY);
  if (row === undefined) {
    return undefined;
  }
  const record = JSON.parse(row.value) as CollectorSocketRecord;
  const family = record.address.includes(':') ? 'IPv6' : 'IPv4';
  return { ...record, kernelDrops: kernelDrops(record.address, record.port, family, procText) ?? null };
}
