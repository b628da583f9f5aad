// The chaincode on the real network: what recordExchange costs over a bare write of the same size,
// and how fast anchorBatch anchors records.
//
//   npm run bench -- chaincode [--records N] [--rounds R] [--concurrency C]
//
// 1. Setup as a department would: the health steward registers a fresh gateway (bound to the health
//    `gateway` identity), a classifier model and a policy for a fresh category.
// 2. Warm-up (not counted): each function evaluated 720 times, then committed once per worker.
// 3. Records are signed beforehand (gateway-side work is not the chaincode's). Then, in R rounds that
//    alternate the arms (so that other load on the machine falls on both alike), C workers share one
//    LedgerClient over one gRPC client and submit, each waiting for the commit status:
//      - recordExchange: one attested record per transaction;
//      - baseline: baseline:put(key, value) with value = a record of the same shape, i.e. the same
//        argument size: one putState, the floor of any write transaction on this network;
//      - recordFlowAlert: one flow alert per transaction (for the gateway engineers).
//    Records/s = transactions committed / wall time of the arm; latency = submit to commit status.
//    Each arm also reports the CPU the network's processes used per transaction (chaincode server,
//    peers, orderers; Linux /proc) and the bytes it added to the chain per transaction (one orderer's
//    block files), which say where the difference goes.
// 4. Endorsement only: recordExchange and baseline:put evaluated (simulated on one peer, no ordering,
//    no commit), with the same CPU accounting.
// 5. anchorBatch with 1,000 and 10,000 records: build (canonical leaves, RFC 6962 root, signature)
//    plus commit, sequentially, chained to the gateway's previous root.
// 6. recordFlowAlerts: --grouped-alerts flow alerts (default 6,400), --alerts-per-tx (default 32, the
//    gateway's default) to a transaction, C workers: alerts committed per second (every result
//    checked: stored, not a duplicate), against the single-alert arm's.
// Top-level `ratio` = recordExchange records/s / baseline records/s over all rounds; ratio.roundMin /
// roundMedian / roundMax are the same quotient within each round. The machine is shared: figures move
// with other load, which the alternating rounds spread over the arms alike, and the spread of the
// per-round ratios shows how much.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { defaultDataDir, LedgerClient, loadConnectionProfile, newGrpcClient } from '@cityledger/client';
import {
  type AccessPolicy,
  buildBatch,
  type ExchangeContent,
  type ExchangeRecord,
  type FlowAlert,
  type FlowAlertContent,
  type FlowAlertsOutcome,
  GENESIS_ROOT,
  type GatewayRegistration,
  type ModelSpec,
  sha256Hex,
  signAttestation,
  signBatchAttestation,
  signFlowAlertAttestation,
} from '@cityledger/core';
import { type Figure, percentile, saveResults } from './lib/report';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) && v > 0 ? Math.floor(v) : fallback;
}

const RECORDS = arg('--records', 480);
const ROUNDS = arg('--rounds', 3);
const CONCURRENCY = arg('--concurrency', 48);
const BATCH_SIZES = [1_000, 10_000];
const BATCH_REPEATS = 2;
const EVALUATIONS = 240;
const WARM_EVALUATIONS = 720;
const ALERTS_PER_TX = arg('--alerts-per-tx', 32);
const GROUPED_ALERTS = arg('--grouped-alerts', 6_400);

const unique = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

interface City {
  readonly gatewayId: string;
  readonly pem: string;
  readonly model: ModelSpec;
  readonly category: string;
}

async function setup(steward: LedgerClient, gateway: LedgerClient): Promise<City> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const me = await gateway.evaluateJson<{ mspId: string; id: string }>('system:whoAmI');
  const registration: GatewayRegistration = {
    id: unique('bench-gw'),
    department: 'health',
    zone: 'bench-zone',
    identity: { mspId: me.mspId, id: me.id },
    attestationKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  await steward.submit('gateways:registerGateway', [JSON.stringify(registration)]);
  const model: ModelSpec = {
    id: unique('bench-model'),
    version: '1.0.0',
    kind: 'classifier',
    sha256: sha256Hex(randomBytes(32)),
    featureSpecSha256: sha256Hex('bench feature spec'),
    thresholds: { suspicious: 0.5, malicious: 0.9 },
    metrics: { f1: 0.9 },
  };
  await steward.submit('models:registerModel', [JSON.stringify(model)]);
  const category = unique('health/bench');
  const now = Date.now();
  const policy: AccessPolicy = {
    category,
    version: 1,
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
  await steward.submit('policies:putPolicy', [JSON.stringify(policy)]);
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { gatewayId: registration.id, pem, model, category };
}

function exchangeContent(city: City, observedAt: string): ExchangeContent {
  return {
    gatewayId: city.gatewayId,
    sourceDepartment: 'health',
    consumerDepartment: 'transport',
    category: city.category,
    purpose: 'emergency-planning',
    payloadSha256: sha256Hex(randomBytes(16)),
    payloadSize: 1024,
    observedAt,
    threatScore: 0.1,
    verdict: 'benign',
    modelId: city.model.id,
    modelVersion: city.model.version,
    policyVersion: 1,
    decision: 'allow',
  };
}

function signedRecords(city: City, n: number): string[] {
  const observedAt = new Date().toISOString();
  return Array.from({ length: n }, () => {
    const content = exchangeContent(city, observedAt);
    const record: ExchangeRecord = { ...content, signature: signAttestation(city.pem, content) };
    return JSON.stringify(record);
  });
}

function signedAlerts(city: City, n: number): string[] {
  const end = Date.now();
  return Array.from({ length: n }, () => {
    const content: FlowAlertContent = {
      gatewayId: city.gatewayId,
      observedAt: new Date(end).toISOString(),
      flowStart: new Date(end - 2_000).toISOString(),
      flowRef: sha256Hex(randomBytes(32)),
      protocol: 6,
      dstPortBucket: 'registered',
      fwdBytes: 900,
      fwdPackets: 12,
      revBytes: 300,
      revPackets: 4,
      threatScore: 0.95,
      verdict: 'malicious',
      modelId: city.model.id,
      modelVersion: city.model.version,
    };
    const alert: FlowAlert = { ...content, signature: signFlowAlertAttestation(city.pem, content) };
    return JSON.stringify(alert);
  });
}

/** The network's processes on this machine, by component. */
const COMPONENTS = ['chaincode', 'peers', 'orderers'] as const;
type Component = (typeof COMPONENTS)[number];
type CpuSeconds = Record<Component, number>;
const CLOCK_TICKS_PER_SECOND = 100;

function componentOf(pid: string): Component | undefined {
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (comm === 'peer') {
      return 'peers';
    }
    if (comm === 'orderer') {
      return 'orderers';
    }
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('fabric-shim/cli.js') && cmdline.includes('server') ? 'chaincode' : undefined;
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) used so far by the chaincode server, the peers and the orderers running
 * on this machine (Linux /proc), to attribute each arm's cost. Includes whatever else they served in
 * the meantime (other users of the network), so it is read per arm, not once.
 */
function networkCpu(): CpuSeconds {
  const total: CpuSeconds = { chaincode: 0, peers: 0, orderers: 0 };
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return total;
  }
  for (const pid of pids) {
    const component = componentOf(pid);
    if (component === undefined) {
      continue;
    }
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      total[component] += (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
    } catch {
      // The process ended meanwhile.
    }
  }
  return total;
}

/**
 * Bytes in the first orderer's block files so far: the growth over an arm divided by its transactions
 * is what one transaction adds to every copy of the chain (orderers and peers alike store it).
 */
function blockStoreBytes(): number {
  const orderers = path.join(defaultDataDir(), 'orderers');
  try {
    const first = readdirSync(orderers).sort()[0];
    if (first === undefined) {
      return Number.NaN;
    }
    const chains = path.join(orderers, first, 'ledger', 'chains', 'cityledger');
    return readdirSync(chains)
      .filter((f) => f.startsWith('blockfile'))
      .reduce((sum, f) => sum + statSync(path.join(chains, f)).size, 0);
  } catch {
    return Number.NaN;
  }
}

interface ArmResult {
  committed: number;
  failed: number;
  wallMs: number;
  latenciesMs: number[];
  /** Failures by catalogue code: count and the first message. */
  errors: Map<string, { count: number; example: string }>;
  /** CPU seconds the network's processes used during the arm. */
  cpu: CpuSeconds;
  /** Bytes the arm added to the chain (one orderer's block files). */
  blockBytes: number;
}

function emptyArm(): ArmResult {
  return {
    committed: 0,
    failed: 0,
    wallMs: 0,
    latenciesMs: [],
    errors: new Map(),
    cpu: { chaincode: 0, peers: 0, orderers: 0 },
    blockBytes: 0,
  };
}

/** Runs `calls` with `concurrency` workers; adds to `into`. */
async function runArm(
  into: ArmResult,
  calls: readonly (() => Promise<unknown>)[],
  concurrency: number,
): Promise<void> {
  let next = 0;
  const cpuBefore = networkCpu();
  const bytesBefore = blockStoreBytes();
  const start = performance.now();
  const worker = async (): Promise<void> => {
    for (let i = next++; i < calls.length; i = next++) {
      const t0 = performance.now();
      try {
        await (calls[i] as () => Promise<unknown>)();
        into.latenciesMs.push(performance.now() - t0);
        into.committed += 1;
      } catch (err) {
        into.failed += 1;
        const code = (err as { code?: string }).code ?? 'UNKNOWN';
        const seen = into.errors.get(code);
        into.errors.set(code, {
          count: (seen?.count ?? 0) + 1,
          example: seen?.example ?? (err instanceof Error ? err.message : String(err)).slice(0, 300),
        });
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  into.wallMs += performance.now() - start;
  const cpuAfter = networkCpu();
  into.blockBytes += blockStoreBytes() - bytesBefore;
  for (const c of COMPONENTS) {
    into.cpu[c] += cpuAfter[c] - cpuBefore[c];
  }
}

function cpuFigures(name: string, r: ArmResult): Figure[] {
  const calls = r.committed + r.failed;
  return COMPONENTS.map((c) => ({
    name: `${name}.cpuPerTransaction.${c}`,
    value: round((r.cpu[c] * 1000) / calls, 2),
    unit: 'ms CPU',
  }));
}

function armFigures(name: string, r: ArmResult): Figure[] {
  return [
    { name: `${name}.recordsPerSecond`, value: round((r.committed * 1000) / r.wallMs, 1), unit: 'records/s' },
    { name: `${name}.p50CommitLatency`, value: round(percentile(r.latenciesMs, 50), 1), unit: 'ms' },
    { name: `${name}.p99CommitLatency`, value: round(percentile(r.latenciesMs, 99), 1), unit: 'ms' },
    { name: `${name}.committed`, value: r.committed, unit: 'transactions' },
    { name: `${name}.failed`, value: r.failed, unit: 'transactions' },
    ...cpuFigures(name, r),
    {
      name: `${name}.blockBytesPerTransaction`,
      value: Math.round(r.blockBytes / Math.max(1, r.committed + r.failed)),
      unit: 'bytes',
    },
  ];
}

/** Endorsement only: the same functions evaluated (simulated on one peer, nothing ordered). */
function endorsementFigures(name: string, r: ArmResult): Figure[] {
  return [
    {
      name: `${name}.evaluatedPerSecond`,
      value: round(((r.committed + r.failed) * 1000) / r.wallMs, 1),
      unit: 'calls/s',
    },
    ...cpuFigures(name, r).map((f) => ({ ...f, name: f.name.replace('PerTransaction', 'PerCall') })),
  ];
}

function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

function chunk<T>(items: readonly T[], parts: number): T[][] {
  const size = Math.ceil(items.length / parts);
  return Array.from({ length: parts }, (_, i) => items.slice(i * size, (i + 1) * size));
}

interface BatchRun {
  readonly size: number;
  readonly buildMs: number;
  readonly commitMs: number;
  readonly argBytes: number;
}

async function anchorBatches(client: LedgerClient, city: City): Promise<BatchRun[]> {
  const runs: BatchRun[] = [];
  let prevRoot = GENESIS_ROOT;
  const observedAt = new Date().toISOString();
  for (const size of BATCH_SIZES) {
    for (let rep = 0; rep < BATCH_REPEATS; rep++) {
      const records = Array.from({ length: size }, () => exchangeContent(city, observedAt));
      const t0 = performance.now();
      const content = buildBatch(city.gatewayId, prevRoot, records);
      const arg = JSON.stringify({ ...content, signature: signBatchAttestation(city.pem, content) });
      const t1 = performance.now();
      await client.submit('exchange:anchorBatch', [arg]);
      const t2 = performance.now();
      runs.push({ size, buildMs: t1 - t0, commitMs: t2 - t1, argBytes: Buffer.byteLength(arg) });
      prevRoot = content.root;
    }
  }
  return runs;
}

function batchFigures(runs: readonly BatchRun[]): Figure[] {
  return BATCH_SIZES.flatMap((size) => {
    const of = runs.filter((r) => r.size === size);
    const mean = (f: (r: BatchRun) => number): number => of.reduce((s, r) => s + f(r), 0) / of.length;
    const build = mean((r) => r.buildMs);
    const commit = mean((r) => r.commitMs);
    return [
      { name: `anchorBatch.${size}.buildMs`, value: round(build, 1), unit: 'ms (mean)' },
      { name: `anchorBatch.${size}.commitMs`, value: round(commit, 1), unit: 'ms (mean)' },
      {
        name: `anchorBatch.${size}.recordsPerSecond`,
        value: Math.round((size * 1000) / (build + commit)),
        unit: 'records/s anchored',
      },
    ];
  });
}

/** Flow alerts `ALERTS_PER_TX` to a transaction; throws unless every alert is newly stored. */
async function alertGroups(
  gateway: LedgerClient,
  city: City,
  alerts: number,
): Promise<{ arm: ArmResult; alertsStored: number }> {
  const groups = chunk(signedAlerts(city, alerts), Math.ceil(alerts / ALERTS_PER_TX));
  const arm = emptyArm();
  let alertsStored = 0;
  await runArm(
    arm,
    groups.map((group) => async () => {
      const outcome = await gateway.submitJson<FlowAlertsOutcome>('exchange:recordFlowAlerts', [
        `[${group.join(',')}]`,
      ]);
      const stored = outcome.results.filter((r) => r.stored && !r.duplicate).length;
      if (stored !== group.length) {
        throw new Error(`recordFlowAlerts stored ${stored} of ${group.length}: ${JSON.stringify(outcome)}`);
      }
      alertsStored += stored;
    }),
    Math.min(CONCURRENCY, groups.length),
  );
  return { arm, alertsStored };
}

async function main(): Promise<void> {
  const profile = loadConnectionProfile('health');
  const peer = profile.peers[0];
  if (peer === undefined) {
    throw new Error('the health profile lists no peer');
  }
  const grpc = newGrpcClient(peer, profile.clientTls);
  const steward = LedgerClient.connect({ profile, identity: 'steward', grpcClient: grpc });
  const gateway = LedgerClient.connect({ profile, identity: 'gateway', grpcClient: grpc });
  try {
    const loadAtStart = os.loadavg()[0] ?? 0;
    const city = await setup(steward, gateway);
    console.log(
      `gateway ${city.gatewayId}, ${ROUNDS} rounds x ${RECORDS / ROUNDS} per arm, concurrency ${CONCURRENCY}`,
    );
    // Records expire after 7 days and must not be in the future: sign them now, submit within minutes.
    const records = signedRecords(city, RECORDS + CONCURRENCY);
    const values = signedRecords(city, RECORDS + CONCURRENCY);
    const alerts = signedAlerts(city, RECORDS + CONCURRENCY);
    const runId = randomBytes(4).toString('hex');
    const recordCall = (r: string) => () => gateway.submit('exchange:recordExchange', [r]);
    const alertCall = (a: string) => () => gateway.submit('exchange:recordFlowAlert', [a]);
    const baselineCall = (v: string, i: number) => () =>
      gateway.submit('baseline:put', [`b-${runId}-${i}`, v]);

    // Warm-up, not counted. A chaincode server just deployed runs its JavaScript unoptimised for
    // its first few hundred calls (right after a deploy, chaincode CPU per transaction was ~1.5x
    // that of the next run, more so for recordExchange), so each function is first evaluated
    // WARM_EVALUATIONS times (endorsement only, nothing written), then committed once per worker.
    const warm = emptyArm();
    const warmRecords = signedRecords(city, WARM_EVALUATIONS);
    const warmAlerts = signedAlerts(city, WARM_EVALUATIONS);
    await runArm(
      warm,
      warmRecords.map((r) => () => gateway.evaluate('exchange:recordExchange', [r])),
      CONCURRENCY,
    );
    await runArm(
      warm,
      warmRecords.map((v, i) => () => gateway.evaluate('baseline:put', [`w-${i}`, v])),
      CONCURRENCY,
    );
    await runArm(
      warm,
      warmAlerts.map((a) => () => gateway.evaluate('exchange:recordFlowAlert', [a])),
      CONCURRENCY,
    );
    await runArm(warm, records.slice(0, CONCURRENCY).map(recordCall), CONCURRENCY);
    await runArm(
      warm,
      values.slice(0, CONCURRENCY).map((v, i) => baselineCall(v, i)),
      CONCURRENCY,
    );
    await runArm(warm, alerts.slice(0, CONCURRENCY).map(alertCall), CONCURRENCY);

    const arms = { recordExchange: emptyArm(), baseline: emptyArm(), recordFlowAlert: emptyArm() };
    const rounds = {
      recordExchange: chunk(records.slice(CONCURRENCY), ROUNDS),
      baseline: chunk(values.slice(CONCURRENCY), ROUNDS),
      recordFlowAlert: chunk(alerts.slice(CONCURRENCY), ROUNDS),
    };
    // Each round's own ratio (records/s of the two arms in that round), to show how far the machine's
    // other load moved it; the headline ratio is over all rounds.
    const roundRatios: number[] = [];
    const progress = (a: ArmResult): { committed: number; wallMs: number } => ({
      committed: a.committed,
      wallMs: a.wallMs,
    });
    const rateSince = (a: ArmResult, then: { committed: number; wallMs: number }): number =>
      ((a.committed - then.committed) * 1000) / (a.wallMs - then.wallMs);
    for (let r = 0; r < ROUNDS; r++) {
      const before = { exchange: progress(arms.recordExchange), baseline: progress(arms.baseline) };
      // Alternate the order so neither arm always runs first in a round.
      const order =
        r % 2 === 0
          ? (['baseline', 'recordExchange', 'recordFlowAlert'] as const)
          : (['recordFlowAlert', 'recordExchange', 'baseline'] as const);
      for (const arm of order) {
        const items = rounds[arm][r] ?? [];
        const calls =
          arm === 'baseline'
            ? items.map((v, i) => baselineCall(v, CONCURRENCY + r * 10_000 + i))
            : items.map(arm === 'recordExchange' ? recordCall : alertCall);
        await runArm(arms[arm], calls, CONCURRENCY);
        console.log(`round ${r + 1} ${arm}: ${arms[arm].committed} committed so far`);
      }
      roundRatios.push(
        rateSince(arms.recordExchange, before.exchange) / rateSince(arms.baseline, before.baseline),
      );
    }

    // Endorsement only, with fresh records (an evaluated recordExchange runs every check and write).
    const endorse = { recordExchange: emptyArm(), baseline: emptyArm() };
    const fresh = signedRecords(city, EVALUATIONS);
    await runArm(
      endorse.baseline,
      fresh.map((v, i) => () => gateway.evaluate('baseline:put', [`e-${i}`, v])),
      CONCURRENCY,
    );
    await runArm(
      endorse.recordExchange,
      fresh.map((r) => () => gateway.evaluate('exchange:recordExchange', [r])),
      CONCURRENCY,
    );

    const batches = await anchorBatches(gateway, city);
    const { arm: grouped, alertsStored: groupedAlerts } = await alertGroups(gateway, city, GROUPED_ALERTS);
    const exchangeRate = (arms.recordExchange.committed * 1000) / arms.recordExchange.wallMs;
    const baselineRate = (arms.baseline.committed * 1000) / arms.baseline.wallMs;
    const ratio = round(exchangeRate / baselineRate, 3);
    const figures: Figure[] = [
      ...armFigures('recordExchange', arms.recordExchange),
      ...armFigures('baseline', arms.baseline),
      ...armFigures('recordFlowAlert', arms.recordFlowAlert),
      ...endorsementFigures('endorseOnly.recordExchange', endorse.recordExchange),
      ...endorsementFigures('endorseOnly.baseline', endorse.baseline),
      { name: 'argumentBytes.recordExchange', value: Buffer.byteLength(records[0] ?? ''), unit: 'bytes' },
      { name: 'argumentBytes.baseline', value: Buffer.byteLength(values[0] ?? ''), unit: 'bytes' },
      { name: 'argumentBytes.recordFlowAlert', value: Buffer.byteLength(alerts[0] ?? ''), unit: 'bytes' },
      ...batchFigures(batches),
      ...armFigures(`recordFlowAlerts.${ALERTS_PER_TX}PerTransaction`, grouped),
      {
        name: `recordFlowAlerts.${ALERTS_PER_TX}PerTransaction.alertsPerSecond`,
        value: round((groupedAlerts * 1000) / grouped.wallMs, 1),
        unit: 'alerts/s',
      },
      { name: 'ratio.roundMin', value: round(Math.min(...roundRatios), 3), unit: 'ratio in one round' },
      { name: 'ratio.roundMedian', value: round(percentile(roundRatios, 50), 3), unit: 'ratio in one round' },
      { name: 'ratio.roundMax', value: round(Math.max(...roundRatios), 3), unit: 'ratio in one round' },
      { name: 'ratio', value: ratio, unit: 'recordExchange / baseline records/s' },
    ];
    const errors = Object.fromEntries(
      Object.entries({ ...arms, recordFlowAlerts: grouped }).map(([name, a]) => [
        name,
        Object.fromEntries(a.errors),
      ]),
    );
    saveResults('chaincode', figures, {
      ratio,
      target: 0.8,
      command: `npm run bench -- chaincode ${process.argv.slice(2).join(' ')}`.trim(),
      setup: {
        network: 'network/ (SmartBFT, 4 orderers, 4 peers, chaincode as a service), same machine',
        client: `one LedgerClient (health gateway identity) over one gRPC client to ${peer.name}`,
        concurrency: CONCURRENCY,
        rounds: ROUNDS,
        transactionsPerArm: RECORDS,
        loadAverage1m: { start: round(loadAtStart, 2), end: round(os.loadavg()[0] ?? 0, 2) },
      },
      batches,
      errors,
    });
  } finally {
    steward.close();
    gateway.close();
    grpc.close();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
