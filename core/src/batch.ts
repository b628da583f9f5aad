import { SIGNATURE } from './attestation';
import { canonicalBytes } from './canonical';
import { CATEGORY } from './category';
import { LIMITS, type Verdict } from './constants';
import { sha256Hex } from './hash';
import { merkleRoot } from './merkle';
import { type ExchangeContent, type ExchangeRecord, recordContent } from './record';
import { invalid, ObjectReader, SLUG } from './validate';

/** `prevRoot` of a gateway's first batch. */
export const GENESIS_ROOT = '0'.repeat(64);

/** A gateway's commitment to N records by their RFC 6962 root, chained to its previous batch. */
export interface BatchContent {
  readonly gatewayId: string;
  /** RFC 6962 root over the records' leaf data (`batchLeafData`), in batch order. */
  readonly root: string;
  readonly count: number;
  /** Earliest and latest `observedAt` in the batch. */
  readonly fromTime: string;
  readonly toTime: string;
  readonly verdictCounts: Readonly<Record<Verdict, number>>;
  readonly categoryCounts: Readonly<Record<string, number>>;
  /** Root of this gateway's previous batch, GENESIS_ROOT for its first. */
  readonly prevRoot: string;
}

export interface BatchAnchor extends BatchContent {
  readonly signature: string;
}

/** A batch as held on the ledger. `seq` counts a gateway's batches from 1. */
export interface BatchEntry {
  readonly id: string;
  readonly seq: number;
  readonly batch: BatchAnchor;
  readonly anchoredAt: string;
  readonly txId: string;
}

/** The leaf data of a record in a batch: canonical content without the signature. */
export function batchLeafData(record: ExchangeContent | ExchangeRecord): Buffer {
  return canonicalBytes(recordContent(record));
}

/** Batch id: sha256 (hex) of the canonical batch content without the signature. */
export function batchId(batch: BatchContent | BatchAnchor): string {
  const copy: Record<string, unknown> = { ...batch };
  delete copy.signature;
  return sha256Hex(canonicalBytes(copy));
}

function readCounts(r: ObjectReader, count: number): [Record<Verdict, number>, Record<string, number>] {
  const v = r.object('verdictCounts');
  const verdictCounts = {
    benign: v.integer('benign', 0, count),
    suspicious: v.integer('suspicious', 0, count),
    malicious: v.integer('malicious', 0, count),
  };
  v.done();
  const categoryCounts: Record<string, number> = {};
  let categoryTotal = 0;
  for (const [category, n] of r.map('categoryCounts', CATEGORY, LIMITS.maxCategoriesPerBatch)) {
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > count) {
      invalid(`${r.path('categoryCounts')}.${category}`, `must be an integer from 1 to ${count}`);
    }
    categoryCounts[category] = n;
    categoryTotal += n;
  }
  if (verdictCounts.benign + verdictCounts.suspicious + verdictCounts.malicious !== count) {
    invalid(r.path('verdictCounts'), 'must add up to count');
  }
  if (categoryTotal !== count) {
    invalid(r.path('categoryCounts'), 'must add up to count');
  }
  return [verdictCounts, categoryCounts];
}

export function parseBatchAnchor(value: unknown, path = 'batch'): BatchAnchor {
  const r = new ObjectReader(value, path);
  const gatewayId = r.string('gatewayId', SLUG, 64);
  const root = r.sha256('root');
  const count = r.integer('count', 1, LIMITS.maxRecordsPerBatch);
  const fromTime = r.timestamp('fromTime');
  const toTime = r.timestamp('toTime');
  const [verdictCounts, categoryCounts] = readCounts(r, count);
  const prevRoot = r.sha256('prevRoot');
  const signature = r.string('signature', SIGNATURE, 88);
  r.done();
  if (fromTime > toTime) {
    invalid(r.path('toTime'), 'must not be before fromTime');
  }
  return { gatewayId, root, count, fromTime, toTime, verdictCounts, categoryCounts, prevRoot, signature };
}

/** Builds the batch content over records (in the given order) for a gateway to sign. */
export function buildBatch(
  gatewayId: string,
  prevRoot: string,
  records: readonly ExchangeContent[],
): BatchContent {
  if (records.length === 0) {
    throw new RangeError('a batch needs at least one record');
  }
  const verdictCounts: Record<Verdict, number> = { benign: 0, suspicious: 0, malicious: 0 };
  const categoryCounts: Record<string, number> = {};
  let fromTime = (records[0] as ExchangeContent).observedAt;
  let toTime = fromTime;
  for (const record of records) {
    verdictCounts[record.verdict] += 1;
    categoryCounts[record.category] = (categoryCounts[record.category] ?? 0) + 1;
    fromTime = record.observedAt < fromTime ? record.observedAt : fromTime;
    toTime = record.observedAt > toTime ? record.observedAt : toTime;
  }
  const root = merkleRoot(records.map((record) => batchLeafData(record)));
  return {
    gatewayId,
    root,
    count: records.length,
    fromTime,
    toTime,
    verdictCounts,
    categoryCounts,
    prevRoot,
  };
}
