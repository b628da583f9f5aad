import { type WriteOp } from './shim-protocol';

/**
 * A transaction's pending writes, in the order their keys were last written. Fabric applies a
 * transaction's writes to a key last-one-wins and none of them is visible to the transaction's own
 * reads, so keeping only the last put or delete of each key (and the last value of each metadata
 * entry) changes nothing the peer records.
 */
export class WriteBatch {
  readonly #ops = new Map<string, WriteOp>();

  get size(): number {
    return this.#ops.size;
  }

  add(op: WriteOp): void {
    const slot = [op.type === 'metadata' ? `m:${op.metakey}` : 's', op.collection, op.key].join('\u0000');
    // Delete first so that the slot moves to the end: the order of last writes is kept.
    this.#ops.delete(slot);
    this.#ops.set(slot, op);
  }

  /** Takes every pending op, in chunks of at most `max`. */
  drain(max: number): WriteOp[][] {
    if (!Number.isInteger(max) || max < 1) {
      throw new RangeError(`a write batch needs a positive size, not ${max}`);
    }
    const ops = [...this.#ops.values()];
    this.#ops.clear();
    const chunks: WriteOp[][] = [];
    for (let i = 0; i < ops.length; i += max) {
      chunks.push(ops.slice(i, i + max));
    }
    return chunks;
  }
}
