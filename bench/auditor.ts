// Auditor benchmark, in process on generated data built with core (no network needed):
//  - verification rate: records/s through every `verify record` check (ECDSA P-256 attestation with
//    the key registered at the time, record id, model and verdict, policy version and decide());
//  - inclusion proofs/s: full `verify inclusion` (proof against the root on chain, batch signature,
//    batch chain of 20 batches), and the RFC 6962 proof alone;
//  - dashboard query latency on an off-chain index of >= 100,000 records (SQLite file), per query
//    and for the whole dashboard answer, over a 24 h and a 7 d window.
//
//   npm run bench -- auditor [--records N] [--seconds S]     writes bench/results/auditor.json
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  GENESIS_ROOT,
  MerkleTree,
  batchId,
  batchLeafData,
  buildBatch,
  decide,
  recordId,
  sha256Hex,
  signAttestation,
  signBatchAttestation,
  verdictFor,
  verifyInclusion,
  type BatchEntry,
  type ExchangeContent,
  type ExchangeEntry,
  type GatewayEntry,
  type ModelEntry,
  type PolicyEntry,
  type Verdict,
} from '@cityledger/core';
import {
  IndexQueries,
  LedgerIndex,
  verified,
  verifyInclusionEvidence,
  verifyRecordEvidence,
  windowFor,
  type ParsedBlock,
  type Versioned,
} from '@cityledger/auditor';
import { type Figure, percentile, saveResults } from './lib/report';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const INDEX_RECORDS = Math.max(100_000, arg('--records', 100_000));
const SECONDS = arg('--seconds', 2);
const NOW = Date.UTC(2026, 2, 8, 12, 0, 0);
const T0 = NOW - 7 * 24 * 3600_000;

/** A deterministic generator (mulberry32), so every run indexes the same ledger. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const publicPem = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const privatePem = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const iso = (ms: number): string => new Date(ms).toISOString();

const gateway: GatewayEntry = {
  id: 'health-gw-1',
  department: 'health',
  zone: 'hospital-north',
  identity: { mspId: 'HealthMSP', id: 'x509::/CN=gateway::/CN=ca.health' },
  attestationKeyPem: publicPem,
  status: 'active',
  registeredAt: iso(T0),
  updatedAt: iso(T0),
};
const gatewayHistory: Versioned<GatewayEntry>[] = [{ value: gateway, txId: 'tx-gw', at: iso(T0) }];
const model: ModelEntry = {
  id: 'threat-clf',
  version: '1.0.0',
  kind: 'classifier',
  sha256: sha256Hex('model'),
  featureSpecSha256: sha256Hex('spec'),
  thresholds: { suspicious: 0.5, malicious: 0.9 },
  metrics: {},
  status: 'active',
  registeredAt: iso(T0),
  registeredBy: 'health',
};
const modelHistory: Versioned<ModelEntry>[] = [{ value: model, txId: 'tx-m', at: iso(T0) }];
const policy: PolicyEntry = {
  category: 'health/patient-flow',
  version: 1,
  owner: 'health',
  createdAt: iso(T0),
  txId: 'tx-p',
  grants: [
    {
      grantee: 'transport',
      purposes: ['emergency-planning'],
      validFrom: iso(T0 - 1000),
      validUntil: iso(NOW + 86_400_000),
      maxVerdict: 'suspicious',
    },
  ],
};

function content(i: number, random: () => number): ExchangeContent {
  const threatScore = Math.round(random() * 1000) / 1000;
  const base: ExchangeContent = {
    gatewayId: gateway.id,
    sourceDepartment: 'health',
    consumerDepartment: 'transport',
    category: policy.category,
    purpose: random() < 0.9 ? 'emergency-planning' : 'marketing',
    payloadSha256: sha256Hex(`payload ${i}`),
    payloadSize: 1000 + i,
    observedAt: iso(T0 + 3600_000 + i * 1000),
    threatScore,
    verdict: verdictFor(threatScore, model.thresholds),
    modelId: model.id,
    modelVersion: model.version,
    policyVersion: 1,
    decision: 'allow',
  };
  return { ...base, decision: decide(policy, base, base.observedAt).allow ? 'allow' : 'deny' };
}

function signedEntries(n: number): ExchangeEntry[] {
  const random = rng(7);
  return Array.from({ length: n }, (_, i) => {
    const c = content(i, random);
    const record = { ...c, signature: signAttestation(privatePem, c) };
    const d = decide(policy, c, c.observedAt);
    return {
      id: recordId(c),
      record,
      recordedAt: iso(Date.parse(c.observedAt) + 1500),
      txId: `tx-${i}`,
      ...(d.allow ? {} : { denyReason: d.reason }),
    };
  });
}

/** Runs `fn` over the items, round after round, for about `seconds`; returns items per second. */
function rate<T>(items: readonly T[], seconds: number, fn: (item: T) => void): number {
  let done = 0;
  const start = process.hrtime.bigint();
  const limit = start + BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() < limit) {
    for (const item of items) {
      fn(item);
    }
    done += items.length;
  }
  return done / (Number(process.hrtime.bigint() - start) / 1e9);
}

function verificationFigures(): Figure[] {
  const entries = signedEntries(500);
  const recordRate = rate(entries, SECONDS, (entry) => {
    const checks = verifyRecordEvidence({
      id: entry.id,
      entry,
      gatewayHistory,
      modelHistory,
      policyHistory: [policy],
    });
    if (!verified(checks)) {
      throw new Error(`generated record ${entry.id} does not verify`);
    }
  });
  // A chain of 20 batches of 1,000 records; proofs for leaves spread over the last batch.
  const batches: BatchEntry[] = [];
  let prevRoot = GENESIS_ROOT;
  let last: { records: ExchangeContent[]; tree: MerkleTree; entry: BatchEntry } | undefined;
  const random = rng(11);
  for (let b = 0; b < 20; b += 1) {
    const records = Array.from({ length: 1000 }, (_, i) => content(b * 1000 + i, random));
    const built = buildBatch(gateway.id, prevRoot, records);
    const anchor = { ...built, signature: signBatchAttestation(privatePem, built) };
    const entry: BatchEntry = {
      id: batchId(anchor),
      seq: b + 1,
      batch: anchor,
      anchoredAt: iso(T0 + 3600_000 * (b + 1)),
      txId: `tx-b${b}`,
    };
    batches.push(entry);
    last = { records, tree: new MerkleTree(records.map((r) => batchLeafData(r))), entry };
    prevRoot = built.root;
  }
  const final = last!;
  const responses = Array.from({ length: 200 }, (_, k) => {
    const index = (k * 37) % final.records.length;
    const record = final.records[index]!;
    return {
      id: recordId(record),
      response: { record, batchId: final.entry.id, proof: final.tree.inclusionProof(index) },
    };
  });
  const inclusionRate = rate(responses, SECONDS, ({ id, response }) => {
    if (!verified(verifyInclusionEvidence({ id, response, batches, gatewayHistory }))) {
      throw new Error('generated proof does not verify');
    }
  });
  const proofOnly = rate(responses, SECONDS, ({ response }) => {
    if (!verifyInclusion(batchLeafData(response.record), response.proof, final.entry.batch.root)) {
      throw new Error('proof');
    }
  });
  return [
    {
      name: 'verify record: all checks (signature, id, model, verdict, policy, decide)',
      value: Math.round(recordRate),
      unit: 'records/s',
    },
    {
      name: 'verify inclusion: proof + batch signature + 20-batch chain',
      value: Math.round(inclusionRate),
      unit: 'proofs/s',
    },
    {
      name: 'verify inclusion: RFC 6962 proof only (1,000-leaf batch)',
      value: Math.round(proofOnly),
      unit: 'proofs/s',
    },
  ];
}

const ZONES = [
  'hospital-north',
  'hospital-south',
  'harbour',
  'old-town',
  'ring-road',
  'airport',
  'stadium',
  'university',
];
const VERDICT_BY_ROLL: readonly [number, Verdict][] = [
  [0.9, 'benign'],
  [0.97, 'suspicious'],
  [1, 'malicious'],
];

/** Synthetic blocks for the index: gateways in eight zones, then records spread over seven days. */
function indexBlocks(total: number): ParsedBlock[] {
  const random = rng(3);
  const gateways: GatewayEntry[] = ZONES.flatMap((zone, z) =>
    [0, 1, 2].map((g) => ({ ...gateway, id: `gw-${z}-${g}`, zone, department: 'health' as const })),
  );
  const blocks: ParsedBlock[] = [
    {
      number: 0n,
      transactions: gateways.map((g, i) => ({
        txId: `tx-g${i}`,
        timestamp: iso(T0),
        index: i,
        validationCode: 0,
        valid: true,
        writes: [{ key: `gateway~${g.id}`, value: Buffer.from(JSON.stringify(g)) }],
        events: [],
      })),
    },
  ];
  const perBlock = 100;
  const span = NOW - T0;
  for (let b = 0; b * perBlock < total; b += 1) {
    const transactions = Array.from({ length: Math.min(perBlock, total - b * perBlock) }, (_, k) => {
      const i = b * perBlock + k;
      const observed = T0 + Math.floor((i / total) * span);
      const roll = random();
      const verdict = VERDICT_BY_ROLL.find(([p]) => roll < p)![1];
      const gw = gateways[Math.floor(random() * gateways.length)]!;
      const c: ExchangeContent = {
        ...content(i, random),
        gatewayId: gw.id,
        observedAt: iso(observed),
        verdict,
        decision: verdict === 'malicious' || random() < 0.05 ? 'deny' : 'allow',
      };
      const entry: ExchangeEntry = {
        id: sha256Hex(`record ${i}`),
        record: { ...c, signature: 'x'.repeat(86) + '==' },
        recordedAt: iso(observed + 1000),
        txId: `tx-${i}`,
      };
      return {
        txId: entry.txId,
        timestamp: entry.recordedAt,
        index: k,
        validationCode: 0,
        valid: true,
        writes: [{ key: `record~${entry.id}`, value: Buffer.from(JSON.stringify(entry)) }],
        events: [],
      };
    });
    blocks.push({ number: BigInt(b + 1), transactions });
  }
  return blocks;
}

function time(fn: () => unknown, runs: number): number[] {
  const samples: number[] = [];
  for (let r = 0; r < runs; r += 1) {
    const start = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  return samples;
}

function indexFigures(dir: string): Figure[] {
  const index = LedgerIndex.open(path.join(dir, 'index.sqlite'));
  const blocks = indexBlocks(INDEX_RECORDS);
  const start = process.hrtime.bigint();
  for (const block of blocks) {
    index.apply(block);
  }
  const buildSeconds = Number(process.hrtime.bigint() - start) / 1e9;
  const q = new IndexQueries(index.db);
  const count = q.counts().records;
  const figures: Figure[] = [
    { name: 'index: records in the index', value: count, unit: 'records' },
    { name: 'index: build from blocks', value: Math.round(count / buildSeconds), unit: 'records/s' },
  ];
  for (const range of ['24h', '7d'] as const) {
    const w = windowFor(range, NOW);
    const queries: [string, () => unknown][] = [
      ['totals', () => q.totals(w)],
      ['volume by verdict', () => q.volume(w)],
      ['threat timeline per zone', () => q.threatTimeline(w)],
      ['risk per zone + Holt forecast', () => q.risk(w, { threshold: 0.2, horizon: 3 })],
      ['latest denials', () => q.denials(25)],
      [
        'whole dashboard answer',
        () => [
          q.totals(w),
          q.volume(w),
          q.threatTimeline(w),
          q.denials(25),
          q.incidents(25),
          q.flagged(25),
          q.policyChanges(25),
          q.gateways(),
          q.models(),
          q.alerts(30),
        ],
      ],
    ];
    for (const [name, fn] of queries) {
      fn();
      const samples = time(fn, 15);
      figures.push({
        name: `dashboard ${range}: ${name} p50`,
        value: Math.round(percentile(samples, 50) * 10) / 10,
        unit: 'ms',
      });
      figures.push({
        name: `dashboard ${range}: ${name} p95`,
        value: Math.round(percentile(samples, 95) * 10) / 10,
        unit: 'ms',
      });
    }
  }
  index.close();
  return figures;
}

function main(): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'auditor-bench-'));
  try {
    const figures = [...verificationFigures(), ...indexFigures(dir)];
    saveResults('auditor', figures, { indexRecords: INDEX_RECORDS });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
