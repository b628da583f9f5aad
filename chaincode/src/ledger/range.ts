import { CityLedgerError } from '@cityledger/core';
import { type Context } from 'fabric-contract-api';

export interface KeyValue {
  readonly key: string;
  readonly value: Buffer;
}

export interface KeyPage {
  readonly entries: readonly KeyValue[];
  /** Empty when the range is exhausted. */
  readonly bookmark: string;
}

/**
 * One page of `[start, end)` (evaluate-only: Fabric allows paginated queries in read-only
 * transactions). The peer resumes a page at the bookmark key, so a bookmark outside the range is
 * refused: it would otherwise start the scan in another viewer's index.
 */
export async function readPage(
  ctx: Context,
  start: string,
  end: string,
  pageSize: number,
  bookmark: string,
): Promise<KeyPage> {
  if (bookmark !== '' && (bookmark < start || bookmark >= end)) {
    throw new CityLedgerError('INVALID_ARGUMENT', 'bookmark does not belong to this query');
  }
  const response = await ctx.stub.getStateByRangeWithPagination(start, end, pageSize, bookmark);
  const { iterator } = response;
  // The shim leaves `metadata` out when the peer's QueryResponseMetadata encodes to nothing (an
  // empty page without bookmark), whatever its typing says.
  const metadata = response.metadata as typeof response.metadata | undefined;
  const entries: KeyValue[] = [];
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      entries.push({ key: r.value.key, value: Buffer.from(r.value.value) });
    }
  } finally {
    await iterator.close();
  }
  return { entries, bookmark: metadata?.bookmark ?? '' };
}
