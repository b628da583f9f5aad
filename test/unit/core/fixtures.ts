import { generateKeyPairSync } from 'node:crypto';
import {
  type AccessPolicy,
  type ExchangeContent,
  type ExchangeRecord,
  type FlowAlert,
  type FlowAlertContent,
  type GatewayRegistration,
  type ModelSpec,
  sha256Hex,
  signAttestation,
  signFlowAlertAttestation,
} from '@cityledger/core';

export interface KeyPair {
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

export function p256Keys(): KeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export const GATEWAY_FABRIC_ID =
  'x509::/C=US/ST=North Carolina/O=Hyperledger/OU=client/CN=gateway::/C=US/ST=North Carolina/O=Hyperledger/CN=ca.health';

export function gatewayRegistration(
  keys: KeyPair,
  overrides: Partial<GatewayRegistration> = {},
): GatewayRegistration {
  return {
    id: 'health-gw-1',
    department: 'health',
    zone: 'hospital-north',
    identity: { mspId: 'HealthMSP', id: GATEWAY_FABRIC_ID },
    attestationKeyPem: keys.publicKeyPem,
    ...overrides,
  };
}

export function modelSpec(overrides: Partial<ModelSpec> = {}): ModelSpec {
  return {
    id: 'threat-clf',
    version: '1.2.0',
    kind: 'classifier',
    sha256: sha256Hex('onnx model bytes'),
    featureSpecSha256: sha256Hex('feature spec'),
    thresholds: { suspicious: 0.5, malicious: 0.9 },
    metrics: { f1: 0.93, auc: 0.98 },
    ...overrides,
  };
}

export function accessPolicy(overrides: Partial<AccessPolicy> = {}): AccessPolicy {
  return {
    category: 'health/patient-flow',
    version: 1,
    grants: [
      {
        grantee: 'transport',
        purposes: ['emergency-planning', 'capacity'],
        validFrom: '2026-01-01T00:00:00.000Z',
        validUntil: '2027-01-01T00:00:00.000Z',
        maxVerdict: 'suspicious',
      },
    ],
    ...overrides,
  };
}

export function exchangeContent(overrides: Partial<ExchangeContent> = {}): ExchangeContent {
  return {
    gatewayId: 'health-gw-1',
    sourceDepartment: 'health',
    consumerDepartment: 'transport',
    category: 'health/patient-flow',
    purpose: 'emergency-planning',
    payloadSha256: sha256Hex('payload'),
    payloadSize: 2048,
    observedAt: '2026-03-01T10:00:00.000Z',
    threatScore: 0.12,
    verdict: 'benign',
    modelId: 'threat-clf',
    modelVersion: '1.2.0',
    policyVersion: 1,
    decision: 'allow',
    ...overrides,
  };
}

export function signedRecord(keys: KeyPair, overrides: Partial<ExchangeContent> = {}): ExchangeRecord {
  const content = exchangeContent(overrides);
  return { ...content, signature: signAttestation(keys.privateKeyPem, content) };
}

/** A deep copy with one field replaced or (value undefined) removed, as an untyped JSON value. */
export function withField(value: object, field: string, replacement: unknown): Record<string, unknown> {
  const copy = Object.entries(JSON.parse(JSON.stringify(value)) as Record<string, unknown>).filter(
    ([key]) => key !== field,
  );
  return Object.fromEntries(replacement === undefined ? copy : [...copy, [field, replacement]]);
}

/** A suspicious flow scored by the classifier of `modelSpec()` (thresholds 0.5 / 0.9). */
export function flowAlertContent(overrides: Partial<FlowAlertContent> = {}): FlowAlertContent {
  return {
    gatewayId: 'health-gw-1',
    observedAt: '2026-03-01T10:00:00.000Z',
    flowStart: '2026-03-01T09:59:58.250Z',
    flowRef: sha256Hex('flow 1'),
    protocol: 6,
    dstPortBucket: 'well-known',
    fwdBytes: 1200,
    fwdPackets: 10,
    revBytes: 40_000,
    revPackets: 30,
    threatScore: 0.7,
    verdict: 'suspicious',
    modelId: 'threat-clf',
    modelVersion: '1.2.0',
    ...overrides,
  };
}

export function signedFlowAlert(keys: KeyPair, overrides: Partial<FlowAlertContent> = {}): FlowAlert {
  const content = flowAlertContent(overrides);
  return { ...content, signature: signFlowAlertAttestation(keys.privateKeyPem, content) };
}

/** An anomaly model as models/ registers one: a single threshold, `malicious` 1 (never used). */
export function anomalyModelSpec(overrides: Partial<ModelSpec> = {}): ModelSpec {
  return modelSpec({
    id: 'flow-anomaly',
    version: '1.0.0',
    kind: 'anomaly',
    thresholds: { suspicious: 0.72, malicious: 1 },
    ...overrides,
  });
}
