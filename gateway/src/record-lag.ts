import type { Outbox, OutboxRow } from './outbox';

/**
 * Personal data is submitted once its record committed, but its endorsing peer (one of the own org's)
 * may not have committed that block yet and answers NOT_FOUND for the record. For a row whose record
 * this gateway saw committed, that answer is lag, not a verdict, for `windowMs` after the commit.
 *
 * Returns when that window ends (ms, by the outbox's clock), or undefined when NOT_FOUND is final: a
 * row of another kind, or a record this outbox does not hold as committed. The window is counted from
 * the record row's commit (stored), so a restart does not extend it.
 */
export function recordLagWindowEnd(outbox: Outbox, row: OutboxRow, windowMs: number): number | undefined {
  if (row.kind !== 'personal-data') {
    return undefined;
  }
  const record = outbox.get(row.payload);
  if (record?.state !== 'committed') {
    return undefined;
  }
  return record.updatedAt + windowMs;
}
