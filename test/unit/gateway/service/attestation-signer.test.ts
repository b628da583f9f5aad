import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  CityLedgerError,
  parseP256PublicKey,
  signAttestation,
  verifyAttestation,
  verifyBatchAttestation,
  buildBatch,
} from '@cityledger/core';
import { attest, generateKeyFile, KeyFileSigner } from '../../../../gateway/src/attestation-signer';
import { tempDir } from './helpers';

const CONTENT = {
  gatewayId: 'transport-gw-1',
  sourceDepartment: 'transport',
  consumerDepartment: 'energy',
  category: 'transport/traffic-counts',
  purpose: 'load-forecast',
  payloadSha256: 'a'.repeat(64),
  payloadSize: 10,
  observedAt: '2026-03-01T10:00:00.000Z',
  threatScore: 0.1,
  verdict: 'benign',
  modelId: 'flow-classifier',
  modelVersion: '1.0.0',
  policyVersion: 1,
  decision: 'allow',
} as const;

describe('attestation signer', () => {
  const tmp = tempDir();
  afterAll(() => {
    tmp.remove();
  });

  it('writes a P-256 key file readable only by its owner, and will not overwrite it', () => {
    const file = path.join(tmp.dir, 'attestation.pem');
    const publicKeyPem = generateKeyFile(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parseP256PublicKey(publicKeyPem).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(KeyFileSigner.fromFile(file).publicKeyPem).toBe(publicKeyPem);
    const before = readFileSync(file, 'utf8');
    expect(() => generateKeyFile(file)).toThrow(/EEXIST/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('signs in core’s attestation format: core verifies records and batches it signs', async () => {
    const file = path.join(tmp.dir, 'format.pem');
    generateKeyFile(file);
    const signer = KeyFileSigner.fromFile(file);
    const record = { ...CONTENT, signature: await attest(signer, 'record', CONTENT) };
    expect(verifyAttestation(signer.publicKeyPem, record)).toBe(true);
    expect(verifyAttestation(signer.publicKeyPem, { ...record, payloadSize: 11 })).toBe(false);
    // And core's own signer with the same key produces signatures that verify the same way.
    const pem = readFileSync(file, 'utf8');
    expect(
      verifyAttestation(signer.publicKeyPem, { ...CONTENT, signature: signAttestation(pem, CONTENT) }),
    ).toBe(true);
    const batch = buildBatch('transport-gw-1', '0'.repeat(64), [CONTENT]);
    const anchor = { ...batch, signature: await attest(signer, 'batch', batch) };
    expect(verifyBatchAttestation(signer.publicKeyPem, anchor)).toBe(true);
    // A record signature is not a batch signature (separate contexts).
    expect(verifyBatchAttestation(signer.publicKeyPem, { ...batch, signature: record.signature })).toBe(
      false,
    );
  });

  it('refuses keys that are not ECDSA P-256, and unreadable files', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect(() => KeyFileSigner.fromPem(rsa.toString())).toThrow(CityLedgerError);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    expect(() => KeyFileSigner.fromPem(p384.toString())).toThrow(/P-256/);
    expect(() => KeyFileSigner.fromPem('not a key')).toThrow(/not a PEM private key/);
    expect(() => KeyFileSigner.fromFile(path.join(tmp.dir, 'missing.pem'))).toThrow(
      /cannot read attestation key/,
    );
  });
});
