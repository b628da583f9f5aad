import type { ExchangeEntry } from '@cityledger/core';
import type { LedgerReader } from './ledger-reader';
import type { ProofResponse } from './proof-response';
import type { InclusionEvidence } from './verify-inclusion';
import type { AlertEvidence } from './verify-alert';
import type { RecordEvidence } from './verify-record';

/** Strips what `getRecord` adds to a stored entry, so checks see the entry as written. */
export function storedEntry(entry: ExchangeEntry & { readonly erased?: boolean }): ExchangeEntry {
  const copy: Record<string, unknown> = { ...entry };
  delete copy.erased;
  return copy as unknown as ExchangeEntry;
}

/** Reads from the ledger everything `verify record` checks. */
export async function readRecordEvidence(reader: LedgerReader, id: string): Promise<RecordEvidence> {
  const found = await reader.record(id);
  if (found === undefined) {
    return { id, entry: undefined, gatewayHistory: [], modelHistory: [], policyHistory: [] };
  }
  const entry = storedEntry(found);
  const r = entry.record;
  const [gatewayHistory, modelHistory, policyHistory] = await Promise.all([
    reader.gatewayHistory(r.gatewayId),
    reader.modelHistory(r.modelId, r.modelVersion),
    reader.policyHistory(r.category),
  ]);
  return { id, entry, gatewayHistory, modelHistory, policyHistory };
}

/**
 * Reads from the ledger what `verify inclusion` checks a gateway's answer against: the record's
 * gateway history and every batch of that gateway (at least up to the one the answer cites).
 */
export async function readInclusionEvidence(
  reader: LedgerReader,
  id: string,
  raw: unknown,
  parsed: ProofResponse | undefined,
): Promise<InclusionEvidence> {
  if (parsed === undefined) {
    return { id, response: raw, batches: [], gatewayHistory: [] };
  }
  const gatewayId = parsed.record.gatewayId;
  let atLeast = parsed.batch.seq ?? 0;
  if (parsed.batch.id !== undefined) {
    atLeast = Math.max(atLeast, (await reader.batchById(parsed.batch.id))?.seq ?? 0);
  }
  const [batches, gatewayHistory] = await Promise.all([
    reader.batches(gatewayId, atLeast),
    reader.gatewayHistory(gatewayId),
  ]);
  return { id, response: raw, batches, gatewayHistory };
}

/** Reads from the ledger everything `verify alert` checks. */
export async function readAlertEvidence(reader: LedgerReader, id: string): Promise<AlertEvidence> {
  const entry = await reader.flowAlert(id);
  if (entry === undefined) {
    return { id, entry, gatewayHistory: [], classifierHistory: [], anomalyHistory: [] };
  }
  const a = entry.alert;
  const [gatewayHistory, classifierHistory, anomalyHistory] = await Promise.all([
    reader.gatewayHistory(a.gatewayId),
    reader.modelHistory(a.modelId, a.modelVersion),
    a.anomalyModelId === undefined || a.anomalyModelVersion === undefined
      ? Promise.resolve([])
      : reader.modelHistory(a.anomalyModelId, a.anomalyModelVersion),
  ]);
  return { id, entry, gatewayHistory, classifierHistory, anomalyHistory };
}
