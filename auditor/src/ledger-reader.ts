import {
  CityLedgerError,
  LIMITS,
  mergeComplianceSummaries,
  type BatchEntry,
  type ComplianceSummary,
  type Department,
  type ErasureRecord,
  type ExchangeEntry,
  type FlowAlertEntry,
  type FlowAlertQuery,
  type GatewayEntry,
  type MismatchIncident,
  type ModelEntry,
  type ModelStatus,
  type Page,
  type PolicyEntry,
  type RecordQuery,
} from '@cityledger/core';
import { FN, type HistoryKind, type HistoryReply, type PolicyHistoryReply } from './chaincode-api';
import type { Versioned } from './versions';

/** The transport the reader needs: JSON queries against the chaincode (LedgerClient has it). */
export interface Queries {
  evaluateJson<T>(fn: string, args?: readonly string[]): Promise<T>;
}

/** A stored record as `getRecord` returns it: with `erased` when its personal data was purged. */
export type RecordWithErasure = ExchangeEntry & { readonly erased?: boolean };

async function orUndefined<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    return await promise;
  } catch (err) {
    if (err instanceof CityLedgerError && err.code === 'NOT_FOUND') {
      return undefined;
    }
    throw err;
  }
}

/**
 * The chaincode's read API for auditors, with pagination handled: every method returns what the
 * ledger holds, `undefined` or an empty list when it holds nothing, and throws CityLedgerError on
 * any other failure.
 */
export class LedgerReader {
  readonly #q: Queries;

  constructor(queries: Queries) {
    this.#q = queries;
  }

  async record(id: string): Promise<RecordWithErasure | undefined> {
    return orUndefined(this.#q.evaluateJson<RecordWithErasure>(FN.getRecord, [id]));
  }

  async incident(id: string): Promise<MismatchIncident | undefined> {
    return orUndefined(this.#q.evaluateJson<MismatchIncident>(FN.getIncident, [id]));
  }

  async flowAlert(id: string): Promise<FlowAlertEntry | undefined> {
    return orUndefined(this.#q.evaluateJson<FlowAlertEntry>(FN.getFlowAlert, [id]));
  }

  /** Every page of a flow-alert query, following bookmarks. */
  async *flowAlertPages(query: FlowAlertQuery): AsyncGenerator<Page<FlowAlertEntry>> {
    let bookmark = query.bookmark ?? '';
    do {
      const q = { ...query, ...(bookmark === '' ? {} : { bookmark }) };
      const page = await this.#q.evaluateJson<Page<FlowAlertEntry>>(FN.queryFlowAlerts, [JSON.stringify(q)]);
      yield page;
      bookmark = page.bookmark;
    } while (bookmark !== '');
  }

  /** One page of a record query (at most LIMITS.maxPageSize items). */
  async recordPage(query: RecordQuery): Promise<Page<ExchangeEntry>> {
    return this.#q.evaluateJson<Page<ExchangeEntry>>(FN.queryRecords, [JSON.stringify(query)]);
  }

  /** Every page of a record query, following bookmarks. */
  async *recordPages(query: RecordQuery): AsyncGenerator<Page<ExchangeEntry>> {
    let bookmark = query.bookmark ?? '';
    do {
      const page = await this.recordPage({ ...query, ...(bookmark === '' ? {} : { bookmark }) });
      yield page;
      bookmark = page.bookmark;
    } while (bookmark !== '');
  }

  async allRecords(query: RecordQuery): Promise<ExchangeEntry[]> {
    const all: ExchangeEntry[] = [];
    for await (const page of this.recordPages({ ...query, pageSize: query.pageSize ?? LIMITS.maxPageSize })) {
      all.push(...page.items);
    }
    return all;
  }

  async #history<T>(kind: HistoryKind, id: string): Promise<Versioned<T>[]> {
    const reply = await orUndefined(this.#q.evaluateJson<HistoryReply>(FN.getHistory, [kind, id]));
    if (reply === undefined) {
      return [];
    }
    if (reply.truncated) {
      throw new CityLedgerError(
        'INTERNAL',
        `the history of ${kind} ${id} is longer than the chaincode returns`,
      );
    }
    return reply.entries
      .filter((e) => !e.isDelete && e.value !== null)
      .map((e) => ({ value: e.value as T, txId: e.txId, at: e.timestamp }));
  }

  /** Every version of a gateway's registry entry, oldest first. */
  async gatewayHistory(gatewayId: string): Promise<Versioned<GatewayEntry>[]> {
    return this.#history<GatewayEntry>('gateway', gatewayId);
  }

  async gateway(gatewayId: string): Promise<GatewayEntry | undefined> {
    return orUndefined(this.#q.evaluateJson<GatewayEntry>(FN.getGateway, [gatewayId]));
  }

  /** Every version of a model's registry entry, oldest first. */
  async modelHistory(modelId: string, version: string): Promise<Versioned<ModelEntry>[]> {
    return this.#history<ModelEntry>('model', `${modelId}@${version}`);
  }

  /** Registered models and their status, keyed `<id>@<version>`. */
  async models(): Promise<Readonly<Record<string, ModelStatus>>> {
    return (await this.#q.evaluateJson<{ models: Record<string, ModelStatus> }>(FN.listModels)).models;
  }

  /** Every version of a category's policy, oldest first (empty when the category has none). */
  async policyHistory(category: string): Promise<PolicyEntry[]> {
    const versions: PolicyEntry[] = [];
    let from = 1;
    while (from !== 0) {
      const page = await orUndefined(
        this.#q.evaluateJson<PolicyHistoryReply<PolicyEntry>>(FN.getPolicyHistory, [category, String(from)]),
      );
      if (page === undefined) {
        break;
      }
      versions.push(...page.items);
      from = page.next;
    }
    return versions;
  }

  async batch(gatewayId: string, seq: number): Promise<BatchEntry | undefined> {
    return orUndefined(this.#q.evaluateJson<BatchEntry>(FN.getBatch, [gatewayId, String(seq)]));
  }

  async batchById(batchId: string): Promise<BatchEntry | undefined> {
    return orUndefined(this.#q.evaluateJson<BatchEntry>(FN.getBatchById, [batchId]));
  }

  /**
   * A gateway's batches by sequence number: every seq from 1 to `atLeast`, then on until the first
   * one missing. A seq missing below `atLeast` is left out, for the chain check to report.
   */
  async batches(gatewayId: string, atLeast = 0): Promise<BatchEntry[]> {
    const found: BatchEntry[] = [];
    for (let seq = 1; ; seq += 1) {
      const entry = await this.batch(gatewayId, seq);
      if (entry !== undefined) {
        found.push(entry);
      } else if (seq > atLeast) {
        return found;
      }
    }
  }

  async erasure(recordId: string): Promise<ErasureRecord | undefined> {
    return orUndefined(this.#q.evaluateJson<ErasureRecord>(FN.getErasure, [recordId]));
  }

  /** The chaincode's compliance summary of `[from, to)`, every page merged. */
  async complianceSummary(from: string, to: string, department?: Department): Promise<ComplianceSummary> {
    let merged: ComplianceSummary | undefined;
    let bookmark = '';
    do {
      const query = {
        from,
        to,
        ...(department === undefined ? {} : { department }),
        ...(bookmark === '' ? {} : { bookmark }),
      };
      const page = await this.#q.evaluateJson<ComplianceSummary>(FN.complianceSummary, [
        JSON.stringify(query),
      ]);
      merged = merged === undefined ? page : mergeComplianceSummaries(merged, page);
      bookmark = page.bookmark;
    } while (bookmark !== '');
    return merged;
  }
}
