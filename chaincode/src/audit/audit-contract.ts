import {
  type ErasureRecord,
  CityLedgerError,
  type ExchangeEntry,
  type FlowAlertEntry,
  type MismatchIncident,
  parseComplianceQuery,
  parseFlowAlertQuery,
  parseJsonArgument,
  parseRecordQuery,
  ROLES,
} from '@cityledger/core';
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { checkHash } from '../arguments';
import { CityLedgerContract } from '../base-contract';
import { type Caller, canSee, getCaller, requireRole } from '../caller';
import { keys } from '../ledger/keys';
import { getJson, reply } from '../ledger/state';
import { complianceSummary } from './compliance';
import { canSeeFlowAlert, queryFlowAlerts } from './flow-alert-query';
import { historyKey, readHistory } from './history';
import { queryRecords } from './record-query';

const MAX_QUERY_BYTES = 2_048;

async function visibleRecord(ctx: Context, caller: Caller, id: string): Promise<ExchangeEntry> {
  const entry = await getJson<ExchangeEntry>(ctx, keys.record(id));
  if (entry === undefined) {
    throw new CityLedgerError('NOT_FOUND', `no record ${id}`);
  }
  if (!canSee(caller, entry.record.sourceDepartment, entry.record.consumerDepartment)) {
    throw new CityLedgerError(
      'UNAUTHORIZED',
      `record ${id} is visible to audit and the departments involved`,
    );
  }
  return entry;
}

/**
 * Read side for auditors and departments. The audit org sees everything; a department sees the
 * records and incidents where it is the source or the consumer.
 */
@Info({ title: 'AuditContract', description: 'Queries, verification and compliance summaries' })
export class AuditContract extends CityLedgerContract {
  constructor() {
    super('audit');
  }

  /** One record by id, with `erased` set when its personal data was purged. Caller: see above. */
  @Transaction(false)
  @Returns('string')
  public async getRecord(ctx: Context, recordId: string): Promise<string> {
    checkHash(recordId, 'recordId');
    const entry = await visibleRecord(ctx, getCaller(ctx), recordId);
    const erasure = await getJson<ErasureRecord>(ctx, keys.erasure(recordId));
    return reply({ ...entry, erased: erasure !== undefined });
  }

  /** One policy-mismatch incident by record id. Caller: see above. */
  @Transaction(false)
  @Returns('string')
  public async getIncident(ctx: Context, recordId: string): Promise<string> {
    checkHash(recordId, 'recordId');
    const caller = getCaller(ctx);
    const incident = await getJson<MismatchIncident>(ctx, keys.incident(recordId));
    if (incident === undefined) {
      throw new CityLedgerError('NOT_FOUND', `no incident ${recordId}`);
    }
    if (!canSee(caller, incident.record.sourceDepartment, incident.record.consumerDepartment)) {
      throw new CityLedgerError(
        'UNAUTHORIZED',
        `incident ${recordId} is visible to audit and the departments involved`,
      );
    }
    return reply(incident);
  }

  /** A page of records by time, department, category, gateway or verdict (a RecordQuery). */
  @Transaction(false)
  @Returns('string')
  public async queryRecords(ctx: Context, query: string): Promise<string> {
    const parsed = parseRecordQuery(parseJsonArgument(query, 'query', MAX_QUERY_BYTES));
    return reply(await queryRecords(ctx, getCaller(ctx), parsed));
  }

  /** One flow alert by id. Caller: audit, or the department of the gateway that raised it. */
  @Transaction(false)
  @Returns('string')
  public async getFlowAlert(ctx: Context, alertId: string): Promise<string> {
    checkHash(alertId, 'alertId');
    const caller = getCaller(ctx);
    const entry = await getJson<FlowAlertEntry>(ctx, keys.flowAlert(alertId));
    if (entry === undefined) {
      throw new CityLedgerError('NOT_FOUND', `no flow alert ${alertId}`);
    }
    if (!canSeeFlowAlert(caller, entry)) {
      throw new CityLedgerError(
        'UNAUTHORIZED',
        `flow alert ${alertId} is visible to audit and ${entry.department}`,
      );
    }
    return reply(entry);
  }

  /** A page of flow alerts by time, department, gateway, zone or verdict (a FlowAlertQuery). */
  @Transaction(false)
  @Returns('string')
  public async queryFlowAlerts(ctx: Context, query: string): Promise<string> {
    const parsed = parseFlowAlertQuery(parseJsonArgument(query, 'query', MAX_QUERY_BYTES));
    return reply(await queryFlowAlerts(ctx, getCaller(ctx), parsed));
  }

  /**
   * Does the stored record commit to this payload hash?
   * `{"id","match","payloadSha256","recordedAt","txId","erased"}`. Caller: see above.
   */
  @Transaction(false)
  @Returns('string')
  public async verifyRecord(ctx: Context, recordId: string, payloadHash: string): Promise<string> {
    checkHash(recordId, 'recordId');
    checkHash(payloadHash, 'payloadHash');
    const entry = await visibleRecord(ctx, getCaller(ctx), recordId);
    const erasure = await getJson<ErasureRecord>(ctx, keys.erasure(recordId));
    return reply({
      id: recordId,
      match: entry.record.payloadSha256 === payloadHash,
      payloadSha256: entry.record.payloadSha256,
      recordedAt: entry.recordedAt,
      txId: entry.txId,
      erased: erasure !== undefined,
    });
  }

  /** One page of the compliance summary of a period (a ComplianceQuery); merge pages client-side. */
  @Transaction(false)
  @Returns('string')
  public async complianceSummary(ctx: Context, query: string): Promise<string> {
    const parsed = parseComplianceQuery(parseJsonArgument(query, 'query', MAX_QUERY_BYTES));
    return reply(await complianceSummary(ctx, getCaller(ctx), parsed));
  }

  /** Ledger history of a gateway, a model (`<id>@<version>`) or a policy head. Caller: any identity. */
  @Transaction(false)
  @Returns('string')
  public async getHistory(ctx: Context, kind: string, id: string): Promise<string> {
    const [k, key] = historyKey(kind, id);
    requireRole(getCaller(ctx), ROLES, 'getHistory');
    return reply(await readHistory(ctx, k, id, key));
  }
}
