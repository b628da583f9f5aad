import { CityLedgerError, isCategory, LIMITS, millisToIso } from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { keys } from '../ledger/keys';

export const HISTORY_KINDS = ['gateway', 'model', 'policy'] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

export interface HistoryEntry {
  readonly txId: string;
  readonly timestamp: string;
  readonly isDelete: boolean;
  readonly value: unknown;
}

export interface History {
  readonly kind: HistoryKind;
  readonly id: string;
  /** In the order the peer returns them (newest first); at most LIMITS.maxPageSize. */
  readonly entries: readonly HistoryEntry[];
  readonly truncated: boolean;
}

const SLUG = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const MODEL_REF = /^([a-z0-9][a-z0-9._-]{0,63})@(\d{1,6}\.\d{1,6}\.\d{1,6})$/;

/**
 * The ledger key whose history is asked for: `gateway` by gateway id, `model` by `<id>@<version>`,
 * `policy` by category (the head key: one entry per version written).
 */
export function historyKey(kind: string, id: string): [HistoryKind, string] {
  if (kind === 'gateway' && SLUG.test(id)) {
    return [kind, keys.gateway(id)];
  }
  const model = MODEL_REF.exec(id);
  if (kind === 'model' && model !== null) {
    return [kind, keys.model(model[1] ?? '', model[2] ?? '')];
  }
  if (kind === 'policy' && isCategory(id)) {
    return [kind, keys.policyHead(id)];
  }
  throw new CityLedgerError(
    'INVALID_ARGUMENT',
    'kind/id must be gateway/<gateway id>, model/<model id>@<version> or policy/<category>',
  );
}

function seconds(value: unknown): number {
  if (typeof value === 'number') {
    return value;
  }
  const long = value as { toNumber?: () => number } | null;
  return typeof long?.toNumber === 'function' ? long.toNumber() : Number(value);
}

export async function readHistory(
  ctx: Context,
  kind: HistoryKind,
  id: string,
  key: string,
): Promise<History> {
  const iterator = await ctx.stub.getHistoryForKey(key);
  const entries: HistoryEntry[] = [];
  let truncated = false;
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      if (entries.length === LIMITS.maxPageSize) {
        truncated = true;
        break;
      }
      const m = r.value;
      const ms = seconds(m.timestamp.seconds) * 1000 + Math.floor(m.timestamp.nanos / 1_000_000);
      const text = Buffer.from(m.value).toString('utf8');
      entries.push({
        txId: m.txId,
        timestamp: millisToIso(ms),
        isDelete: m.isDelete,
        value: m.isDelete || text === '' ? null : (JSON.parse(text) as unknown),
      });
    }
  } finally {
    await iterator.close();
  }
  if (entries.length === 0) {
    throw new CityLedgerError('NOT_FOUND', `no history for ${kind} ${id}`);
  }
  return { kind, id, entries, truncated };
}
