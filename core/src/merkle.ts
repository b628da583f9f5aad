import { createHash } from 'node:crypto';
import { isSha256Hex } from './hash';

/**
 * RFC 6962 (Certificate Transparency) Merkle tree over byte strings:
 * leaf hash = SHA-256(0x00 || data), node hash = SHA-256(0x01 || left || right), empty tree = SHA-256("").
 * The tree of n leaves splits at the largest power of two below n; built bottom-up, that is the same as
 * carrying an unpaired last node up a level unchanged, which is what `MerkleTree` does.
 */

const LEAF_PREFIX = Buffer.from([0x00]);
const NODE_PREFIX = Buffer.from([0x01]);

export function merkleLeafHash(data: Uint8Array): Buffer {
  return createHash('sha256').update(LEAF_PREFIX).update(data).digest();
}

export function merkleNodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  return createHash('sha256').update(NODE_PREFIX).update(left).update(right).digest();
}

/** Proof that the leaf at `index` is in the tree of `size` leaves; `path` is hex, leaf to root. */
export interface InclusionProof {
  readonly index: number;
  readonly size: number;
  readonly path: readonly string[];
}

/** A Merkle tree with every level kept, so proofs for many leaves cost one build. */
export class MerkleTree {
  readonly #levels: Buffer[][];

  constructor(leaves: readonly Uint8Array[]) {
    const levels: Buffer[][] = [leaves.map((leaf) => merkleLeafHash(leaf))];
    let level = levels[0] ?? [];
    while (level.length > 1) {
      const next: Buffer[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) {
        next.push(merkleNodeHash(level[i] as Buffer, level[i + 1] as Buffer));
      }
      if (level.length % 2 === 1) {
        next.push(level[level.length - 1] as Buffer);
      }
      levels.push(next);
      level = next;
    }
    this.#levels = levels;
  }

  get size(): number {
    return this.#levels[0]?.length ?? 0;
  }

  /** The root as 64 hex characters. */
  root(): string {
    if (this.size === 0) {
      return createHash('sha256').digest('hex');
    }
    const top = this.#levels[this.#levels.length - 1] as Buffer[];
    return (top[0] as Buffer).toString('hex');
  }

  inclusionProof(index: number): InclusionProof {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) {
      throw new RangeError(`leaf index ${index} outside a tree of ${this.size}`);
    }
    const path: string[] = [];
    let i = index;
    for (const level of this.#levels.slice(0, -1)) {
      const sibling = i % 2 === 1 ? i - 1 : i + 1;
      if (sibling < level.length) {
        path.push((level[sibling] as Buffer).toString('hex'));
      }
      i = Math.floor(i / 2);
    }
    return { index, size: this.size, path };
  }
}

/** The RFC 6962 root (hex) of the given leaves. */
export function merkleRoot(leaves: readonly Uint8Array[]): string {
  return new MerkleTree(leaves).root();
}

/** Root implied by a leaf hash and its proof (RFC 9162, section 2.1.3.2), or undefined if malformed. */
function rootFromProof(leafHash: Buffer, proof: InclusionProof): Buffer | undefined {
  if (!Number.isSafeInteger(proof.index) || !Number.isSafeInteger(proof.size) || proof.index < 0) {
    return undefined;
  }
  if (proof.index >= proof.size) {
    return undefined;
  }
  let fn = proof.index;
  let sn = proof.size - 1;
  let r = leafHash;
  for (const hex of proof.path) {
    if (sn === 0 || !isSha256Hex(hex)) {
      return undefined;
    }
    const p = Buffer.from(hex, 'hex');
    if (fn % 2 === 1 || fn === sn) {
      r = merkleNodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = merkleNodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/** True when `leafData` is at `proof.index` of the tree of `proof.size` leaves whose root is `rootHex`. */
export function verifyInclusion(leafData: Uint8Array, proof: InclusionProof, rootHex: string): boolean {
  const root = rootFromProof(merkleLeafHash(leafData), proof);
  return root !== undefined && root.toString('hex') === rootHex;
}
