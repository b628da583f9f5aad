import { createHash } from 'node:crypto';
import { MerkleTree, merkleLeafHash, merkleNodeHash, merkleRoot, verifyInclusion } from '@cityledger/core';

// Reference implementation written straight from the RFC 6962 section 2.1 definitions (recursive),
// independent of the bottom-up tree under test.
function sha(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  parts.forEach((p) => h.update(p));
  return h.digest();
}
function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) {
    k *= 2;
  }
  return k;
}
function mth(d: Uint8Array[]): Buffer {
  if (d.length === 0) {
    return sha();
  }
  if (d.length === 1) {
    return sha(Buffer.from([0]), d[0]!);
  }
  const k = largestPowerOfTwoBelow(d.length);
  return sha(Buffer.from([1]), mth(d.slice(0, k)), mth(d.slice(k)));
}
function path(m: number, d: Uint8Array[]): Buffer[] {
  if (d.length <= 1) {
    return [];
  }
  const k = largestPowerOfTwoBelow(d.length);
  return m < k
    ? [...path(m, d.slice(0, k)), mth(d.slice(k))]
    : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}

// The leaves used by the Certificate Transparency reference tests.
const CT_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map((hex) => Buffer.from(hex, 'hex'));

const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

function leaves(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.from(`record-${i}`));
}

describe('RFC 6962 Merkle tree', () => {
  it('hashes leaves and nodes with domain-separation prefixes', () => {
    expect(merkleLeafHash(Buffer.alloc(0)).toString('hex')).toBe(sha(Buffer.from([0])).toString('hex'));
    const l = Buffer.alloc(32, 1);
    const r = Buffer.alloc(32, 2);
    expect(merkleNodeHash(l, r).equals(sha(Buffer.from([1]), l, r))).toBe(true);
  });

  it('has the empty-tree root SHA-256("")', () => {
    expect(merkleRoot([])).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('matches the Certificate Transparency reference roots for 1 to 8 leaves', () => {
    CT_ROOTS.forEach((root, i) => {
      expect(merkleRoot(CT_LEAVES.slice(0, i + 1))).toBe(root);
    });
  });

  it('matches the CT reference inclusion proof of leaf 0 in the tree of 8', () => {
    expect(new MerkleTree(CT_LEAVES).inclusionProof(0).path).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
  });

  it('equals the recursive RFC definition, roots and proofs, for every size up to 33', () => {
    for (let n = 0; n <= 33; n += 1) {
      const d = leaves(n);
      const tree = new MerkleTree(d);
      expect(tree.root()).toBe(mth(d).toString('hex'));
      for (let m = 0; m < n; m += 1) {
        expect(tree.inclusionProof(m).path).toEqual(path(m, d).map((h) => h.toString('hex')));
      }
    }
  });

  it('verifies every leaf of non-power-of-two trees', () => {
    for (const n of [1, 3, 5, 6, 7, 9, 13, 100]) {
      const d = leaves(n);
      const tree = new MerkleTree(d);
      d.forEach((leaf, m) => {
        expect(verifyInclusion(leaf, tree.inclusionProof(m), tree.root())).toBe(true);
      });
    }
  });

  it('rejects wrong leaves, indices, sizes, roots and tampered paths', () => {
    const d = leaves(11);
    const tree = new MerkleTree(d);
    const root = tree.root();
    const proof = tree.inclusionProof(6);
    const other = proof.path[1]!;
    const flipped = (other[0] === '0' ? '1' : '0') + other.slice(1);
    expect(verifyInclusion(d[6]!, proof, root)).toBe(true);
    expect(verifyInclusion(d[5]!, proof, root)).toBe(false);
    expect(verifyInclusion(d[6]!, { ...proof, index: 5 }, root)).toBe(false);
    expect(verifyInclusion(d[6]!, { ...proof, size: 8 }, root)).toBe(false);
    expect(verifyInclusion(d[6]!, { ...proof, size: 6 }, root)).toBe(false);
    expect(verifyInclusion(d[6]!, { ...proof, path: proof.path.slice(0, -1) }, root)).toBe(false);
    expect(verifyInclusion(d[6]!, { ...proof, path: [...proof.path, other] }, root)).toBe(false);
    expect(
      verifyInclusion(d[6]!, { ...proof, path: proof.path.map((h, i) => (i === 1 ? flipped : h)) }, root),
    ).toBe(false);
    expect(verifyInclusion(d[6]!, { ...proof, path: ['zz'] }, root)).toBe(false);
    expect(verifyInclusion(d[6]!, proof, merkleRoot(d.slice(0, 10)))).toBe(false);
    expect(verifyInclusion(d[6]!, { ...proof, index: -1 }, root)).toBe(false);
    expect(verifyInclusion(d[6]!, { ...proof, index: 11 }, root)).toBe(false);
  });

  it('refuses proofs for leaves outside the tree', () => {
    expect(() => new MerkleTree(leaves(3)).inclusionProof(3)).toThrow(RangeError);
    expect(() => new MerkleTree([]).inclusionProof(0)).toThrow(RangeError);
  });

  it('builds a 10,000-leaf tree once and proves any leaf', () => {
    const d = leaves(10_000);
    const tree = new MerkleTree(d);
    for (const m of [0, 4095, 8191, 8192, 9999]) {
      expect(verifyInclusion(d[m]!, tree.inclusionProof(m), tree.root())).toBe(true);
    }
    expect(tree.inclusionProof(9999).path.length).toBeLessThanOrEqual(14);
  });
});
