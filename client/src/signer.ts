import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import type { Signer } from '@hyperledger/fabric-gateway';

/** Order of the P-256 group, and half of it: Fabric accepts only low-S ECDSA signatures. */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const P256_HALF_N = P256_N >> 1n;
const P256_COORDINATE_BYTES = 32;

/**
 * A signer for Fabric transactions built on Node's native ECDSA (OpenSSL), about ten times
 * faster than the SDK's pure-JS default. Use it with `hash.none` in the connect options: it
 * receives the whole message, hashes it with SHA-256 inside OpenSSL, normalises S to the lower
 * half of the group order (Fabric rejects high-S signatures) and returns the DER encoding.
 */
export function newFastSigner(privateKeyPem: string | KeyObject): Signer {
  const key = typeof privateKeyPem === 'string' ? createPrivateKey(privateKeyPem) : privateKeyPem;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    throw new TypeError(
      `fast signer needs an ECDSA P-256 private key, got ${key.asymmetricKeyType ?? '?'}/${curve ?? '?'}`,
    );
  }
  return (message: Uint8Array): Promise<Uint8Array> => {
    const raw = sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' });
    return Promise.resolve(toLowSDer(raw));
  };
}

/** Converts an IEEE-P1363 (r||s) P-256 signature into DER with S in the lower half. */
export function toLowSDer(p1363: Uint8Array): Uint8Array {
  if (p1363.length !== 2 * P256_COORDINATE_BYTES) {
    throw new TypeError(
      `expected a ${2 * P256_COORDINATE_BYTES}-byte r||s signature, got ${p1363.length} bytes`,
    );
  }
  const r = bytesToBigInt(p1363.subarray(0, P256_COORDINATE_BYTES));
  let s = bytesToBigInt(p1363.subarray(P256_COORDINATE_BYTES));
  if (s > P256_HALF_N) {
    s = P256_N - s;
  }
  const rDer = derInteger(r);
  const sDer = derInteger(s);
  const body = Buffer.concat([rDer, sDer]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function bytesToBigInt(bytes: Uint8Array): bigint {
  return BigInt('0x' + (Buffer.from(bytes).toString('hex') || '0'));
}

function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) {
    hex = '0' + hex;
  }
  let bytes = Buffer.from(hex, 'hex');
  const first = bytes[0] ?? 0;
  if (first & 0x80) {
    bytes = Buffer.concat([Buffer.from([0]), bytes]);
  }
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}
