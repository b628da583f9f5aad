// A small, self-consistent ledger built with core: a gateway with its registry history, a model,
// a policy with two versions, signed records and a chain of batches. Tests tamper with copies.
import { generateKeyPairSync } from 'node:crypto';
import {
  GENESIS_ROOT,
  MerkleTree,
  batchId,
  batchLeafData,
  buildBatch,
  decide,
  flowAlertId,
  recordId,
  sha256Hex,
  signAttestation,
  signBatchAttestation,
  signFlowAlertAttestation,
  verdictFor,
  type BatchEntry,
  type ExchangeContent,
  type ExchangeEntry,
  type FlowAlertContent,
  type FlowAlertEntry,
  type GatewayEntry,
  type ModelEntry,
  type PolicyEntry,
} from '@cityledger/core';
import type { Versioned } from '../../../auditor/src/versions';

export interface Keys {
  readonly publicKeyPem: string;
  readonly privateKeyPem: string;
}

export function p256(): Keys {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

export const T0 = '2026-03-01T08:00:00.000Z';

export function at(minutes: number): string {
  return new Date(Date.parse(T0) + minutes * 60_000).toISOString();
}

export const keys = p256();
export const rotatedKeys = p256();

export const gateway: GatewayEntry = {
  id: 'health-gw-1',
  department: 'health',
  zone: 'hospital-north',
  identity: { mspId: 'HealthMSP', id: 'x509::/CN=gateway::/CN=ca.health' },
  attestationKeyPem: keys.publicKeyPem,
  status: 'active',
  registeredAt: at(0),
  updatedAt: at(0),
};

/** Registered at T0, key rotated at +120 min. */
export const gatewayHistory: Versioned<GatewayEntry>[] = [
  { value: gateway, txId: 'tx-gw-1', at: at(0) },
  {
    value: { ...gateway, attestationKeyPem: rotatedKeys.publicKeyPem, updatedAt: at(120) },
    txId: 'tx-gw-2',
    at: at(120),
  },
];

export const model: ModelEntry = {
  id: 'threat-clf',
  version: '1.2.0',
  kind: 'classifier',
  sha256: sha256Hex('onnx'),
  featureSpecSha256: sha256Hex('spec'),
  thresholds: { suspicious: 0.5, malicious: 0.9 },
  metrics: { f1: 0.93 },
  status: 'active',
  registeredAt: at(1),
  registeredBy: 'audit',
};

export const modelHistory: Versioned<ModelEntry>[] = [{ value: model, txId: 'tx-model-1', at: at(1) }];

export const policyV1: PolicyEntry = {
  category: 'health/patient-flow',
  version: 1,
  owner: 'health',
  createdAt: at(2),
  txId: 'tx-pol-1',
  grants: [
    {
      grantee: 'transport',
      purposes: ['emergency-planning'],
      validFrom: '2026-01-01T00:00:00.000Z',
      validUntil: '2027-01-01T00:00:00.000Z',
      maxVerdict: 'suspicious',
    },
  ],
};

/** v2 (+60 min) withdraws transport's grant. */
export const policyV2: PolicyEntry = {
  ...policyV1,
  version: 2,
  createdAt: at(60),
  txId: 'tx-pol-2',
  grants: [],
};
export const policyHistory: PolicyEntry[] = [policyV1, policyV2];

export function content(overrides: Partial<ExchangeContent> = {}): ExchangeContent {
  const base: ExchangeContent = {
    gatewayId: 'health-gw-1',
    sourceDepartment: 'health',
    consumerDepartment: 'transport',
    category: 'health/patient-flow',
    purpose: 'emergency-planning',
    payloadSha256: sha256Hex('payload bytes'),
    payloadSize: 13,
    observedAt: at(10),
    threatScore: 0.1,
    verdict: 'benign',
    modelId: 'threat-clf',
    modelVersion: '1.2.0',
    policyVersion: 1,
    decision: 'allow',
    ...overrides,
  };
  return base;
}

/** A stored entry for content signed with `signer`, committed at `recordedAt`; decision as decide() says. */
export function entryFor(c: ExchangeContent, recordedAt = c.observedAt, signer: Keys = keys): ExchangeEntry {
  const policy = policyHistory.find((p) => p.version === c.policyVersion)!;
  const scored: ExchangeContent = { ...c, verdict: verdictFor(c.threatScore, model.thresholds) };
  const d = decide(policy, scored, c.observedAt);
  const decided: ExchangeContent = { ...scored, decision: d.allow ? 'allow' : 'deny' };
  const record = { ...decided, signature: signAttestation(signer.privateKeyPem, decided) };
  return {
    id: recordId(record),
    record,
    recordedAt,
    txId: `tx-${recordId(record).slice(0, 8)}`,
    ...(d.allow ? {} : { denyReason: d.reason }),
  };
}

/** Three batches of benign records, chained from genesis, anchored at +20, +30, +40 min. */
export function batchChain(recordsPerBatch = 5): { batches: BatchEntry[]; contents: ExchangeContent[][] } {
  const batches: BatchEntry[] = [];
  const contents: ExchangeContent[][] = [];
  let prevRoot = GENESIS_ROOT;
  for (let b = 0; b < 3; b += 1) {
    const records = Array.from({ length: recordsPerBatch }, (_, i) =>
      content({
        observedAt: at(11 + b * 10 + i / 10),
        payloadSha256: sha256Hex(`flow ${b}.${i}`),
        payloadSize: 100 + i,
      }),
    );
    const built = buildBatch('health-gw-1', prevRoot, records);
    const anchor = { ...built, signature: signBatchAttestation(keys.privateKeyPem, built) };
    batches.push({
      id: batchId(anchor),
      seq: b + 1,
      batch: anchor,
      anchoredAt: at(20 + b * 10),
      txId: `tx-batch-${b + 1}`,
    });
    contents.push(records);
    prevRoot = built.root;
  }
  return { batches, contents };
}

/** What a gateway would answer for record `index` of batch `b`. */
export function proofResponse(
  chain: { batches: BatchEntry[]; contents: ExchangeContent[][] },
  b: number,
  index: number,
) {
  const records = chain.contents[b]!;
  const tree = new MerkleTree(records.map((r) => batchLeafData(r)));
  const batch = chain.batches[b]!;
  return {
    recordId: recordId(records[index]!),
    record: records[index]!,
    batch: { id: batch.id, seq: batch.seq, root: batch.batch.root },
    proof: tree.inclusionProof(index),
  };
}

export const anomalyModel: ModelEntry = {
  ...model,
  id: 'flow-anomaly',
  version: '2.0.0',
  kind: 'anomaly',
  thresholds: { suspicious: 0.7, malicious: 0.99 },
};

export const anomalyHistory: Versioned<ModelEntry>[] = [
  { value: anomalyModel, txId: 'tx-anomaly', at: at(1) },
];

export function alertContent(overrides: Partial<FlowAlertContent> = {}): FlowAlertContent {
  return {
    gatewayId: 'health-gw-1',
    zone: 'hospital-north',
    observedAt: at(15),
    flowStart: at(14),
    flowRef: sha256Hex('flow 1'),
    protocol: 6,
    dstPortBucket: 'well-known',
    fwdBytes: 1200,
    fwdPackets: 10,
    revBytes: 56000,
    revPackets: 44,
    threatScore: 0.95,
    verdict: 'malicious',
    modelId: model.id,
    modelVersion: model.version,
    anomalyScore: 0.3,
    anomalyModelId: anomalyModel.id,
    anomalyModelVersion: anomalyModel.version,
    ...overrides,
  };
}

/** A stored flow alert, signed with `signer`. */
export function alertEntry(c: FlowAlertContent, signer: Keys = keys): FlowAlertEntry {
  const alert = { ...c, signature: signFlowAlertAttestation(signer.privateKeyPem, c) };
  return {
    id: flowAlertId(c),
    alert,
    department: 'health',
    zone: 'hospital-north',
    recordedAt: at(16),
    txId: 'tx-alert',
  };
}
