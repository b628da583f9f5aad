import {
  CityLedgerError,
  type ErasureRecord,
  EVENTS,
  type ExchangeEntry,
  privateCollection,
} from '@cityledger/core';
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { checkHash, checkReason } from '../arguments';
import { CityLedgerContract } from '../base-contract';
import { canSee, getCaller, requireDepartmentRole } from '../caller';
import { keys } from '../ledger/keys';
import { emit, getJson, putJson, reply, txTime } from '../ledger/state';
import { putPersonalData } from './personal-data';

async function recordWithPersonalData(ctx: Context, recordId: string): Promise<ExchangeEntry> {
  const entry = await getJson<ExchangeEntry>(ctx, keys.record(recordId));
  if (entry === undefined) {
    throw new CityLedgerError('NOT_FOUND', `no record ${recordId}`);
  }
  if (entry.record.personalDataSha256 === undefined) {
    throw new CityLedgerError('NOT_FOUND', `record ${recordId} has no personal data`);
  }
  return entry;
}

/**
 * Personal data of records lives in the source department's private collection
 * (`<department>Private`); erasure purges it there and leaves a public erasure record.
 */
@Info({ title: 'PrivacyContract', description: 'Personal data in private collections and its erasure' })
export class PrivacyContract extends CityLedgerContract {
  constructor() {
    super('privacy');
  }

  /**
   * Stores a recorded exchange's personal data (transient `personalData`, hashing to the record's
   * `personalDataSha256`) in the source department's private collection; writes nothing public.
   * Submit endorsed by the source department's peer only. Caller: the record's gateway.
   */
  @Transaction()
  @Returns('string')
  public async putPersonalData(ctx: Context, recordId: string): Promise<string> {
    checkHash(recordId, 'recordId');
    return reply(await putPersonalData(ctx, recordId));
  }

  /**
   * Purges a record's personal data from its private collection (all history, on every member peer)
   * and stores a public erasure record; idempotent. `reason` is the erasure request reference, no
   * personal data. Caller: steward or admin of the record's source department.
   */
  @Transaction()
  @Returns('string')
  public async purgePrivateData(ctx: Context, recordId: string, reason: string): Promise<string> {
    checkHash(recordId, 'recordId');
    checkReason(reason);
    const caller = getCaller(ctx);
    const entry = await recordWithPersonalData(ctx, recordId);
    const department = entry.record.sourceDepartment;
    requireDepartmentRole(caller, department, ['steward', 'admin'], 'purgePrivateData');
    const existing = await getJson<ErasureRecord>(ctx, keys.erasure(recordId));
    if (existing !== undefined) {
      return reply(existing);
    }
    const collection = privateCollection(department);
    await ctx.stub.purgePrivateData(collection, keys.personal(recordId));
    const at = txTime(ctx);
    const txId = ctx.stub.getTxID();
    const erasure: ErasureRecord = { recordId, department, collection, reason, erasedAt: at, txId };
    await putJson(ctx, keys.erasure(recordId), erasure);
    emit(ctx, { type: EVENTS.personalDataErased, txId, at, recordId, department });
    return reply(erasure);
  }

  /**
   * A record's personal data (evaluate on a peer of the source department, the only collection
   * member). NOT_FOUND once purged. Caller: steward or admin of the record's source department.
   */
  @Transaction(false)
  @Returns('string')
  public async getPersonalData(ctx: Context, recordId: string): Promise<string> {
    checkHash(recordId, 'recordId');
    const caller = getCaller(ctx);
    const entry = await recordWithPersonalData(ctx, recordId);
    const department = entry.record.sourceDepartment;
    requireDepartmentRole(caller, department, ['steward', 'admin'], 'getPersonalData');
    const bytes = await ctx.stub.getPrivateData(privateCollection(department), keys.personal(recordId));
    if (bytes.length === 0) {
      throw new CityLedgerError('NOT_FOUND', `personal data of record ${recordId} is not held (purged?)`);
    }
    return Buffer.from(bytes).toString('utf8');
  }

  /** The erasure record of a record. Caller: audit org, or the record's source or consumer department. */
  @Transaction(false)
  @Returns('string')
  public async getErasure(ctx: Context, recordId: string): Promise<string> {
    checkHash(recordId, 'recordId');
    const caller = getCaller(ctx);
    const entry = await getJson<ExchangeEntry>(ctx, keys.record(recordId));
    if (entry === undefined) {
      throw new CityLedgerError('NOT_FOUND', `no record ${recordId}`);
    }
    if (!canSee(caller, entry.record.sourceDepartment, entry.record.consumerDepartment)) {
      throw new CityLedgerError(
        'UNAUTHORIZED',
        `record ${recordId} is visible to audit and the departments involved`,
      );
    }
    const erasure = await getJson<ErasureRecord>(ctx, keys.erasure(recordId));
    if (erasure === undefined) {
      throw new CityLedgerError('NOT_FOUND', `record ${recordId} has no erasure`);
    }
    return reply(erasure);
  }
}
