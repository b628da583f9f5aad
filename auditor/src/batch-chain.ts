import { GENESIS_ROOT, type BatchEntry } from '@cityledger/core';
import { fail, pass, type CheckResult } from './checks';

/** The first break in a gateway's batch chain, or undefined when it is unbroken. */
export function batchChainBreak(gatewayId: string, batches: readonly BatchEntry[]): string | undefined {
  const ordered = [...batches].sort((a, b) => a.seq - b.seq);
  let prevRoot = GENESIS_ROOT;
  let prevAnchoredAt = '';
  for (const [i, entry] of ordered.entries()) {
    const expectedSeq = i + 1;
    if (entry.batch.gatewayId !== gatewayId) {
      return `batch ${entry.seq} belongs to ${entry.batch.gatewayId}, not ${gatewayId}`;
    }
    if (entry.seq !== expectedSeq) {
      return entry.seq === i
        ? `batch ${entry.seq} appears twice`
        : `batch ${expectedSeq} is missing (next on chain is ${entry.seq})`;
    }
    if (entry.batch.prevRoot !== prevRoot) {
      return `batch ${entry.seq}'s prevRoot ${entry.batch.prevRoot.slice(0, 12)}… is not batch ${i}'s root ${prevRoot.slice(0, 12)}… (removed or reordered)`;
    }
    if (entry.anchoredAt < prevAnchoredAt) {
      return `batch ${entry.seq} was anchored at ${entry.anchoredAt}, before batch ${i} (${prevAnchoredAt})`;
    }
    prevRoot = entry.batch.root;
    prevAnchoredAt = entry.anchoredAt;
  }
  return undefined;
}

/** `batch-chain`: each batch's prevRoot is the previous batch's root, from genesis, seq 1..n. */
export function checkBatchChain(gatewayId: string, batches: readonly BatchEntry[]): CheckResult {
  if (batches.length === 0) {
    return fail('batch-chain', `${gatewayId} has no batch on chain`);
  }
  const broken = batchChainBreak(gatewayId, batches);
  return broken === undefined
    ? pass(
        'batch-chain',
        `${batches.length} batches of ${gatewayId} chained from genesis, no gap, no reorder`,
      )
    : fail('batch-chain', broken);
}
