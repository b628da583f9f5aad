import { BenignLog } from './benign-log';
import type { Clock } from './clock';
import { type CollectorSocketStatus, readCollectorSocket } from './collector-socket';
import type { Db } from './db';
import { Outbox } from './outbox';
import type { OutboxKind, OutboxState } from './outbox-state';

export interface GatewayStatus {
  readonly outbox: readonly { kind: OutboxKind; state: OutboxState; n: number }[];
  readonly unbatched: number;
  readonly lastCommits: readonly {
    id: string;
    kind: OutboxKind;
    txId: string | null;
    block: number | null;
    at: string;
  }[];
  readonly batches: readonly {
    seq: number;
    id: string;
    count: number;
    root: string;
    cutAt: string;
    state: string | null;
  }[];
  readonly rejected: readonly { code: string; n: number }[];
  /** The flow collector socket of the last start (null: never started one). */
  readonly collector: CollectorSocketStatus | null;
}

/**
 * What `cityledger-gateway status` shows, read from the data folder's database (safe while the
 * gateway runs: SQLite WAL readers do not block the writer).
 */
export function readStatus(db: Db, clock: Clock, limit = 5): GatewayStatus {
  const outbox = new Outbox(db, clock);
  const log = new BenignLog({
    db,
    outbox,
    signer: { publicKeyPem: '', sign: () => Promise.reject(new Error('status does not sign')) },
    clock,
    gatewayId: 'status',
    policy: { maxRecords: 1, maxWaitMs: 1 },
  });
  const rejected = db
    .prepare<
      [],
      { code: string; n: number }
    >(`SELECT error_code AS code, COUNT(*) AS n FROM outbox WHERE state = 'rejected' GROUP BY error_code ORDER BY n DESC`)
    .all();
  return {
    outbox: outbox.summary(),
    unbatched: log.unbatched,
    lastCommits: outbox.recentCommits(limit).map((r) => ({
      id: r.id,
      kind: r.kind,
      txId: r.txId,
      block: r.block,
      at: new Date(r.updatedAt).toISOString(),
    })),
    batches: log.recentBatches(limit).map((b) => ({
      ...b,
      cutAt: new Date(b.cutAt).toISOString(),
      state: outbox.get(b.id)?.state ?? null,
    })),
    rejected,
    collector: readCollectorSocket(db) ?? null,
  };
}
