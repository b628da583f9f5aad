import {
  canonicalBytes,
  CityLedgerError,
  type ErasureRecord,
  type ExchangeEntry,
  LIMITS,
  parseJsonArgument,
  parsePersonalData,
  type PersonalData,
  personalDataHash,
  privateCollection,
  TRANSIENT_PERSONAL_DATA,
} from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { getCaller, requireRole } from '../caller';
import { requireCallingGateway } from '../gateways/gateway-store';
import { keys } from '../ledger/keys';
import { getJson } from '../ledger/state';

/** The personal data in the transient map: the only transient field allowed, size-limited, strict. */
export function readTransientPersonalData(ctx: Context): PersonalData {
  const transient = ctx.stub.getTransient();
  for (const name of transient.keys()) {
    if (name !== TRANSIENT_PERSONAL_DATA) {
      throw new CityLedgerError('INVALID_ARGUMENT', `transient field ${name} is not allowed`);
    }
  }
  const bytes = transient.get(TRANSIENT_PERSONAL_DATA);
  if (bytes === undefined) {
    throw new CityLedgerError('INVALID_ARGUMENT', `transient ${TRANSIENT_PERSONAL_DATA} is required`);
  }
  const text = Buffer.from(bytes).toString('utf8');
  return parsePersonalData(parseJsonArgument(text, TRANSIENT_PERSONAL_DATA, LIMITS.maxPersonalDataBytes));
}

/**
 * putPersonalData: stores a record's personal data in the source department's private collection.
 * Writes nothing public, so the collection's endorsement policy (the owner's peers) alone governs it
 * and the transient data goes to no other org. Caller: the record's gateway (bound and active).
 */
export async function putPersonalData(
  ctx: Context,
  recordId: string,
): Promise<{ recordId: string; collection: string }> {
  const data = readTransientPersonalData(ctx);
  const caller = getCaller(ctx);
  requireRole(caller, ['gateway'], 'putPersonalData');
  const entry = await getJson<ExchangeEntry>(ctx, keys.record(recordId));
  if (entry === undefined) {
    throw new CityLedgerError('NOT_FOUND', `no record ${recordId}`);
  }
  const record = entry.record;
  await requireCallingGateway(ctx, caller, record.gatewayId);
  if (record.personalDataSha256 === undefined) {
    throw new CityLedgerError('INVALID_ARGUMENT', `record ${recordId} announces no personal data`);
  }
  if (record.personalDataSha256 !== personalDataHash(data)) {
    throw new CityLedgerError('INVALID_ARGUMENT', 'personal data does not match record.personalDataSha256');
  }
  if ((await getJson<ErasureRecord>(ctx, keys.erasure(recordId))) !== undefined) {
    throw new CityLedgerError('CONFLICT', `personal data of record ${recordId} was erased`);
  }
  const collection = privateCollection(record.sourceDepartment);
  await ctx.stub.putPrivateData(collection, keys.personal(recordId), canonicalBytes(data));
  return { recordId, collection };
}
