import { type BatchEntry, CityLedgerError, type GatewayEntry } from '@cityledger/core';
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { checkHash, checkId, checkInteger } from '../arguments';
import { CityLedgerContract } from '../base-contract';
import { type Caller, getCaller } from '../caller';
import { getGatewayOrThrow } from '../gateways/gateway-store';
import { keys } from '../ledger/keys';
import { getJson, reply } from '../ledger/state';
import { anchorBatch, findBatchById } from './batch-anchor';
import { recordExchange } from './record-exchange';
import { recordFlowAlert, recordFlowAlerts } from './record-flow-alert';

/** Batches are visible to the audit org and to the department that runs the gateway. */
function requireBatchReader(caller: Caller, gateway: GatewayEntry): void {
  if (caller.department !== 'audit' && caller.department !== gateway.department) {
    throw new CityLedgerError(
      'UNAUTHORIZED',
      `batches of ${gateway.id} are visible to audit and ${gateway.department}`,
    );
  }
}

/** What gateways submit: single exchange records, flow alerts and Merkle batch anchors. */
@Info({ title: 'ExchangeContract', description: 'Attested exchange records, flow alerts and batch anchors' })
export class ExchangeContract extends CityLedgerContract {
  constructor() {
    super('exchange');
  }

  /**
   * Stores one attested exchange record (idempotent: the same record is answered as a duplicate). No
   * transient data. Returns an ExchangeOutcome (`{accepted, duplicate, id}`); `accepted: false` with
   * code POLICY_MISMATCH when the chain's decision differs from the gateway's. Caller: the record's
   * gateway.
   */
  @Transaction()
  @Returns('string')
  public async recordExchange(ctx: Context, record: string): Promise<string> {
    return reply(await recordExchange(ctx, record));
  }

  /**
   * Stores one attested flow alert: a suspicious or malicious flow (idempotent: the same alert returns
   * the stored entry). Returns a FlowAlertOutcome. Caller: the alert's gateway.
   */
  @Transaction()
  @Returns('string')
  public async recordFlowAlert(ctx: Context, alert: string): Promise<string> {
    return reply(await recordFlowAlert(ctx, alert));
  }

  /**
   * Stores up to LIMITS.maxAlertsPerCall attested flow alerts (a JSON array) in one transaction, each
   * checked as recordFlowAlert checks it; a failed check refuses that alert alone. Returns a
   * FlowAlertsOutcome (a result per alert, in order). Caller: the alerts' gateway.
   */
  @Transaction()
  @Returns('string')
  public async recordFlowAlerts(ctx: Context, alerts: string): Promise<string> {
    return reply(await recordFlowAlerts(ctx, alerts));
  }

  /** Anchors a Merkle batch, chained to the gateway's previous one. Caller: the batch's gateway. */
  @Transaction()
  @Returns('string')
  public async anchorBatch(ctx: Context, batch: string): Promise<string> {
    return reply(await anchorBatch(ctx, batch));
  }

  /** A gateway's batch by sequence number (from 1). Caller: audit org or the gateway's department. */
  @Transaction(false)
  @Returns('string')
  public async getBatch(ctx: Context, gatewayId: string, seq: string): Promise<string> {
    checkId(gatewayId, 'gatewayId');
    const n = checkInteger(seq, 'seq', 1, 9_999_999_999);
    const caller = getCaller(ctx);
    requireBatchReader(caller, await getGatewayOrThrow(ctx, gatewayId));
    const entry = await getJson<BatchEntry>(ctx, keys.batch(gatewayId, n));
    if (entry === undefined) {
      throw new CityLedgerError('NOT_FOUND', `gateway ${gatewayId} has no batch ${n}`);
    }
    return reply(entry);
  }

  /** A batch by its id (sha256 of its canonical content). Caller: as getBatch. */
  @Transaction(false)
  @Returns('string')
  public async getBatchById(ctx: Context, batchId: string): Promise<string> {
    checkHash(batchId, 'batchId');
    const caller = getCaller(ctx);
    const entry = await findBatchById(ctx, batchId);
    if (entry === undefined) {
      throw new CityLedgerError('NOT_FOUND', `no batch ${batchId}`);
    }
    requireBatchReader(caller, await getGatewayOrThrow(ctx, entry.batch.gatewayId));
    return reply(entry);
  }
}
