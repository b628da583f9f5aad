import {
  addSeconds,
  CityLedgerError,
  decide,
  type DenyReason,
  EVENTS,
  type ExchangeEntry,
  type ExchangeOutcome,
  type ExchangeRecord,
  type GatewayEntry,
  LIMITS,
  type MismatchIncident,
  parseExchangeRecord,
  parseJsonArgument,
  recordContentBytes,
  sha256Hex,
  verdictFor,
  verifyCanonicalContent,
} from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { type Caller, getCaller, requireRole } from '../caller';
import { attestationKey } from '../gateways/attestation-keys';
import { requireCallingGateway } from '../gateways/gateway-store';
import { prefetchState } from '../ledger/batched-state';
import { keys } from '../ledger/keys';
import { emit, putJson, txTime } from '../ledger/state';
import { requireApprovedModel } from '../models/model-store';
import { policyInForce } from '../policies/policy-store';
import { indexIncident, indexRecord } from './indexes';

/**
 * recordExchange takes no transient data: personal data follows in `privacy:putPersonalData`, a
 * transaction that writes only the private collection, so that only the data owner's peers (the
 * collection's members) ever receive it.
 */
function refuseTransient(ctx: Context): void {
  const names = [...ctx.stub.getTransient().keys()];
  if (names.length > 0) {
    throw new CityLedgerError(
      'INVALID_ARGUMENT',
      `recordExchange takes no transient data (got ${names.join(', ')}); send personal data with privacy:putPersonalData`,
    );
  }
}

/**
 * Caller, gateway binding and signature; personal data only from a gateway of the data owner.
 * `content` is the record's canonical content (no signature), already encoded for its id.
 */
async function authenticate(
  ctx: Context,
  caller: Caller,
  record: ExchangeRecord,
  content: Uint8Array,
): Promise<GatewayEntry> {
  const gateway = await requireCallingGateway(ctx, caller, record.gatewayId);
  if (!verifyCanonicalContent('record', attestationKey(gateway), content, record.signature)) {
    throw new CityLedgerError(
      'BAD_SIGNATURE',
      `record signature does not verify with gateway ${gateway.id}'s key`,
    );
  }
  if (record.personalDataSha256 !== undefined && gateway.department !== record.sourceDepartment) {
    throw new CityLedgerError(
      'INVALID_ARGUMENT',
      `personal data must come from a ${record.sourceDepartment} gateway`,
    );
  }
  return gateway;
}

/** `observedAt` at most 7 days before and 5 minutes after the transaction time. */
export function checkWindow(observedAt: string, now: string): void {
  if (observedAt < addSeconds(now, -LIMITS.maxRecordAgeSeconds)) {
    throw new CityLedgerError(
      'TIMESTAMP_OUT_OF_WINDOW',
      `observedAt ${observedAt} is older than ${LIMITS.maxRecordAgeSeconds}s`,
    );
  }
  if (observedAt > addSeconds(now, LIMITS.maxClockSkewSeconds)) {
    throw new CityLedgerError(
      'TIMESTAMP_OUT_OF_WINDOW',
      `observedAt ${observedAt} is after the transaction time ${now}`,
    );
  }
}

/** An earlier submission of the same record that was stored, if any. */
async function previousRecord(ctx: Context, id: string): Promise<ExchangeOutcome | undefined> {
  return (await ctx.stub.getState(keys.record(id))).length > 0
    ? { accepted: true, duplicate: true, id }
    : undefined;
}

/**
 * An earlier submission of the same record that was refused as a mismatch, if any. Read only on the
 * mismatch path: the chain's decision is a pure function of the record and the policy version it
 * cites (an immutable entry), so a record whose decision agrees now cannot have been an incident
 * before, and the accepted path needs one read less (every read is checked by every peer).
 */
async function previousIncident(ctx: Context, id: string): Promise<ExchangeOutcome | undefined> {
  return (await ctx.stub.getState(keys.incident(id))).length > 0
    ? { accepted: false, code: 'POLICY_MISMATCH', duplicate: true, id }
    : undefined;
}

/** Model approval, verdict consistency and the chain's own policy decision. */
interface ChainDecision {
  readonly allow: boolean;
  readonly reason?: DenyReason;
}

async function chainDecision(ctx: Context, record: ExchangeRecord): Promise<ChainDecision> {
  const model = await requireApprovedModel(ctx, record.modelId, record.modelVersion);
  const expected = verdictFor(record.threatScore, model.thresholds);
  if (expected !== record.verdict) {
    throw new CityLedgerError(
      'VERDICT_MISMATCH',
      `score ${record.threatScore} gives ${expected} under ${model.id}@${model.version}`,
    );
  }
  const policy = await policyInForce(ctx, record.category, record.policyVersion, record.observedAt);
  const decision = decide(policy, record, record.observedAt);
  return decision.allow ? { allow: true } : { allow: false, reason: decision.reason };
}

async function storeIncident(
  ctx: Context,
  id: string,
  record: ExchangeRecord,
  allow: boolean,
  reason?: DenyReason,
): Promise<ExchangeOutcome> {
  const previous = await previousIncident(ctx, id);
  if (previous !== undefined) {
    return previous;
  }
  const at = txTime(ctx);
  const txId = ctx.stub.getTxID();
  const chain = allow ? 'allow' : 'deny';
  const incident: MismatchIncident = {
    id,
    record,
    detectedAt: at,
    txId,
    gatewayDecision: record.decision,
    chainDecision: chain,
    ...(reason === undefined ? {} : { denyReason: reason }),
  };
  await putJson(ctx, keys.incident(id), incident);
  await indexIncident(ctx, id, record, chain, reason);
  emit(ctx, {
    type: EVENTS.policyMismatch,
    txId,
    at,
    recordId: id,
    gatewayId: record.gatewayId,
    sourceDepartment: record.sourceDepartment,
    consumerDepartment: record.consumerDepartment,
    category: record.category,
    policyVersion: record.policyVersion,
    gatewayDecision: record.decision,
    chainDecision: chain,
    ...(reason === undefined ? {} : { denyReason: reason }),
  });
  return { accepted: false, code: 'POLICY_MISMATCH', duplicate: false, id };
}

function emitRecordEvent(ctx: Context, entry: ExchangeEntry): void {
  const r = entry.record;
  if (r.verdict === 'benign' && r.decision === 'allow') {
    return;
  }
  emit(ctx, {
    type: r.verdict === 'benign' ? EVENTS.exchangeDenied : EVENTS.exchangeFlagged,
    txId: entry.txId,
    at: entry.recordedAt,
    recordId: entry.id,
    gatewayId: r.gatewayId,
    sourceDepartment: r.sourceDepartment,
    consumerDepartment: r.consumerDepartment,
    category: r.category,
    purpose: r.purpose,
    verdict: r.verdict,
    threatScore: r.threatScore,
    decision: r.decision,
    ...(entry.denyReason === undefined ? {} : { denyReason: entry.denyReason }),
  });
}

async function storeRecord(
  ctx: Context,
  id: string,
  record: ExchangeRecord,
  reason?: DenyReason,
): Promise<ExchangeOutcome> {
  const entry: ExchangeEntry = {
    id,
    record,
    recordedAt: txTime(ctx),
    txId: ctx.stub.getTxID(),
    ...(reason === undefined ? {} : { denyReason: reason }),
  };
  await putJson(ctx, keys.record(id), entry);
  await indexRecord(ctx, id, record, reason);
  emitRecordEvent(ctx, entry);
  return { accepted: true, duplicate: false, id };
}

/**
 * The keys a record's checks read, all known from the record itself: one GET_STATE_MULTIPLE where the
 * peer supports it instead of four round trips. The model set carries the approved models' thresholds
 * and the policy head the current version's entry, so the model's and the policy version's own keys
 * are read only for a version cited after it was superseded (or written before 2026-11-24); the
 * incident key only on the mismatch path. Every key read is in the read set that each peer checks.
 */
function prefetchChecks(ctx: Context, id: string, record: ExchangeRecord): Promise<void> {
  return prefetchState(ctx.stub, [
    keys.gateway(record.gatewayId),
    keys.record(id),
    keys.modelSet(),
    keys.policyHead(record.category),
  ]);
}

/**
 * Time window, model and the chain's decision. If a check fails now (the record aged, its model or
 * policy version was retired or superseded since), an earlier submission that became an incident
 * still answers as that incident, as it did before the checks ran.
 */
async function checkedDecision(
  ctx: Context,
  id: string,
  record: ExchangeRecord,
): Promise<ChainDecision | ExchangeOutcome> {
  try {
    checkWindow(record.observedAt, txTime(ctx));
    return await chainDecision(ctx, record);
  } catch (err) {
    const previous = err instanceof CityLedgerError ? await previousIncident(ctx, id) : undefined;
    if (previous !== undefined) {
      return previous;
    }
    throw err;
  }
}

/**
 * recordExchange: every check of the issue, arguments first, then identity, then state. A record the
 * chain decides differently from the gateway is not stored; a POLICY_MISMATCH incident is.
 */
export async function recordExchange(ctx: Context, recordJson: string): Promise<ExchangeOutcome> {
  const record = parseExchangeRecord(parseJsonArgument(recordJson, 'record', LIMITS.maxRecordBytes * 2));
  refuseTransient(ctx);
  const caller = getCaller(ctx);
  requireRole(caller, ['gateway'], 'recordExchange');
  // One encoding of the content serves the id (its hash) and the signature check (what was signed).
  const content = recordContentBytes(record);
  const id = sha256Hex(content);
  await prefetchChecks(ctx, id, record);
  await authenticate(ctx, caller, record, content);
  const previous = await previousRecord(ctx, id);
  if (previous !== undefined) {
    return previous;
  }
  const chain = await checkedDecision(ctx, id, record);
  if ('id' in chain) {
    return chain;
  }
  if (chain.allow !== (record.decision === 'allow')) {
    return storeIncident(ctx, id, record, chain.allow, chain.reason);
  }
  return storeRecord(ctx, id, record, chain.reason);
}
