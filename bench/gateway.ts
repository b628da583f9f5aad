// The gateway pipeline against Debian's nfcapd on the same exported stream, raw inference for
// comparison, and end to end on the real network.
//
//   npm run bench -- gateway [--repeats N] [--offline] [--exchanges N]
//   (the gateway process of step 2 runs with the V8 flags of gateway/node-options, as the gateway's
//   own command bin/cityledger-gateway.sh does; GATEWAY_NODE_OPTIONS="..." replaces them)
//
// 1. softflowd (IPFIX) exports the IoT-23 captures; the datagrams are kept in memory: the stream.
// 2. The stream, repeated N times, is sent at full speed over loopback UDP to nfcapd (decode + store)
//    and to the gateway (decode + pair + features + ONNX scoring + records + outbox, no ledger).
//    Throughput = exported flow records processed / seconds from the first datagram sent to the
//    collector's last work on the stream, measured the same way on both sides: for the gateway, its
//    last change of the decoded / stored counters; for nfcapd, its last CPU tick (/proc/PID/stat,
//    10 ms resolution). Both read 1 s of quiet as the end. ratioVsNfcapd = gateway / nfcapd. Kernel
//    drops (receive buffer full) are counted for both from /proc/net/udp.
// 3. Raw onnxruntime-node inference of the classifier at the gateway's micro-batch size.
// 4. Unless --offline, a gateway registered on the real network: a burst of exchanges (records/s
//    committed individually), exchanges paced at 5/s (acceptance to commit), attack traffic as it
//    arrives (arrival to flow alert committed, p50/p99), benign flows anchored in batches (flows/s over
//    --benign-copies copies of the sample's benign flows, default 40, each copy from hosts of its own),
//    and meanwhile the first --flood-attack-flows (default 200) flows of the attack run again, from
//    another source: arrival to alert committed while the benign phase's alerts and batches queue.
//    The attack traffic is a run of --attack-flows (default 300) consecutive Mirai C&C flows of one
//    source, decoded from softflowd's IPFIX export of models/samples/iot23-34-1-irc-tail.pcap, in
//    their original order, with their real spacing compressed to 5/s on average; each flow ends when
//    it arrives. So the models see the source's host context as a gateway would. Latency is measured
//    for the flows the gateway flagged malicious and whose alert committed; sent / flagged / committed
//    are reported, and the output says so when fewer than 100 latencies were measured.
// rssMB is the peak RSS (VmHWM) of the gateway process of step 2, which runs alone (its scoring worker
// is a thread in it); the end-to-end phase runs in this process and is reported on its own.
import { execFileSync, fork, spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { LedgerClient, loadConnectionProfile, defaultDataDir } from '@cityledger/client';
import type { GatewayRegistration, ModelSpec } from '@cityledger/core';
import { loadConfig, GatewayService, type GatewayConfig } from '@cityledger/gateway';
import { extractFeatures, loadModelManifest, FEATURE_COUNT } from '@cityledger/gateway/dist/features';
import { createFlowCollector, replayDatagrams } from '@cityledger/gateway/dist/flow';
import { runSoftflowd } from '@cityledger/gateway/dist/flow/softflowd';
import type { BiFlow } from '@cityledger/gateway/dist/flow/biflow';
import { flowFromLine } from '@cityledger/gateway/dist/flow-file';
import { ATTACK_CAPTURE, endingAt, exportedFlows, pacedRun } from './lib/attack-run';
import { type Figure, percentile, saveResults } from './lib/report';

const REPO = path.resolve(__dirname, '..', '..');
const DATA = path.resolve(REPO, '..', 'shared', 'data', 'iot-23');
const MICRO_BATCH = 256;
/** Latency samples the end-to-end alert figure needs before its p99 is worth quoting. */
const MIN_ALERT_SAMPLES = 100;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Peak RSS of this process since the last reset (the gateway phases reset it when they start). */
let peakRss = 0;
const rssSampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
function resetPeak(): void {
  peakRss = process.memoryUsage().rss;
}
function peakMB(): number {
  return Math.round(Math.max(peakRss, process.memoryUsage().rss) / 2 ** 20);
}

/** Datagrams the kernel dropped on the UDP socket bound to `port` (receive buffer full). */
function kernelDrops(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const line = readFileSync('/proc/net/udp', 'utf8')
    .split('\n')
    .find((l) => l.trim().split(/\s+/)[1]?.endsWith(`:${hexPort}`));
  return Number(line?.trim().split(/\s+/).pop() ?? 0);
}

function captures(): string[] {
  return readdirSync(DATA, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(path.join(DATA, d.name))
        .filter((f) => f.endsWith('.pcap'))
        .map((f) => path.join(DATA, d.name, f)),
    );
}

/** softflowd over every capture, exporting IPFIX to a socket here: the datagrams, in order. */
async function exportedStream(): Promise<Buffer[]> {
  const datagrams: Buffer[] = [];
  const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 8 * 1024 * 1024 });
  socket.on('message', (msg) => datagrams.push(msg));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  for (const capture of captures()) {
    await runSoftflowd({ capture, host: '127.0.0.1', port, version: 10 });
    await sleep(200);
  }
  socket.close();
  return datagrams;
}

/** Sends the stream `repeats` times as fast as the socket takes it; returns the ms it took. */
async function send(stream: readonly Buffer[], port: number, repeats: number): Promise<number> {
  const socket = dgram.createSocket('udp4');
  const start = performance.now();
  for (let r = 0; r < repeats; r++) {
    for (const d of stream) {
      await new Promise<void>((resolve, reject) => {
        socket.send(d, port, '127.0.0.1', (err) => {
          if (err) {
            reject(err);
          } else {
            resolve();
          }
        });
      });
    }
  }
  const ms = performance.now() - start;
  socket.close();
  return ms;
}

function freePort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  return new Promise((resolve) =>
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => {
        resolve(port);
      });
    }),
  );
}

/** CPU time (user + system) of a process so far, in clock ticks. */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** nfcapd receiving the stream: records it stored, over the time from the first send to its last CPU tick. */
async function nfcapd(
  stream: readonly Buffer[],
  repeats: number,
): Promise<{ records: number; seconds: number; kernelDropped: number }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-nfcapd-'));
  const port = await freePort();
  const child = spawn(
    'nfcapd',
    ['-w', dir, '-p', String(port), '-b', '127.0.0.1', '-B', String(4 * 1024 * 1024)],
    {
      stdio: 'ignore',
    },
  );
  await sleep(1_000);
  const pid = child.pid!;
  const start = performance.now();
  await send(stream, port, repeats);
  let last = { ticks: cpuTicks(pid), at: performance.now() };
  while (performance.now() - last.at < 1_000) {
    await sleep(10);
    const ticks = cpuTicks(pid);
    if (ticks !== last.ticks) {
      last = { ticks, at: performance.now() };
    }
  }
  const ms = last.at - start;
  const kernelDropped = kernelDrops(port);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  const stat = execFileSync('nfdump', ['-R', dir, '-I'], { encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  const records = Number(/^Flows: (\d+)/m.exec(stat)?.[1] ?? 0);
  return { records, seconds: ms / 1000, kernelDropped };
}

function benchConfig(dir: string, overrides: Record<string, unknown> = {}): GatewayConfig {
  const key = path.join(dir, 'attestation.pem');
  writeFileSync(
    key,
    generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    }),
    {
      mode: 0o600,
    },
  );
  const file = path.join(dir, 'config.json');
  writeFileSync(
    file,
    JSON.stringify({
      gatewayId: 'bench-gw',
      department: 'transport',
      attestationKeyPath: key,
      dataDir: path.join(dir, 'data'),
      logLevel: 'error',
      fabric: { profilePath: path.join(defaultDataDir(), 'connections', 'transport.json') },
      http: { port: 0 },
      collector: { udpPort: 0 },
      scoring: { microBatchSize: MICRO_BATCH },
      ...overrides,
    }),
  );
  return loadConfig({}, file);
}

interface PipelineStats {
  readonly records: number;
  readonly received: number;
  readonly settled: number;
  readonly dropped: number;
  readonly inFlight: number;
}

/** Peak RSS of this process so far (VmHWM), in MB. */
function ownPeakMB(): number {
  const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return Math.round(Number(m?.[1] ?? 0) / 1024);
}

/**
 * The gateway pipeline in a process of its own (this file run with --pipeline-child), so its RSS is
 * the gateway's alone: collector → features → scoring → records → outbox, no ledger. Answers 'stats'
 * and 'stop' over IPC.
 */
async function pipelineChild(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-gateway-'));
  const service = await GatewayService.open(
    benchConfig(dir),
    { ledger: null },
    { http: false, collector: false },
  );
  const { flows } = service.parts;
  const collector = createFlowCollector({
    port: 0,
    host: '127.0.0.1',
    batchSize: MICRO_BATCH,
    receiveBufferBytes: service.parts.config.collector.receiveBufferBytes,
    onFlows: (batch) => flows.ingest(batch),
  });
  const { port } = await collector.start();
  const stats = (): PipelineStats => {
    const f = flows.stats();
    const c = collector.stats();
    return {
      records: c.records,
      received: f.received,
      settled: f.scored + f.dropped,
      dropped: f.dropped + c.dropped,
      inFlight: f.inFlight,
    };
  };
  process.on('message', (msg) => {
    if (msg === 'stats') {
      process.send!({ type: 'stats', stats: stats() });
      return;
    }
    void (async () => {
      const final = stats();
      await collector.stop();
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
      process.send!({ type: 'done', stats: final, peakMB: ownPeakMB() }, () => process.exit(0));
    })();
  });
  process.send!({ type: 'ready', port, receiveBuffer: collector.socketInfo()?.receiveBuffer.effective ?? 0 });
}

/** V8 flags of the gateway process: the gateway's own (gateway/node-options) unless overridden. */
function gatewayNodeOptions(): string[] {
  const text =
    process.env.GATEWAY_NODE_OPTIONS ?? readFileSync(path.join(REPO, 'gateway', 'node-options'), 'utf8');
  return text.split(/\s+/).filter((a) => a !== '');
}

/** The gateway process receiving the stream: records/s until everything sent is stored or dropped. */
async function gateway(stream: readonly Buffer[], repeats: number) {
  const child = fork(__filename, ['--pipeline-child'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: gatewayNodeOptions(),
  });
  const next = (): Promise<{
    type: string;
    port?: number;
    receiveBuffer?: number;
    stats?: PipelineStats;
    peakMB?: number;
  }> =>
    new Promise((resolve) =>
      child.once('message', (m) => {
        resolve(m as never);
      }),
    );
  const ready = await next();
  const port = ready.port!;
  const ask = async (): Promise<PipelineStats> => {
    const answer = next();
    child.send('stats');
    return (await answer).stats!;
  };
  const start = performance.now();
  await send(stream, port, repeats);
  let last = { records: -1, settled: -1, at: performance.now() };
  for (;;) {
    const s = await ask();
    if (s.records !== last.records || s.settled !== last.settled) {
      last = { records: s.records, settled: s.settled, at: performance.now() };
    } else if (performance.now() - last.at > 1_000 && s.inFlight === 0) {
      break;
    }
    await sleep(20);
  }
  const seconds = (last.at - start) / 1000;
  const kernelDropped = kernelDrops(port);
  const done = next();
  child.send('stop');
  const { stats, peakMB: rssMB } = await done;
  return {
    records: stats!.records,
    flows: stats!.received,
    dropped: stats!.dropped,
    kernelDropped,
    receiveBuffer: ready.receiveBuffer ?? 0,
    seconds,
    rssMB: rssMB!,
  };
}

/**
 * The gateway's decode and pairing alone, in this process on the stream in memory (no socket, no
 * features, no scoring, no storage): records/s, best of three passes over `repeats` copies.
 */
function decodeAndPairOnly(stream: readonly Buffer[], repeats: number): number {
  const datagrams = stream.map((payload, i) => ({
    timeMs: i,
    source: '127.0.0.1:9995',
    destinationPort: 2055,
    payload,
  }));
  let best = 0;
  for (let pass = 0; pass < 3; pass++) {
    let records = 0;
    const start = performance.now();
    for (let r = 0; r < repeats; r++) {
      records += replayDatagrams(datagrams).stats.records;
    }
    best = Math.max(best, (records * 1000) / (performance.now() - start));
  }
  return best;
}

/** onnxruntime-node alone: the classifier at the micro-batch size, one intra-op thread. */
async function rawInference(rows: Float32Array, seconds: number): Promise<number> {
  const manifest = loadModelManifest();
  const session = await InferenceSession.create(manifest.classifier.file, { intraOpNumThreads: 1 });
  const n = rows.length / FEATURE_COUNT;
  const input = new Tensor('float32', rows, [n, FEATURE_COUNT]);
  let done = 0;
  const until = performance.now() + seconds * 1000;
  const start = performance.now();
  while (performance.now() < until) {
    await session.run({ features: input });
    done += n;
  }
  const rate = done / ((performance.now() - start) / 1000);
  await session.release();
  return rate;
}

/** The replay sample's flows; with `label`, only the benign (0) or attack (1) ones. */
function sampleFlows(label?: 0 | 1) {
  return readFileSync(path.join(REPO, 'models', 'samples', 'flows-sample.jsonl'), 'utf8')
    .split('\n')
    .filter(
      (l) => l.trim() !== '' && (label === undefined || (JSON.parse(l) as { label: number }).label === label),
    )
    .map((l) => flowFromLine(l)!);
}

/**
 * Re-times flows to end now (durations kept), each with a distinct source port so it can be found
 * again. With `hosts` (a copy number), IPv4 sources move to 10.<hosts>.x.y, so that each copy of a
 * sample comes from hosts of its own: its flows then have the host context the original had, instead
 * of one host seen many times over.
 */
function fresh(flows: readonly BiFlow[], offset: number, hosts?: number): BiFlow[] {
  const now = Date.now();
  const move = (addr: string): string => {
    const octets = addr.split('.');
    return hosts === undefined || octets.length !== 4 ? addr : `10.${hosts % 256}.${octets[2]}.${octets[3]}`;
  };
  return flows.map((f, i) => ({
    ...f,
    srcAddr: move(f.srcAddr),
    srcPort: 1024 + ((offset + i) % 60_000),
    startMs: now - Math.max(0, f.endMs - f.startMs),
    endMs: now,
  }));
}

/** Registers a gateway, its model and a policy on the real network (transport department). */
async function register(dir: string): Promise<{ config: GatewayConfig; category: string }> {
  const profile = loadConnectionProfile('transport');
  const steward = LedgerClient.connect({ profile, identity: 'steward' });
  const gw = LedgerClient.connect({ profile, identity: 'gateway' });
  try {
    const suffix = `${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
    const manifest = JSON.parse(readFileSync(path.join(REPO, 'models', 'manifest.json'), 'utf8')) as {
      specSha256: string;
      models: {
        id: string;
        kind: string;
        file: string;
        version: string;
        sha256: string;
        thresholds: Record<string, number>;
      }[];
    };
    for (const m of manifest.models) {
      m.file = path.resolve(REPO, 'models', m.file);
      m.id = `bench-${m.kind}-${suffix}`;
      // The registry keeps two thresholds per model; the anomaly model's one threshold is its `suspicious`.
      const thresholds =
        m.kind === 'anomaly'
          ? { suspicious: m.thresholds.threshold!, malicious: 1 }
          : { suspicious: m.thresholds.suspicious!, malicious: m.thresholds.malicious! };
      const spec: ModelSpec = {
        id: m.id,
        version: m.version,
        kind: m.kind === 'anomaly' ? 'anomaly' : 'classifier',
        sha256: m.sha256,
        featureSpecSha256: manifest.specSha256,
        thresholds,
        metrics: {},
      };
      await steward.submit('models:registerModel', [JSON.stringify(spec)]);
    }
    writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
    const category = `transport/bench-${suffix}`;
    const now = Date.now();
    const grant = { grantee: 'energy', purposes: ['load-forecast'], maxVerdict: 'suspicious' };
    const validity = {
      validFrom: new Date(now - 3_600_000).toISOString(),
      validUntil: new Date(now + 86_400_000).toISOString(),
    };
    await steward.submit('policies:putPolicy', [
      JSON.stringify({ category, version: 1, grants: [{ ...grant, ...validity }] }),
    ]);
    const config = benchConfig(dir, {
      gatewayId: `bench-gw-${suffix}`,
      models: { manifestPath: path.join(dir, 'manifest.json') },
      policy: { categories: [category] },
      batching: { maxRecords: 256, maxWaitMs: 500 },
      submit: { concurrency: 64, pollMs: 20 },
      shutdown: { drainMs: 60_000 },
    });
    const me = await gw.evaluateJson<{ mspId: string; id: string }>('system:whoAmI');
    const key = readFileSync(config.attestationKeyPath, 'utf8');
    const { createPublicKey } = await import('node:crypto');
    const registration: GatewayRegistration = {
      id: config.gatewayId,
      department: 'transport',
      zone: 'bench',
      identity: { mspId: me.mspId, id: me.id },
      attestationKeyPem: createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString(),
    };
    await steward.submit('gateways:registerGateway', [JSON.stringify(registration)]);
    // Let every peer commit the registrations: an endorser that has not yet seen them answers
    // differently ("ProposalResponsePayloads do not match"), which the client reports as INTERNAL.
    await sleep(3_000);
    return { config, category };
  } finally {
    steward.close();
    gw.close();
  }
}

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) {
      return false;
    }
    await sleep(100);
  }
  return true;
}

function exchangeBody(category: string, i: number): string {
  return JSON.stringify({
    sourceDepartment: 'transport',
    consumerDepartment: 'energy',
    category,
    purpose: 'load-forecast',
    payload: Buffer.from(`bench exchange ${i} ${Date.now()}`).toString('base64'),
  });
}

async function post(base: string, body: string): Promise<string> {
  const res = await fetch(`${base}/exchanges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return ((await res.json()) as { recordId: string }).recordId;
}

const tupleKey = (t: { srcAddr: string; srcPort: number; dstAddr: string; dstPort: number }): string =>
  `${t.srcAddr}:${t.srcPort}:${t.dstAddr}:${t.dstPort}`;

/**
 * On the real network: a burst of exchanges (records/s committed individually), exchanges paced at a
 * sustainable rate (acceptance-to-commit latency without queueing), a run of real attack flows
 * (arrival to alert committed), and benign flows anchored in batches (flows/s from intake to the
 * batch committed).
 */
async function endToEnd(
  burst: number,
  pacedPerSecond: number,
  pacedSeconds: number,
  attackCount: number,
  benignCopies: number,
  floodAttackCount: number,
) {
  const schedule = pacedRun(await exportedFlows(ATTACK_CAPTURE), attackCount, pacedPerSecond);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-e2e-'));
  const { config, category } = await register(dir);
  const service = await GatewayService.open(config, {}, { http: true, collector: false });
  const base = (await service.start()).http!;
  await until(() => service.readiness().ready, 60_000);
  resetPeak();
  const { outbox, flows, benignLog } = service.parts;
  // Settled: committed, or rejected by the chain (counted separately, never waited for).
  const settled = (ids: readonly string[]): boolean =>
    ids.every((id) => ['committed', 'rejected'].includes(outbox.get(id)?.state ?? ''));
  const rejected = (ids: readonly string[]): number =>
    ids.filter((id) => outbox.get(id)?.state === 'rejected').length;

  let next = 0;
  const burstIds: string[] = [];
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (next < burst) {
      burstIds.push(await post(base, exchangeBody(category, next++)));
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
  await until(() => settled(burstIds), 600_000);
  const burstSeconds = (performance.now() - start) / 1000;

  const pacedIds: string[] = [];
  const paced = pacedPerSecond * pacedSeconds;
  for (let i = 0; i < paced; i++) {
    void post(base, exchangeBody(category, burst + i)).then((id) => pacedIds.push(id));
    await sleep(1000 / pacedPerSecond);
  }
  await until(() => pacedIds.length === paced && settled(pacedIds), 300_000);
  const latencies = pacedIds
    .map((id) => outbox.get(id)!)
    .filter((r) => r.state === 'committed')
    .map((r) => r.updatedAt - r.acceptedAt);

  // Attack traffic as it arrives: consecutive flows of one source, in order, at their real spacing
  // compressed to the pacing; each ends when it arrives, so its host context is the run's recent past.
  // `source` moves the run to another source address (a second run must not share tuples).
  const feedAttack = async (run: typeof schedule, source?: string): Promise<Map<string, number>> => {
    const arrivals = new Map<string, number>();
    const runStart = Date.now();
    for (const { atMs, flow } of run) {
      await sleep(Math.max(0, runStart + atMs - Date.now()));
      const now = Date.now();
      const moved = source === undefined ? flow : { ...flow, srcAddr: source };
      const key = tupleKey(moved);
      if (arrivals.has(key)) {
        throw new Error(`attack run: flow ${key} twice; latencies need distinct tuples`);
      }
      arrivals.set(key, now);
      await flows.ingest([endingAt(moved, now)]);
    }
    return arrivals;
  };
  const alertRows = () =>
    service.parts.db
      .prepare<[], { id: string; tuple: string }>('SELECT alert_id AS id, tuple FROM flow_refs')
      .all()
      .map((r) => ({
        id: r.id,
        tuple: JSON.parse(r.tuple) as { srcAddr: string; srcPort: number; dstAddr: string; dstPort: number },
      }));
  /** Verdicts of a run's alerts, and arrival → commit latencies of its malicious ones. */
  const attackOutcome = (arrivals: ReadonlyMap<string, number>) => {
    let flagged = 0;
    let suspicious = 0;
    const latenciesMs: number[] = [];
    for (const { id, tuple } of alertRows()) {
      const row = outbox.get(id)!;
      const t0 = arrivals.get(tupleKey(tuple));
      const verdict = (JSON.parse(row.payload) as { verdict: string }).verdict;
      if (t0 === undefined) {
        continue;
      }
      if (verdict === 'suspicious') {
        suspicious++;
      }
      if (verdict !== 'malicious') {
        continue;
      }
      flagged++;
      if (row.state === 'committed') {
        latenciesMs.push(row.updatedAt - t0);
      }
    }
    return { sent: arrivals.size, flagged, suspicious, latenciesMs };
  };
  const arrived = await feedAttack(schedule);
  await flows.drain();
  await until(() => settled(alertRows().map((r) => r.id)), 300_000);
  const quiet = attackOutcome(arrived);

  // Benign traffic (the sample's benign flows, `benignCopies` times, each copy from hosts of its own):
  // from intake to the last batch committed, so enough flows for many batches: a sustained rate, not
  // one batch's commit latency.
  const benign = sampleFlows(0);
  const alertsBefore = alertRows().length;
  const flowStart = performance.now();
  for (let i = 0; i < benignCopies; i++) {
    await flows.ingest(fresh(benign, 100_000 + i * benign.length, i + 1));
  }
  // Meanwhile the attack run again, from another source, while the flagged benign flows' alerts and
  // the batches wait in the outbox: how long a malicious alert takes behind that queue.
  const underFloodFeed = feedAttack(schedule.slice(0, floodAttackCount), '10.255.0.1');
  await flows.drain();
  await service.flushBatches();
  const batches = benignLog.recentBatches(10_000);
  await until(() => batches.every((b) => outbox.get(b.id)?.state === 'committed'), 300_000);
  const flowSeconds = (performance.now() - flowStart) / 1000;
  const arrivedUnderFlood = await underFloodFeed;
  await flows.drain();
  await until(() => settled(alertRows().map((r) => r.id)), 300_000);
  const underFlood = attackOutcome(arrivedUnderFlood);
  // Flows of the benign sample the models flagged: their alerts go on chain one by one, in acceptance
  // order with the batches, so they share the phase's time.
  const benignFlagged = alertRows().length - alertsBefore - underFlood.flagged - underFlood.suspicious;
  const anchored = batches.reduce((n, b) => n + (outbox.get(b.id)?.state === 'committed' ? b.count : 0), 0);
  const rssMB = peakMB();
  const burstCommitted = burstIds.filter((id) => outbox.get(id)?.state === 'committed').length;
  const rejectedRows = rejected([...burstIds, ...pacedIds, ...alertRows().map((r) => r.id)]);
  await service.stop();
  rmSync(dir, { recursive: true, force: true });
  return {
    burst: burstCommitted,
    rejected: rejectedRows,
    recordsPerSecond: burstCommitted / burstSeconds,
    paced: latencies.length,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    attackSent: quiet.sent,
    attackFlagged: quiet.flagged,
    attackSuspicious: quiet.suspicious,
    alerts: quiet.latenciesMs.length,
    alertP50: percentile(quiet.latenciesMs, 50),
    alertP99: percentile(quiet.latenciesMs, 99),
    floodAttackSent: underFlood.sent,
    floodAlerts: underFlood.latenciesMs.length,
    floodAlertP50: percentile(underFlood.latenciesMs, 50),
    floodAlertP99: percentile(underFlood.latenciesMs, 99),
    benignSent: benign.length * benignCopies,
    benignFlagged,
    anchored,
    flowsPerSecond: anchored / flowSeconds,
    rssMB,
  };
}

async function main(): Promise<void> {
  const repeats = arg('--repeats', 20);
  const stream = await exportedStream();
  const nf = await nfcapd(stream, repeats);
  const gw = await gateway(stream, repeats);
  const nfRate = nf.records / nf.seconds;
  const gwRate = gw.records / gw.seconds;
  const rows = new Float32Array(MICRO_BATCH * FEATURE_COUNT);
  sampleFlows()
    .slice(0, MICRO_BATCH)
    .forEach((f, i) => {
      rows.set(extractFeatures(f), i * FEATURE_COUNT);
    });
  const inference = await rawInference(rows, 3);
  const decodeOnly = decodeAndPairOnly(stream, repeats);
  const recordsPerFlow = gw.flows > 0 ? gw.records / gw.flows : 0;
  const figures: Figure[] = [
    { name: 'stream datagrams', value: stream.length * repeats, unit: 'datagrams' },
    { name: 'nfcapd flow records stored', value: nf.records, unit: 'records' },
    { name: 'nfcapd throughput', value: Math.round(nfRate), unit: 'records/s' },
    { name: 'nfcapd datagrams dropped by the kernel', value: nf.kernelDropped, unit: 'datagrams' },
    { name: 'gateway flow records decoded', value: gw.records, unit: 'records' },
    { name: 'gateway biflows stored', value: gw.flows - gw.dropped, unit: 'flows' },
    { name: 'gateway flows dropped (counted)', value: gw.dropped, unit: 'flows' },
    { name: 'gateway datagrams dropped by the kernel', value: gw.kernelDropped, unit: 'datagrams' },
    {
      name: 'gateway socket receive buffer (SO_RCVBUF as the kernel reports it)',
      value: gw.receiveBuffer,
      unit: 'bytes',
    },
    { name: 'gateway pipeline throughput', value: Math.round(gwRate), unit: 'records/s' },
    {
      name: 'gateway pipeline biflows/s',
      value: Math.round((gw.flows - gw.dropped) / gw.seconds),
      unit: 'flows/s',
    },
    { name: `raw onnx inference (batch ${MICRO_BATCH})`, value: Math.round(inference), unit: 'rows/s' },
    {
      name: 'ceiling if scoring were the only cost (inference rows/s x records per BiFlow)',
      value: Math.round(inference * recordsPerFlow),
      unit: 'records/s',
    },
    {
      name: 'gateway decode + pair alone (in-process, no socket, no scoring or storage)',
      value: Math.round(decodeOnly),
      unit: 'records/s',
    },
  ];
  const rssMB = gw.rssMB;
  figures.push({ name: 'peak RSS of the gateway process (pipeline)', value: gw.rssMB, unit: 'MB' });
  let alertNote: string | undefined;
  if (!process.argv.includes('--offline')) {
    const e2e = await endToEnd(
      arg('--exchanges', 600),
      5,
      20,
      arg('--attack-flows', 300),
      arg('--benign-copies', 40),
      arg('--flood-attack-flows', 200),
    );
    if (e2e.alerts < MIN_ALERT_SAMPLES) {
      alertNote = `only ${e2e.alerts} alert latencies (< ${MIN_ALERT_SAMPLES}): the alert p99 is not reliable`;
      console.warn(`WARNING: ${alertNote}`);
    }
    figures.push(
      { name: 'burst exchanges committed', value: e2e.burst, unit: 'records' },
      { name: 'records rejected by the chain (all e2e phases)', value: e2e.rejected, unit: 'records' },
      {
        name: 'records committed individually',
        value: Math.round(e2e.recordsPerSecond * 10) / 10,
        unit: 'records/s',
      },
      { name: 'paced exchanges (5/s) committed', value: e2e.paced, unit: 'records' },
      { name: 'acceptance to commit p50 (paced)', value: e2e.p50, unit: 'ms' },
      { name: 'acceptance to commit p99 (paced)', value: e2e.p99, unit: 'ms' },
      { name: 'attack flows sent (C&C run of one source, 5/s mean)', value: e2e.attackSent, unit: 'flows' },
      { name: 'attack flows flagged malicious', value: e2e.attackFlagged, unit: 'flows' },
      { name: 'attack flows flagged suspicious only', value: e2e.attackSuspicious, unit: 'flows' },
      { name: 'malicious flow alerts committed (latency samples)', value: e2e.alerts, unit: 'alerts' },
      { name: 'malicious flow arrival to alert committed p50', value: e2e.alertP50, unit: 'ms' },
      { name: 'malicious flow arrival to alert committed p99', value: e2e.alertP99, unit: 'ms' },
      {
        name: 'attack flows sent during the benign phase (same run, another source)',
        value: e2e.floodAttackSent,
        unit: 'flows',
      },
      { name: 'malicious alerts committed during the benign phase', value: e2e.floodAlerts, unit: 'alerts' },
      {
        name: 'malicious flow arrival to alert committed p50, during the benign phase',
        value: e2e.floodAlertP50,
        unit: 'ms',
      },
      {
        name: 'malicious flow arrival to alert committed p99, during the benign phase',
        value: e2e.floodAlertP99,
        unit: 'ms',
      },
      { name: 'benign sample flows sent (copies from distinct hosts)', value: e2e.benignSent, unit: 'flows' },
      {
        name: 'of which flagged (alerts, committed individually, in turn with the batches)',
        value: e2e.benignFlagged,
        unit: 'flows',
      },
      { name: 'flows anchored in batches', value: e2e.anchored, unit: 'flows' },
      { name: 'flows anchored per second', value: Math.round(e2e.flowsPerSecond), unit: 'flows/s' },
      {
        name: 'peak RSS, end-to-end phase (bench process running the gateway)',
        value: e2e.rssMB,
        unit: 'MB',
      },
    );
  }
  clearInterval(rssSampler);
  saveResults('gateway', figures, {
    ratioVsNfcapd: Math.round((gwRate / nfRate) * 10_000) / 10_000,
    rssMB,
    repeats,
    method:
      'records / (first datagram sent → last work on the stream: gateway counters, nfcapd CPU ticks; 1 s quiet = end)',
    gatewayNodeOptions: gatewayNodeOptions().join(' '),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    ...(alertNote === undefined ? {} : { alertNote }),
  });
}

(process.argv.includes('--pipeline-child') ? pipelineChild() : main()).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
