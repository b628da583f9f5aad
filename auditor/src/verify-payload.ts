import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { ExchangeEntry } from '@cityledger/core';
import { fail, pass, type CheckResult } from './checks';

/** The sha256 (hex) and size of a local payload file, read as a stream. */
export interface PayloadDigest {
  readonly sha256: string;
  readonly size: number;
}

export async function digestFile(file: string): Promise<PayloadDigest> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    size += bytes.length;
  }
  return { sha256: hash.digest('hex'), size };
}

/** `verify payload`: the local digest against the record on chain. */
export function verifyPayloadEvidence(
  id: string,
  entry: ExchangeEntry | undefined,
  digest: PayloadDigest,
): CheckResult[] {
  if (entry?.id !== id) {
    return [fail('record-on-chain', `no record ${id} on the ledger`)];
  }
  const { payloadSha256, payloadSize } = entry.record;
  return [
    pass('record-on-chain', `committed ${entry.recordedAt} in transaction ${entry.txId}`),
    digest.sha256 === payloadSha256
      ? pass('payload-sha256', `file sha256 ${digest.sha256} = payloadSha256 on chain`)
      : fail('payload-sha256', `file sha256 ${digest.sha256} ≠ payloadSha256 on chain ${payloadSha256}`),
    digest.size === payloadSize
      ? pass('payload-size', `${digest.size} bytes = payloadSize on chain`)
      : fail('payload-size', `file has ${digest.size} bytes, payloadSize on chain is ${payloadSize}`),
  ];
}
