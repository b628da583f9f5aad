import {
  type BatchAnchor,
  type BatchContent,
  type ExchangeContent,
  GENESIS_ROOT,
  type InclusionProof,
  MerkleTree,
  batchId,
  batchLeafData,
  buildBatch,
  canonicalJson,
} from '@cityledger/core';
import { type AttestationSigner, attest } from './attestation-signer';
import type { Clock } from './clock';
import type { Db } from './db';
import { type FlowRecordContent, flowLeafJson, flowRecordIdOfLeaf } from './flow-record';
import type { Outbox } from './outbox';

/** Outbox lane of batch anchors: each chains to the previous root, so they go out in order. */
export const BATCH_LANE = 'batches';

export interface BatchPolicy {
  /** Records per batch: a batch is cut as soon as this many are waiting. */
  readonly maxRecords: number;
  /** A batch is cut when its oldest record has waited this long, ms. */
  readonly maxWaitMs: number;
}

export interface CutBatch {
  readonly seq: number;
  readonly id: string;
  readonly anchor: BatchAnchor;
}

/** A logged record with what an auditor needs to check it against the chain. */
export interface RecordProof {
  readonly recordId: string;
  readonly record: FlowRecordContent;
  /** Null while the record waits for its batch. */
  readonly batch: {
    readonly id: string;
    readonly seq: number;
    readonly anchor: BatchAnchor;
    readonly proof: InclusionProof;
  } | null;
}

interface LogRow {
  seq: number;
  id: string;
  content: string;
  logged_at: number;
  batch_seq: number | null;
  leaf_index: number | null;
}

/**
 * core's batch functions are typed for exchange records, but read only `category`, `verdict` and
 * `observedAt` from each, and take the leaf as the canonical JSON without `signature`. Flow records
 * have those fields, so this is the one place that passes them through.
 */
function asBatchRecords(records: readonly FlowRecordContent[]): readonly ExchangeContent[] {
  return records as unknown as readonly ExchangeContent[];
}

const TREE_CACHE = 8;

/**
 * The local log of benign flow records, cut into RFC 6962 Merkle batches chained by root. Cutting a
 * batch, recording which leaf each record is, and queueing the signed anchor in the outbox is one
 * transaction, so a crash leaves either no batch or a complete one.
 */
export class BenignLog {
  readonly #db: Db;
  readonly #outbox: Outbox;
  readonly #signer: AttestationSigner;
  readonly #clock: Clock;
  readonly #gatewayId: string;
  readonly #policy: BatchPolicy;
  readonly #trees = new Map<number, MerkleTree>();
  readonly #append;
  #unbatched: number;
  #cutting = false;

  constructor(o: {
    db: Db;
    outbox: Outbox;
    signer: AttestationSigner;
    clock: Clock;
    gatewayId: string;
    policy: BatchPolicy;
  }) {
    this.#db = o.db;
    this.#outbox = o.outbox;
    this.#signer = o.signer;
    this.#clock = o.clock;
    this.#gatewayId = o.gatewayId;
    this.#policy = o.policy;
    this.#append = o.db.prepare(
      'INSERT INTO flow_log (id, content, logged_at) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
    );
    this.#unbatched = this.#countUnbatched();
  }

  #countUnbatched(): number {
    const row = this.#db
      .prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM flow_log WHERE batch_seq IS NULL')
      .get();
    return row?.n ?? 0;
  }

  /** Records waiting for a batch. */
  get unbatched(): number {
    return this.#unbatched;
  }

  /**
   * Appends records (within the caller's transaction if there is one). Returns their ids; a record
   * already in the log is not added again.
   */
  append(records: readonly FlowRecordContent[]): string[] {
    const now = this.#clock.now();
    const run = (): string[] =>
      records.map((record) => {
        const leaf = flowLeafJson(record);
        const id = flowRecordIdOfLeaf(leaf);
        this.#unbatched += this.#append.run(id, leaf, now).changes;
        return id;
      });
    return this.#db.inTransaction ? run() : this.#db.transaction(run)();
  }

  /** True when a batch is due: enough records, or the oldest has waited long enough. */
  due(): boolean {
    if (this.#unbatched === 0) {
      return false;
    }
    if (this.#unbatched >= this.#policy.maxRecords) {
      return true;
    }
    const oldest = this.#db
      .prepare<
        [],
        { logged_at: number }
      >('SELECT logged_at FROM flow_log WHERE batch_seq IS NULL ORDER BY seq LIMIT 1')
      .get();
    return oldest !== undefined && oldest.logged_at + this.#policy.maxWaitMs <= this.#clock.now();
  }

  /** Cuts every due batch. Returns the batches cut. */
  async cutDue(): Promise<CutBatch[]> {
    const cut: CutBatch[] = [];
    while (this.due()) {
      const batch = await this.cut();
      if (batch === undefined) {
        break;
      }
      cut.push(batch);
    }
    return cut;
  }

  /** Cuts one batch of the oldest unbatched records (up to maxRecords), whether due or not. */
  async cut(): Promise<CutBatch | undefined> {
    if (this.#cutting) {
      return undefined;
    }
    this.#cutting = true;
    try {
      return await this.#cut();
    } finally {
      this.#cutting = false;
    }
  }

  async #cut(): Promise<CutBatch | undefined> {
    const rows = this.#db
      .prepare<
        [number],
        Pick<LogRow, 'seq' | 'content'>
      >('SELECT seq, content FROM flow_log WHERE batch_seq IS NULL ORDER BY seq LIMIT ?')
      .all(this.#policy.maxRecords);
    if (rows.length === 0) {
      return undefined;
    }
    const last = this.lastBatch();
    const seq = (last?.seq ?? 0) + 1;
    const records = rows.map((r) => JSON.parse(r.content) as FlowRecordContent);
    const content: BatchContent = buildBatch(
      this.#gatewayId,
      last?.root ?? GENESIS_ROOT,
      asBatchRecords(records),
    );
    // Only this method writes batches and it is not re-entrant: the rows read above stay unbatched
    // (appends only add later rows) while the signature is made.
    const anchor: BatchAnchor = { ...content, signature: await attest(this.#signer, 'batch', content) };
    const id = batchId(anchor);
    const label = this.#db.prepare('UPDATE flow_log SET batch_seq = ?, leaf_index = ? WHERE seq = ?');
    this.#db.transaction(() => {
      this.#db
        .prepare(
          'INSERT INTO batches (seq, id, root, prev_root, count, anchor, cut_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(seq, id, anchor.root, anchor.prevRoot, anchor.count, canonicalJson(anchor), this.#clock.now());
      rows.forEach((row, leaf) => label.run(seq, leaf, row.seq));
      this.#outbox.accept([
        { id, kind: 'batch', payload: canonicalJson(anchor), lane: BATCH_LANE, laneSeq: seq },
      ]);
    })();
    this.#unbatched -= rows.length;
    return { seq, id, anchor };
  }

  lastBatch(): { seq: number; root: string } | undefined {
    return this.#db
      .prepare<[], { seq: number; root: string }>('SELECT seq, root FROM batches ORDER BY seq DESC LIMIT 1')
      .get();
  }

  #tree(seq: number): MerkleTree {
    let tree = this.#trees.get(seq);
    if (tree === undefined) {
      const leaves = this.#db
        .prepare<[number], { content: string }>(
          'SELECT content FROM flow_log WHERE batch_seq = ? ORDER BY leaf_index',
        )
        .all(seq)
        .map((r) => batchLeafData(JSON.parse(r.content) as ExchangeContent));
      tree = new MerkleTree(leaves);
      this.#trees.set(seq, tree);
      if (this.#trees.size > TREE_CACHE) {
        this.#trees.delete(this.#trees.keys().next().value as number);
      }
    }
    return tree;
  }

  /** A logged record with its batch and inclusion proof, or undefined for an unknown id. */
  proof(recordId: string): RecordProof | undefined {
    const row = this.#db.prepare<[string], LogRow>('SELECT * FROM flow_log WHERE id = ?').get(recordId);
    if (row === undefined) {
      return undefined;
    }
    const record = JSON.parse(row.content) as FlowRecordContent;
    if (row.batch_seq === null || row.leaf_index === null) {
      return { recordId, record, batch: null };
    }
    const batch = this.#db
      .prepare<[number], { id: string; anchor: string }>('SELECT id, anchor FROM batches WHERE seq = ?')
      .get(row.batch_seq);
    if (batch === undefined) {
      return { recordId, record, batch: null };
    }
    return {
      recordId,
      record,
      batch: {
        id: batch.id,
        seq: row.batch_seq,
        anchor: JSON.parse(batch.anchor) as BatchAnchor,
        proof: this.#tree(row.batch_seq).inclusionProof(row.leaf_index),
      },
    };
  }

  /** The most recent batches, newest first, with their outbox state. */
  recentBatches(limit: number): { seq: number; id: string; count: number; root: string; cutAt: number }[] {
    return this.#db
      .prepare<
        [number],
        { seq: number; id: string; count: number; root: string; cutAt: number }
      >('SELECT seq, id, count, root, cut_at AS cutAt FROM batches ORDER BY seq DESC LIMIT ?')
      .all(limit);
  }
}
