import { createPrivateKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import {
  attestationMessage,
  canonicalBytes,
  recordContent,
  recordContentBytes,
  recordId,
  sha256Hex,
  signAttestation,
  signBatchAttestation,
  verifyAttestation,
  verifyBatchAttestation,
  verifyCanonicalContent,
  buildBatch,
} from '@cityledger/core';
import { exchangeContent, p256Keys, signedRecord } from './fixtures';

const keys = p256Keys();
const otherKeys = p256Keys();

describe('attestation', () => {
  it('signs the context line followed by the canonical content without signature', () => {
    const record = signedRecord(keys);
    const message = attestationMessage('record', record);
    const expected = Buffer.concat([
      Buffer.from('cityledger/exchange-record/v1\n'),
      canonicalBytes(recordContent(record)),
    ]);
    expect(message.equals(expected)).toBe(true);
    const signature = Buffer.from(record.signature, 'base64');
    expect(signature.length).toBe(64);
    // Independent check with Node's verifier in IEEE P1363 form.
    expect(verify('sha256', expected, { key: keys.publicKeyPem, dsaEncoding: 'ieee-p1363' }, signature)).toBe(
      true,
    );
  });

  it('verifies a genuine record', () => {
    expect(verifyAttestation(keys.publicKeyPem, signedRecord(keys))).toBe(true);
  });

  it('verifies from the canonical content bytes the record id hashes, as verifyAttestation does', () => {
    const record = signedRecord(keys);
    const content = recordContentBytes(record);
    expect(content.equals(canonicalBytes(recordContent(record)))).toBe(true);
    expect(sha256Hex(content)).toBe(recordId(record));
    expect(verifyCanonicalContent('record', keys.publicKeyPem, content, record.signature)).toBe(true);
    expect(verifyCanonicalContent('record', otherKeys.publicKeyPem, content, record.signature)).toBe(false);
    expect(verifyCanonicalContent('batch', keys.publicKeyPem, content, record.signature)).toBe(false);
    const altered = recordContentBytes({ ...record, decision: 'deny' });
    expect(verifyCanonicalContent('record', keys.publicKeyPem, altered, record.signature)).toBe(false);
    expect(verifyCanonicalContent('record', keys.publicKeyPem, content, 'AAAA')).toBe(false);
  });

  it('rejects a record signed by another key', () => {
    expect(verifyAttestation(keys.publicKeyPem, signedRecord(otherKeys))).toBe(false);
  });

  it('rejects a record altered after signing', () => {
    const record = signedRecord(keys);
    expect(verifyAttestation(keys.publicKeyPem, { ...record, decision: 'deny' })).toBe(false);
    expect(verifyAttestation(keys.publicKeyPem, { ...record, payloadSize: record.payloadSize + 1 })).toBe(
      false,
    );
  });

  it('rejects malformed and DER-encoded signatures', () => {
    const record = signedRecord(keys);
    expect(verifyAttestation(keys.publicKeyPem, { ...record, signature: 'AAAA' })).toBe(false);
    expect(
      verifyAttestation(keys.publicKeyPem, { ...record, signature: Buffer.alloc(64).toString('base64') }),
    ).toBe(false);
    const der = sign('sha256', attestationMessage('record', record), keys.privateKeyPem);
    expect(verifyAttestation(keys.publicKeyPem, { ...record, signature: der.toString('base64') })).toBe(
      false,
    );
  });

  it('does not accept a record signature as a batch signature (domain separation)', () => {
    const batch = buildBatch('health-gw-1', '0'.repeat(64), [exchangeContent()]);
    const signature = signBatchAttestation(keys.privateKeyPem, batch);
    expect(verifyBatchAttestation(keys.publicKeyPem, { ...batch, signature })).toBe(true);
    const asRecord = {
      ...exchangeContent(),
      signature: signAttestation(keys.privateKeyPem, exchangeContent()),
    };
    expect(verifyBatchAttestation(keys.publicKeyPem, { ...batch, signature: asRecord.signature })).toBe(
      false,
    );
  });

  it('refuses non-P-256 signing keys and unusable public keys', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect(() => signAttestation(rsa.toString(), exchangeContent())).toThrow(
      /^INVALID_ARGUMENT: private key/,
    );
    expect(() => signAttestation('garbage', exchangeContent())).toThrow(/^INVALID_ARGUMENT/);
    expect(() => verifyAttestation('garbage', signedRecord(keys))).toThrow(/^INVALID_ARGUMENT/);
    expect(createPrivateKey(keys.privateKeyPem).asymmetricKeyType).toBe('ec');
  });
});
