import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { canonicalBytes } from './canonical';
import { CityLedgerError } from './errors';
import type { BatchAnchor, BatchContent } from './batch';
import type { FlowAlert, FlowAlertContent } from './flow-alert';
import type { ExchangeContent, ExchangeRecord } from './record';

/**
 * Attestation format. A gateway signs, with its ECDSA P-256 key and SHA-256, the bytes
 *
 *     <context> "\n" <RFC 8785 canonical JSON of the content without its `signature` field>
 *
 * The context string separates the kinds (exchange records, batches, flow alerts): a signature over
 * one kind never verifies as another, even over identical bytes. The signature is encoded
 * IEEE P1363 (r || s, 32 bytes each, 64 bytes), then base64 (88 characters with padding).
 */
export const ATTESTATION_CONTEXT = {
  record: 'cityledger/exchange-record/v1',
  batch: 'cityledger/batch-anchor/v1',
  flowAlert: 'cityledger/flow-alert/v1',
} as const;
export type AttestationKind = keyof typeof ATTESTATION_CONTEXT;

/** Base64 of a 64-byte IEEE P1363 signature. */
export const SIGNATURE = /^[A-Za-z0-9+/]{86}==$/;

const P256 = 'prime256v1';

/** The content without its `signature` field: what is hashed and signed. */
export function withoutSignature<T extends object>(value: T): Omit<T, 'signature'> {
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  delete copy.signature;
  return copy as Omit<T, 'signature'>;
}

/** The exact bytes a gateway signs, given the canonical JSON of the content without its signature. */
function signedBytes(kind: AttestationKind, canonicalContent: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${ATTESTATION_CONTEXT[kind]}\n`, 'utf8'), canonicalContent]);
}

/** The exact bytes a gateway signs for a record, a batch or a flow alert. */
export function attestationMessage(kind: AttestationKind, content: object): Buffer {
  return signedBytes(kind, canonicalBytes(withoutSignature(content)));
}

function requireP256(key: KeyObject, what: string): KeyObject {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== P256) {
    throw new CityLedgerError('INVALID_ARGUMENT', `${what} must be an ECDSA P-256 key`);
  }
  return key;
}

/** Parses an SPKI PEM public key and checks it is ECDSA P-256. Throws INVALID_ARGUMENT. */
export function parseP256PublicKey(pem: string, what = 'public key'): KeyObject {
  if (!pem.startsWith('-----BEGIN PUBLIC KEY-----')) {
    throw new CityLedgerError('INVALID_ARGUMENT', `${what} must be an SPKI PEM ("BEGIN PUBLIC KEY")`);
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new CityLedgerError('INVALID_ARGUMENT', `${what} is not a valid PEM public key`);
  }
  return requireP256(key, what);
}

function parsePrivateKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new CityLedgerError('INVALID_ARGUMENT', 'private key is not a valid PEM private key');
  }
  return requireP256(key, 'private key');
}

/** Signs content (its `signature` field, if any, is ignored). Returns the base64 P1363 signature. */
export function signContent(kind: AttestationKind, privateKeyPem: string, content: object): string {
  const key = parsePrivateKey(privateKeyPem);
  const signature = sign('sha256', attestationMessage(kind, content), { key, dsaEncoding: 'ieee-p1363' });
  return signature.toString('base64');
}

/**
 * A verification key: an SPKI PEM, or the KeyObject `parseP256PublicKey` made of one (parse once,
 * verify many: parsing a PEM costs more than verifying a signature).
 */
export type AttestationKey = string | KeyObject;

/**
 * Verifies `content.signature` over the content. Returns false for a wrong or malformed signature;
 * throws INVALID_ARGUMENT only when the public key itself is unusable.
 */
export function verifyContent(
  kind: AttestationKind,
  publicKey: AttestationKey,
  content: { readonly signature: string },
): boolean {
  return verifyCanonicalContent(
    kind,
    publicKey,
    canonicalBytes(withoutSignature(content)),
    content.signature,
  );
}

/**
 * As `verifyContent`, for a caller that already holds the canonical JSON of the content without its
 * signature (e.g. the bytes a record id hashes), so the content is not encoded twice.
 */
export function verifyCanonicalContent(
  kind: AttestationKind,
  publicKey: AttestationKey,
  canonicalContent: Uint8Array,
  signature: string,
): boolean {
  const key = typeof publicKey === 'string' ? parseP256PublicKey(publicKey) : publicKey;
  if (!SIGNATURE.test(signature)) {
    return false;
  }
  return verify(
    'sha256',
    signedBytes(kind, canonicalContent),
    { key, dsaEncoding: 'ieee-p1363' },
    Buffer.from(signature, 'base64'),
  );
}

/** A gateway's signature over a record (its `signature` field, if any, is ignored). */
export function signAttestation(privateKeyPem: string, record: ExchangeContent): string {
  return signContent('record', privateKeyPem, record);
}

/** True when `record.signature` is the key's attestation of the record. */
export function verifyAttestation(publicKey: AttestationKey, record: ExchangeRecord): boolean {
  return verifyContent('record', publicKey, record);
}

/** A gateway's signature over a batch anchor (its `signature` field, if any, is ignored). */
export function signBatchAttestation(privateKeyPem: string, batch: BatchContent): string {
  return signContent('batch', privateKeyPem, batch);
}

/** True when `batch.signature` is the key's attestation of the batch. */
export function verifyBatchAttestation(publicKey: AttestationKey, batch: BatchAnchor): boolean {
  return verifyContent('batch', publicKey, batch);
}

/** A gateway's signature over a flow alert (its `signature` field, if any, is ignored). */
export function signFlowAlertAttestation(privateKeyPem: string, alert: FlowAlertContent): string {
  return signContent('flowAlert', privateKeyPem, alert);
}

/** True when `alert.signature` is the key's attestation of the flow alert. */
export function verifyFlowAlertAttestation(publicKey: AttestationKey, alert: FlowAlert): boolean {
  return verifyContent('flowAlert', publicKey, alert);
}
