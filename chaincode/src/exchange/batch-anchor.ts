import {
  addSeconds,
  type BatchAnchor,
  type BatchEntry,
  batchId,
  CityLedgerError,
  EVENTS,
  GENESIS_ROOT,
  LIMITS,
  parseBatchAnchor,
  parseJsonArgument,
  verifyBatchAttestation,
} from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { getCaller, requireRole } from '../caller';
import { attestationKey } from '../gateways/attestation-keys';
import { requireCallingGateway } from '../gateways/gateway-store';
import { keys } from '../ledger/keys';
import { emit, getJson, putJson, txTime } from '../ledger/state';

/** The latest batch of a gateway: the chain's tip. */
export interface BatchHead {
  readonly gatewayId: string;
  readonly seq: number;
  readonly root: string;
  readonly batchId: string;
}

interface BatchRef {
  readonly gatewayId: string;
  readonly seq: number;
}

export interface BatchOutcome {
  readonly duplicate: boolean;
  readonly entry: BatchEntry;
}

function checkWindow(batch: BatchAnchor, now: string): void {
  if (batch.toTime > addSeconds(now, LIMITS.maxClockSkewSeconds)) {
    throw new CityLedgerError(
      'TIMESTAMP_OUT_OF_WINDOW',
      `toTime ${batch.toTime} is after the transaction time ${now}`,
    );
  }
  if (batch.toTime < addSeconds(now, -LIMITS.maxRecordAgeSeconds)) {
    throw new CityLedgerError(
      'TIMESTAMP_OUT_OF_WINDOW',
      `toTime ${batch.toTime} is older than ${LIMITS.maxRecordAgeSeconds}s`,
    );
  }
}

export async function findBatchById(ctx: Context, id: string): Promise<BatchEntry | undefined> {
  const ref = await getJson<BatchRef>(ctx, keys.batchById(id));
  return ref === undefined ? undefined : getJson<BatchEntry>(ctx, keys.batch(ref.gatewayId, ref.seq));
}

/**
 * anchorBatch: a gateway commits the RFC 6962 root of N records. The batch must extend the gateway's
 * chain (`prevRoot` = root of its latest batch, GENESIS_ROOT for the first) else CONFLICT; the same
 * batch submitted again returns the stored entry.
 */
export async function anchorBatch(ctx: Context, batchJson: string): Promise<BatchOutcome> {
  const batch = parseBatchAnchor(parseJsonArgument(batchJson, 'batch', LIMITS.maxArgumentBytes));
  const caller = getCaller(ctx);
  requireRole(caller, ['gateway'], 'anchorBatch');
  const gateway = await requireCallingGateway(ctx, caller, batch.gatewayId);
  if (!verifyBatchAttestation(attestationKey(gateway), batch)) {
    throw new CityLedgerError(
      'BAD_SIGNATURE',
      `batch signature does not verify with gateway ${gateway.id}'s key`,
    );
  }
  const id = batchId(batch);
  const existing = await findBatchById(ctx, id);
  if (existing !== undefined) {
    return { duplicate: true, entry: existing };
  }
  const at = txTime(ctx);
  checkWindow(batch, at);
  const head = await getJson<BatchHead>(ctx, keys.batchHead(batch.gatewayId));
  const tip = head?.root ?? GENESIS_ROOT;
  if (batch.prevRoot !== tip) {
    throw new CityLedgerError(
      'CONFLICT',
      `batch prevRoot ${batch.prevRoot} is not the gateway's latest root ${tip}`,
    );
  }
  const seq = (head?.seq ?? 0) + 1;
  const txId = ctx.stub.getTxID();
  const entry: BatchEntry = { id, seq, batch, anchoredAt: at, txId };
  await putJson(ctx, keys.batch(batch.gatewayId, seq), entry);
  await putJson(ctx, keys.batchHead(batch.gatewayId), {
    gatewayId: batch.gatewayId,
    seq,
    root: batch.root,
    batchId: id,
  });
  await putJson(ctx, keys.batchById(id), { gatewayId: batch.gatewayId, seq });
  emit(ctx, {
    type: EVENTS.batchAnchored,
    txId,
    at,
    gatewayId: batch.gatewayId,
    batchId: id,
    seq,
    root: batch.root,
    count: batch.count,
    verdictCounts: batch.verdictCounts,
  });
  return { duplicate: false, entry };
}
