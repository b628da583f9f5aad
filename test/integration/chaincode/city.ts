import { randomBytes, type KeyObject } from 'node:crypto';
import {
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
import { exchangeContent, privatePem, testModel, testPolicy } from '../support/ledger-fixtures';
import { type ClientPool, retryTransient } from '../support/network';

export { privatePem, testModel, testPolicy } from '../support/ledger-fixtures';

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
  const origin = { gatewayId: registration.id, department, category, model };
  const sign = (overrides: Partial<ExchangeContent> = {}): ExchangeRecord => {
    const content = exchangeContent(origin, overrides);
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
