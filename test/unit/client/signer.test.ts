import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { newFastSigner, toLowSDer } from '@cityledger/client';

const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/** Reads r and s back out of a DER ECDSA signature. */
function parseDer(der: Uint8Array): { r: bigint; s: bigint } {
  const b = Buffer.from(der);
  expect(b[0]).toBe(0x30);
  expect(b[1]).toBe(b.length - 2);
  let offset = 2;
  const ints: bigint[] = [];
  for (let i = 0; i < 2; i++) {
    expect(b[offset]).toBe(0x02);
    const len = b[offset + 1]!;
    const bytes = b.subarray(offset + 2, offset + 2 + len);
    ints.push(BigInt('0x' + bytes.toString('hex')));
    offset += 2 + len;
  }
  expect(offset).toBe(b.length);
  return { r: ints[0]!, s: ints[1]! };
}

describe('newFastSigner', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

  it('produces DER signatures that verify and always have low S', async () => {
    const signer = newFastSigner(pem);
    for (let i = 0; i < 200; i++) {
      const message = Buffer.from(`transaction ${i}`);
      const der = await signer(message);
      expect(verify('sha256', message, publicKey, der)).toBe(true);
      const { s } = parseDer(der);
      expect(s <= P256_N >> 1n).toBe(true);
    }
  });

  it('rejects keys that are not P-256 ECDSA', () => {
    const ed = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(() => newFastSigner(ed)).toThrow(/P-256/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => newFastSigner(p384)).toThrow(/P-256/);
  });
});

describe('toLowSDer', () => {
  it('replaces a high S by n - S and keeps the signature valid', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const message = Buffer.from('high-s case');
    // Build a high-S signature from a valid one: (r, n - s) verifies too.
    const p1363 = Buffer.from(sign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' }));
    const s = BigInt('0x' + p1363.subarray(32).toString('hex'));
    const high = s > P256_N >> 1n ? s : P256_N - s;
    const highBytes = Buffer.from(high.toString(16).padStart(64, '0'), 'hex');
    const highSig = Buffer.concat([p1363.subarray(0, 32), highBytes]);
    const der = toLowSDer(highSig);
    expect(parseDer(der).s).toBe(P256_N - high);
    expect(verify('sha256', message, publicKey, der)).toBe(true);
  });

  it('rejects signatures of the wrong length', () => {
    expect(() => toLowSDer(new Uint8Array(63))).toThrow(/64-byte/);
  });
});
