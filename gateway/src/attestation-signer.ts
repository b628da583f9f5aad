import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { type AttestationKind, CityLedgerError, attestationMessage } from '@cityledger/core';

/**
 * What signs the gateway's attestations. `sign` receives the exact message bytes of core's
 * attestation format (`attestationMessage`) and returns the base64 IEEE-P1363 ECDSA P-256 / SHA-256
 * signature. A key file implements it today; a TPM or HSM can implement it later.
 */
export interface AttestationSigner {
  /** SPKI PEM of the public key, as registered on chain. */
  readonly publicKeyPem: string;
  sign(message: Uint8Array): Promise<string>;
  /**
   * Optional capability of a signer whose private key is held in this process (the key file): the
   * key, for worker threads of this process to sign with `signWithKey` (posted to a worker, a
   * KeyObject is cloned, never exported as text). A signer whose key cannot leave its device (TPM,
   * HSM) has none, and its signatures are made through `sign` on the main thread.
   */
  workerKey?(): KeyObject;
}

/** core's attestation signature of `message` with a P-256 key: base64 IEEE-P1363 ECDSA / SHA-256. */
export function signWithKey(key: KeyObject, message: Uint8Array): string {
  return sign('sha256', message, { key, dsaEncoding: 'ieee-p1363' }).toString('base64');
}

/** Signs a record's or batch's content in core's attestation format. */
export async function attest(
  signer: AttestationSigner,
  kind: AttestationKind,
  content: object,
): Promise<string> {
  return signer.sign(attestationMessage(kind, content));
}

function requireP256(key: KeyObject, file: string): KeyObject {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new CityLedgerError('INVALID_ARGUMENT', `${file} must hold an ECDSA P-256 private key`);
  }
  return key;
}

/** An attestation signer backed by a PEM private key file (PKCS#8 or SEC1). */
export class KeyFileSigner implements AttestationSigner {
  readonly publicKeyPem: string;
  readonly #key: KeyObject;

  private constructor(key: KeyObject) {
    this.#key = key;
    this.publicKeyPem = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  }

  static fromFile(file: string): KeyFileSigner {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (err) {
      throw new CityLedgerError('INVALID_ARGUMENT', `cannot read attestation key ${file}`, { cause: err });
    }
    return KeyFileSigner.fromPem(pem, file);
  }

  static fromPem(pem: string, what = 'attestation key'): KeyFileSigner {
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: pem, format: 'pem' });
    } catch {
      throw new CityLedgerError('INVALID_ARGUMENT', `${what} is not a PEM private key`);
    }
    return new KeyFileSigner(requireP256(key, what));
  }

  sign(message: Uint8Array): Promise<string> {
    return Promise.resolve(signWithKey(this.#key, message));
  }

  workerKey(): KeyObject {
    return this.#key;
  }
}

/**
 * Generates an ECDSA P-256 key pair and writes the private key (PKCS#8 PEM) to `file` with mode 0600,
 * refusing to overwrite an existing file. Returns the public key (SPKI PEM) to register on chain.
 */
export function generateKeyFile(file: string): string {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const fd = openSync(file, 'wx', 0o600);
  try {
    writeSync(fd, pem);
  } finally {
    closeSync(fd);
  }
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}
