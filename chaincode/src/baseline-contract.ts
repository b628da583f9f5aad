import { CityLedgerError } from '@cityledger/core';
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { CityLedgerContract } from './base-contract';
import { getCaller } from './caller';
import { keys } from './ledger/keys';

/** Benchmark keys: short printable names without `~`, so `baseline~<key>` stays in its own namespace. */
const BASELINE_KEY = /^[A-Za-z0-9._-]{1,64}$/;
/** As large as the largest recordExchange argument, so the baseline can match any record's size. */
const MAX_VALUE_BYTES = 8_192;

/**
 * Benchmark only: the cheapest possible write, for comparing the cost of recordExchange with a bare
 * transaction of the same size on the same network (bench/chaincode.ts). Any consortium member may
 * call it; it writes only `baseline~<key>`, which no other contract reads or writes.
 */
@Info({ title: 'BaselineContract', description: 'Benchmark only: one bare putState' })
export class BaselineContract extends CityLedgerContract {
  constructor() {
    super('baseline');
  }

  /** Writes `value` under `baseline~<key>`. Caller: any consortium member (role and department). */
  @Transaction()
  @Returns('string')
  public async put(ctx: Context, key: string, value: string): Promise<string> {
    if (typeof key !== 'string' || !BASELINE_KEY.test(key)) {
      throw new CityLedgerError('INVALID_ARGUMENT', `key must match ${BASELINE_KEY.source}`);
    }
    if (typeof value !== 'string' || Buffer.byteLength(value, 'utf8') > MAX_VALUE_BYTES) {
      throw new CityLedgerError('PAYLOAD_TOO_LARGE', `value exceeds ${MAX_VALUE_BYTES} bytes`);
    }
    getCaller(ctx);
    await ctx.stub.putState(keys.baseline(key), Buffer.from(value, 'utf8'));
    return key;
  }
}
