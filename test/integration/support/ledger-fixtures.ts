// The ledger objects every integration test corner needs: a model, a policy and an exchange record
// of a registered test gateway. One definition, used by the chaincode and auditor tests alike.
import { randomBytes, type KeyObject } from 'node:crypto';
import {
  type AccessPolicy,
  type DataDepartment,
  type ExchangeContent,
  type ModelSpec,
  sha256Hex,
} from '@cityledger/core';
import { uniqueId } from './gateway-identity';

/** A classifier entry with thresholds 0.5 / 0.9 and a random file hash, under a fresh id. */
export function testModel(prefix = 'itest-model'): ModelSpec {
  return {
    id: uniqueId(prefix),
    version: '1.0.0',
    kind: 'classifier',
    sha256: sha256Hex(randomBytes(32)),
    featureSpecSha256: sha256Hex('itest feature spec'),
    thresholds: { suspicious: 0.5, malicious: 0.9 },
    metrics: { f1: 0.9 },
  };
}

/** One grant to transport for emergency planning, valid from an hour ago for a day. */
export function testPolicy(category: string, version = 1): AccessPolicy {
  const now = Date.now();
  return {
    category,
    version,
    grants: [
      {
        grantee: 'transport',
        purposes: ['emergency-planning'],
        validFrom: new Date(now - 3_600_000).toISOString(),
        validUntil: new Date(now + 86_400_000).toISOString(),
        maxVerdict: 'suspicious',
      },
    ],
  };
}

export function privatePem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Who a test corner's records come from: its gateway, department, category and model. */
export interface RecordOrigin {
  readonly gatewayId: string;
  readonly department: DataDepartment;
  readonly category: string;
  readonly model: ModelSpec;
}

/** A benign, allowed exchange of `origin` (to transport, or energy for transport), observed now. */
export function exchangeContent(
  origin: RecordOrigin,
  overrides: Partial<ExchangeContent> = {},
): ExchangeContent {
  return {
    gatewayId: origin.gatewayId,
    sourceDepartment: origin.department,
    consumerDepartment: origin.department === 'transport' ? 'energy' : 'transport',
    category: origin.category,
    purpose: 'emergency-planning',
    payloadSha256: sha256Hex(randomBytes(16)),
    payloadSize: 1024,
    observedAt: new Date().toISOString(),
    threatScore: 0.1,
    verdict: 'benign',
    modelId: origin.model.id,
    modelVersion: origin.model.version,
    policyVersion: 1,
    decision: 'allow',
    ...overrides,
  };
}
