import './quiet-logs';
import {
  type AccessPolicy,
  canonicalJson,
  type ComplianceSummary,
  type ExchangeContent,
  type ExchangeRecord,
  mergeComplianceSummaries,
  type ModelSpec,
  signAttestation,
} from '@cityledger/core';
import {
  AuditContract,
  ExchangeContract,
  GatewayRegistryContract,
  ModelRegistryContract,
  PolicyContract,
  PrivacyContract,
  SystemContract,
} from '../../../chaincode/src';
import {
  accessPolicy,
  exchangeContent,
  gatewayRegistration,
  type KeyPair,
  modelSpec,
  p256Keys,
} from '../core/fixtures';
import { fabricId, type FakeIdentity, FakeNetwork, identity, outsider } from './fake-context';

/** A small city: contracts, the identities network/ enrolls, and a registered gateway, model and policy. */

export const contracts = {
  system: new SystemContract(),
  gateways: new GatewayRegistryContract(),
  models: new ModelRegistryContract(),
  policies: new PolicyContract(),
  exchange: new ExchangeContract(),
  privacy: new PrivacyContract(),
  audit: new AuditContract(),
};

export const who = {
  healthAdmin: identity('health', 'admin'),
  healthSteward: identity('health', 'steward'),
  healthGateway: identity('health', 'gateway'),
  healthGateway2: identity('health', 'gateway', 'gateway2'),
  transportAdmin: identity('transport', 'admin'),
  transportSteward: identity('transport', 'steward'),
  transportGateway: identity('transport', 'gateway'),
  energySteward: identity('energy', 'steward'),
  energyAdmin: identity('energy', 'admin'),
  auditAdmin: identity('audit', 'admin'),
  auditor: identity('audit', 'auditor'),
  outsider: outsider(),
};

/** Times: policy written, records observed, then submitted. */
export const T = {
  policyWritten: '2026-02-01T00:00:00.000Z',
  observed: '2026-03-01T10:00:00.000Z',
  now: '2026-03-01T12:00:00.000Z',
};

export interface World {
  readonly net: FakeNetwork;
  readonly keys: KeyPair;
  /** Signs content with the health gateway's attestation key. */
  sign(overrides?: Partial<ExchangeContent>): ExchangeRecord;
  /** Submits a record as the health gateway. */
  record(record: ExchangeRecord, transient?: Record<string, string>): ReturnType<FakeNetwork['submit']>;
}

export async function registerGateway(
  net: FakeNetwork,
  keys: KeyPair,
  id = 'health-gw-1',
  name = 'gateway',
): Promise<void> {
  const registration = gatewayRegistration(keys, {
    id,
    identity: { mspId: 'HealthMSP', id: fabricId(name, 'health') },
  });
  await net.submit(contracts.gateways, 'registerGateway', [canonicalJson(registration)], {
    as: who.healthSteward,
  });
}

export async function registerModel(net: FakeNetwork, spec: ModelSpec = modelSpec()): Promise<void> {
  await net.submit(contracts.models, 'registerModel', [canonicalJson(spec)], { as: who.healthSteward });
}

export async function putPolicy(
  net: FakeNetwork,
  policy: AccessPolicy = accessPolicy(),
  at = T.policyWritten,
): Promise<void> {
  await net.submit(contracts.policies, 'putPolicy', [canonicalJson(policy)], { as: who.healthSteward, at });
}

/** audit:complianceSummary of a period as `as` sees it, every page merged (following bookmarks). */
export async function complianceSummaryOf(
  net: FakeNetwork,
  as: FakeIdentity,
  query: object,
): Promise<ComplianceSummary> {
  let merged: ComplianceSummary | undefined;
  let bookmark = '';
  do {
    const res = await net.evaluate(
      contracts.audit,
      'complianceSummary',
      [canonicalJson({ ...query, ...(bookmark === '' ? {} : { bookmark }) })],
      { as },
    );
    const page = res.json() as ComplianceSummary;
    merged = merged === undefined ? page : mergeComplianceSummaries(merged, page);
    bookmark = page.bookmark;
  } while (bookmark !== '');
  return merged;
}

export async function setupWorld(): Promise<World> {
  const net = new FakeNetwork();
  net.clock = T.now;
  const keys = p256Keys();
  await registerGateway(net, keys);
  await registerModel(net);
  await putPolicy(net);
  const sign = (overrides: Partial<ExchangeContent> = {}): ExchangeRecord => {
    const content = exchangeContent(overrides);
    return { ...content, signature: signAttestation(keys.privateKeyPem, content) };
  };
  const record = (r: ExchangeRecord, transient?: Record<string, string>): ReturnType<FakeNetwork['submit']> =>
    net.submit(contracts.exchange, 'recordExchange', [canonicalJson(r)], {
      as: who.healthGateway,
      ...(transient === undefined ? {} : { transient }),
    });
  return { net, keys, sign, record };
}
