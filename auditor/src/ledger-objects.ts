import {
  decodeEvent,
  type BatchEntry,
  type CityLedgerEvent,
  type ErasureRecord,
  type ExchangeEntry,
  type FlowAlertEntry,
  type GatewayEntry,
  type MismatchIncident,
  type ModelEntry,
  type PolicyEntry,
} from '@cityledger/core';
import type { ParsedTransaction } from './block-parser';
import { KEY_PREFIX } from './chaincode-api';

/** A ledger object recognised in a transaction's writes. */
export type LedgerObject =
  | { readonly kind: 'record'; readonly value: ExchangeEntry }
  | { readonly kind: 'flowAlert'; readonly value: FlowAlertEntry }
  | { readonly kind: 'incident'; readonly value: MismatchIncident }
  | { readonly kind: 'batch'; readonly value: BatchEntry }
  | { readonly kind: 'policy'; readonly value: PolicyEntry }
  | { readonly kind: 'gateway'; readonly value: GatewayEntry }
  | { readonly kind: 'model'; readonly value: ModelEntry }
  | { readonly kind: 'erasure'; readonly value: ErasureRecord };

export type LedgerObjectKind = LedgerObject['kind'];

const KINDS = Object.entries(KEY_PREFIX) as [LedgerObjectKind, string][];

function kindOf(key: string): LedgerObjectKind | undefined {
  for (const [kind, prefix] of KINDS) {
    if (key.startsWith(prefix)) {
      return kind;
    }
  }
  return undefined;
}

/** The objects a valid transaction wrote, in write order (index keys and deletes are skipped). */
export function ledgerObjects(tx: ParsedTransaction): LedgerObject[] {
  if (!tx.valid) {
    return [];
  }
  const objects: LedgerObject[] = [];
  for (const write of tx.writes) {
    const kind = kindOf(write.key);
    if (kind === undefined || write.value === undefined) {
      continue;
    }
    try {
      objects.push({ kind, value: JSON.parse(write.value.toString('utf8')) as never });
    } catch {
      // Not a JSON document: not one of the objects above.
    }
  }
  return objects;
}

/** The CityLedger events of a valid transaction. */
export function ledgerEvents(tx: ParsedTransaction): CityLedgerEvent[] {
  if (!tx.valid) {
    return [];
  }
  return tx.events.flatMap((e) => {
    const event = decodeEvent(e.name, e.payload);
    return event === undefined ? [] : [event];
  });
}
