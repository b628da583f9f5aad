import { randomBytes, type KeyObject } from 'node:crypto';
import {
  type AccessPolicy,
  canonicalJson,
  type DataDepartment,
  type ExchangeContent,
  type ExchangeOutcome,
  type ExchangeRecord,
  type FlowAlert,
  type FlowAlertContent,
  type ModelSpec,
  type PersonalData,
  type PolicyEntry,
  sha256Hex,
  signAttestation,
  signFlowAlertAttestation,
  TRANSIENT_PERSONAL_DATA,
} from '@cityledger/core';
import { type LedgerClient } from '@cityledger/client';
import { registerTestGateway, uniqueId } from '../support/gateway-identity';
import { type ClientPool, retryTransient } from '../support/network';

/**
 * A fresh corner of the (permanent) ledger for one test file: its own gateway, model and category,
 * so that runs never collide with earlier ones.
 */
export interface City {
  readonly steward: LedgerClient;
  readonly gateway: LedgerClient;
  readonly gatewayId: string;
  readonly attestationKey: KeyObject;
  readonly model: ModelSpec;
  readonly category: string;
  readonly policy: PolicyEntry;
  /** A signed record of this city, observed now unless overridden. */
  sign(overrides?: Partial<ExchangeContent>): ExchangeRecord;
  submit(record: ExchangeRecord): Promise<ExchangeOutcome>;
  /** Stores a recorded exchange's personal data, endorsed by the gateway's own org only. */
  putPersonalData(recordId: string, data: PersonalData): Promise<unknown>;
}

export function testModel(): ModelSpec {
  return {
    id: uniqueId('itest-model'),
    version: '1.0.0',
    kind: 'classifier',
    sha256: sha256Hex(randomBytes(32)),
    featureSpecSha256: sha256Hex('itest feature spec'),
    thresholds: { suspicious: 0.5, malicious: 0.9 },
    metrics: { f1: 0.9 },
  };
}

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

export async function buildCity(pool: ClientPool, department: DataDepartment = 'health'): Promise<City> {
  const steward = pool.as(department, 'steward');
  const gateway = pool.as(department, 'gateway');
  const { registration, attestationKey } = await registerTestGateway(steward, gateway, department);
  const model = testModel();
  await steward.submit('models:registerModel', [JSON.stringify(model)]);
  const category = uniqueId(`${department}/itest`);
  const policy = await steward.submitJson<PolicyEntry>('policies:putPolicy', [
    JSON.stringify(testPolicy(category)),
  ]);
  const pem = privatePem(attestationKey);
  const sign = (overrides: Partial<ExchangeContent> = {}): ExchangeRecord => {
    const content: ExchangeContent = {
      gatewayId: registration.id,
      sourceDepartment: department,
      consumerDepartment: department === 'transport' ? 'energy' : 'transport',
      category,
      purpose: 'emergency-planning',
      payloadSha256: sha256Hex(randomBytes(16)),
      payloadSize: 1024,
      observedAt: new Date().toISOString(),
      threatScore: 0.1,
      verdict: 'benign',
      modelId: model.id,
      modelVersion: model.version,
      policyVersion: 1,
      decision: 'allow',
      ...overrides,
    };
    return { ...content, signature: signAttestation(pem, content) };
  };
  // recordExchange is idempotent (content-derived ids), so a transient failure may be retried.
  const submit = (record: ExchangeRecord): Promise<ExchangeOutcome> =>
    retryTransient(() =>
      gateway.submitJson<ExchangeOutcome>('exchange:recordExchange', [JSON.stringify(record)]),
    );
  const putPersonalData = (recordId: string, data: PersonalData): Promise<unknown> =>
    gateway.submitJson('privacy:putPersonalData', [recordId], {
      transient: { [TRANSIENT_PERSONAL_DATA]: canonicalJson(data) },
      endorsingOrganizations: [gateway.mspId],
    });
  return {
    steward,
    gateway,
    gatewayId: registration.id,
    attestationKey,
    model,
    category,
    policy,
    sign,
    submit,
    putPersonalData,
  };
}

/** Awaits a call that must fail with a CityLedgerError of `code`. */
export async function expectCode(call: Promise<unknown>, code: string): Promise<void> {
  await expect(call).rejects.toMatchObject({ code });
}

/**
 * A malicious flow alert of a gateway that ended now, signed with `privateKeyPem`, scored by `model`
 * (thresholds 0.5 / 0.9) unless overridden.
 */
export function signFlowAlert(
  privateKeyPem: string,
  gatewayId: string,
  model: ModelSpec,
  overrides: Partial<FlowAlertContent> = {},
): FlowAlert {
  const end = Date.now();
  const content: FlowAlertContent = {
    gatewayId,
    observedAt: new Date(end).toISOString(),
    flowStart: new Date(end - 1500).toISOString(),
    flowRef: sha256Hex(randomBytes(32)),
    protocol: 6,
    dstPortBucket: 'registered',
    fwdBytes: 640,
    fwdPackets: 8,
    revBytes: 0,
    revPackets: 0,
    threatScore: 0.93,
    verdict: 'malicious',
    modelId: model.id,
    modelVersion: model.version,
    ...overrides,
  };
  return { ...content, signature: signFlowAlertAttestation(privateKeyPem, content) };
}
