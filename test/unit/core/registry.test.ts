import { generateKeyPairSync } from 'node:crypto';
import {
  canChangeGatewayStatus,
  parseGatewayRegistration,
  parseModelSpec,
  verdictFor,
} from '@cityledger/core';
import { gatewayRegistration, modelSpec, p256Keys, withField } from './fixtures';

const keys = p256Keys();

describe('parseGatewayRegistration', () => {
  const registration = gatewayRegistration(keys);

  it('accepts a valid registration', () => {
    expect(parseGatewayRegistration(JSON.parse(JSON.stringify(registration)))).toEqual(registration);
  });

  it.each([
    ['id', 'GW 1'],
    ['department', 'audit'],
    ['zone', ''],
    ['identity', 'x509::/CN=a::/CN=b'],
    ['attestationKeyPem', 'not a key'],
    ['status', 'active'],
  ])('rejects %s = %j', (field, value) => {
    expect(() => parseGatewayRegistration(withField(registration, field, value))).toThrow(
      /^INVALID_ARGUMENT: gateway\./,
    );
  });

  it.each([
    ['mspId', 'Health MSP'],
    ['id', 'CN=gateway'],
    ['id', 'x509::/CN=a\n::/CN=b'],
    ['id', `x509::/CN=${'a'.repeat(1100)}::/CN=b`],
    ['extra', 1],
  ])('rejects identity %s = %j', (field, value) => {
    const bad = { ...registration, identity: withField(registration.identity, field, value) };
    expect(() => parseGatewayRegistration(bad)).toThrow(/^INVALID_ARGUMENT: gateway\.identity\./);
  });

  it("requires the identity's MSP to be the department's", () => {
    const bad = { ...registration, identity: { ...registration.identity, mspId: 'EnergyMSP' } };
    expect(() => parseGatewayRegistration(bad)).toThrow(/identity\.mspId must be HealthMSP/);
  });

  it('accepts only ECDSA P-256 SPKI public keys', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const ed = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' });
    for (const pem of [p384.toString(), ed.toString()]) {
      expect(() => parseGatewayRegistration({ ...registration, attestationKeyPem: pem })).toThrow(
        /^INVALID_ARGUMENT: gateway\.attestationKeyPem must be an ECDSA P-256 key/,
      );
    }
    const corrupt = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n';
    expect(() => parseGatewayRegistration({ ...registration, attestationKeyPem: corrupt })).toThrow(
      /not a valid PEM public key/,
    );
  });

  it('allows active<->suspended and revocation, never leaving revoked', () => {
    expect(canChangeGatewayStatus('active', 'suspended')).toBe(true);
    expect(canChangeGatewayStatus('suspended', 'active')).toBe(true);
    expect(canChangeGatewayStatus('active', 'revoked')).toBe(true);
    expect(canChangeGatewayStatus('suspended', 'revoked')).toBe(true);
    expect(canChangeGatewayStatus('revoked', 'active')).toBe(false);
    expect(canChangeGatewayStatus('active', 'active')).toBe(false);
  });
});

describe('parseModelSpec', () => {
  const spec = modelSpec();

  it('accepts a valid model', () => {
    expect(parseModelSpec(JSON.parse(JSON.stringify(spec)))).toEqual(spec);
  });

  it.each([
    ['id', 'Threat'],
    ['version', '1.2'],
    ['kind', 'regressor'],
    ['sha256', 'abc'],
    ['featureSpecSha256', ''],
    ['thresholds', { suspicious: 0.9, malicious: 0.5 }],
    ['thresholds', { suspicious: 0.5, malicious: 0.5 }],
    ['thresholds', { suspicious: 0.5, malicious: 1.5 }],
    ['thresholds', { suspicious: 0.5 }],
    ['thresholds', { suspicious: 0.5, malicious: 0.9, benign: 0 }],
    ['metrics', { F1: 0.9 }],
    ['metrics', { f1: 'high' }],
    ['metrics', Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`m${i}`, i]))],
    ['status', 'active'],
  ])('rejects %s = %j', (field, value) => {
    expect(() => parseModelSpec(withField(spec, field, value))).toThrow(/^INVALID_ARGUMENT: model\./);
  });

  it('maps scores to verdicts at the thresholds', () => {
    const t = { suspicious: 0.5, malicious: 0.9 };
    expect(verdictFor(0, t)).toBe('benign');
    expect(verdictFor(0.4999, t)).toBe('benign');
    expect(verdictFor(0.5, t)).toBe('suspicious');
    expect(verdictFor(0.8999, t)).toBe('suspicious');
    expect(verdictFor(0.9, t)).toBe('malicious');
    expect(verdictFor(1, t)).toBe('malicious');
  });
});
