// The committed models on the gateway's real input path: each IoT-23 capture of ../shared/data exported
// by softflowd (IPFIX, default timeouts), decoded by the gateway's collector, and scored with the
// gateway's own features (host context included) and verdict rule (both models), twice: in the order
// the collector received the flows, as the gateway scores them (`replay --keep-times` gives the same
// verdicts), and in the order they ended, the feature spec's training definition of host context. The
// model cards measure the same models on Zeek conn records; this says how their false-positive rate and
// recall carry over to the flows a standard exporter gives, and how much the export order moves them.
//
//   npm run bench -- real-path [--rows FILE]   writes bench/results/real-path.json
//   (--rows: also every labelled flow's feature row as the gateway computed it, in arrival order, JSONL:
//   {capture, endMs, attack, features}; models/experiments/gateway_view.py trains with them)
//
// Labels: each BiFlow gets the labels of the capture's Zeek conn records with the same protocol and
// endpoints (either direction) that start within the flow's time (±1 s): malicious if any of them is,
// benign if all are. A capture whose pcap is another recording than its conn log (no record matches:
// 4-1, the benign Philips Hue capture, whose pcap is of 2018-09-14 on 192.168.100.0/24 and whose conn log
// of 2018-10-25/26 on 192.168.1.0/24) takes the capture's label, benign. "Later 20 %" is the flows
// that ended in the last fifth of the capture's flows, the part of each capture the models' time split
// held out (the earlier part was in training, as Zeek records).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { extractFeatures, FlowContextTracker, loadModelManifest } from '@cityledger/gateway/dist/features';
import type { BiFlow } from '@cityledger/gateway/dist/flow/biflow';
import type { Scores } from '@cityledger/gateway/dist/ports';
import { PoolScorer } from '@cityledger/gateway/dist/scorer-adapter';
import { ScoringPool, scoringModelsFromManifest } from '@cityledger/gateway/dist/scoring';
import { inEndOrder, receivedFlows } from './lib/attack-run';
import { type Figure, saveResults } from './lib/report';

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const DATA = path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'iot-23');
const MATCH_SLACK_MS = 1_000;
const BATCH = 256;

type Label = 'benign' | 'malicious';

interface ConnRecord {
  readonly startMs: number;
  readonly label: Label;
  /** IoT-23's detailed label of a malicious record (e.g. `C&C`), `Benign` for a benign one. */
  readonly attack: string;
}

/** A flow's label and the attack class behind it (`Benign` for benign flows). */
interface FlowLabel {
  readonly label: Label;
  readonly attack: string;
}

const BENIGN: FlowLabel = { label: 'benign', attack: 'Benign' };

const PROTOCOLS: Readonly<Record<string, number>> = { tcp: 6, udp: 17, icmp: 1 };

function endpointsKey(protocol: number, a: string, aPort: number, b: string, bPort: number): string {
  const x = `${a}|${aPort}`;
  const y = `${b}|${bPort}`;
  return `${protocol}|${x < y ? `${x}|${y}` : `${y}|${x}`}`;
}

/** The capture's Zeek conn records by protocol and endpoints (direction-free). */
function readConnLog(file: string): Map<string, ConnRecord[]> {
  const byEndpoints = new Map<string, ConnRecord[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '' || line.startsWith('#')) {
      continue;
    }
    const f = line.split('\t');
    const protocol = PROTOCOLS[f[6] ?? ''];
    // The last column holds tunnel_parents, label and detailed-label, three spaces apart.
    const [, rawLabel, detailed] = (f[f.length - 1] ?? '').split(/ {3}/);
    const label = rawLabel?.trim().toLowerCase();
    if (protocol === undefined || (label !== 'benign' && label !== 'malicious')) {
      continue;
    }
    const key = endpointsKey(protocol, f[2] ?? '', Number(f[3]), f[4] ?? '', Number(f[5]));
    const list = byEndpoints.get(key) ?? [];
    const attack = label === 'benign' ? 'Benign' : (detailed?.trim() ?? '-');
    list.push({ startMs: Math.round(Number(f[0]) * 1000), label, attack });
    byEndpoints.set(key, list);
  }
  return byEndpoints;
}

function labelOf(flow: BiFlow, conn: Map<string, ConnRecord[]>): FlowLabel | undefined {
  const key = endpointsKey(flow.protocol, flow.srcAddr, flow.srcPort, flow.dstAddr, flow.dstPort);
  const matches = (conn.get(key) ?? []).filter(
    (r) => r.startMs >= flow.startMs - MATCH_SLACK_MS && r.startMs <= flow.endMs + MATCH_SLACK_MS,
  );
  if (matches.length === 0) {
    return undefined;
  }
  const attack = matches.find((r) => r.label === 'malicious');
  return attack === undefined ? BENIGN : { label: 'malicious', attack: attack.attack };
}

interface Tally {
  benign: number;
  benignSuspicious: number;
  benignMalicious: number;
  malicious: number;
  maliciousDetected: number;
  maliciousFlagged: number;
  /** Consecutive malicious flows (in scoring order) not flagged malicious, now and at most. */
  missedRun: number;
  maxMissedRun: number;
  /** Consecutive malicious flows left benign, now and at most. */
  unflaggedRun: number;
  maxUnflaggedRun: number;
}

function emptyTally(): Tally {
  return {
    benign: 0,
    benignSuspicious: 0,
    benignMalicious: 0,
    malicious: 0,
    maliciousDetected: 0,
    maliciousFlagged: 0,
    missedRun: 0,
    maxMissedRun: 0,
    unflaggedRun: 0,
    maxUnflaggedRun: 0,
  };
}

function count(t: Tally, label: Label, score: Scores): void {
  if (label === 'benign') {
    t.benign += 1;
    t.benignSuspicious += score.verdict === 'suspicious' ? 1 : 0;
    t.benignMalicious += score.verdict === 'malicious' ? 1 : 0;
  } else {
    t.malicious += 1;
    t.maliciousDetected += score.verdict === 'malicious' ? 1 : 0;
    t.maliciousFlagged += score.verdict === 'benign' ? 0 : 1;
    t.missedRun = score.verdict === 'malicious' ? 0 : t.missedRun + 1;
    t.unflaggedRun = score.verdict === 'benign' ? t.unflaggedRun + 1 : 0;
    t.maxMissedRun = Math.max(t.maxMissedRun, t.missedRun);
    t.maxUnflaggedRun = Math.max(t.maxUnflaggedRun, t.unflaggedRun);
  }
}

function rate(n: number, of: number): number {
  return of === 0 ? 0 : Math.round((n / of) * 10_000) / 10_000;
}

function tallyFigures(prefix: string, t: Tally): Figure[] {
  const figures: Figure[] = [
    { name: `${prefix}.benignFlows`, value: t.benign, unit: 'flows' },
    { name: `${prefix}.maliciousFlows`, value: t.malicious, unit: 'flows' },
  ];
  if (t.benign > 0) {
    figures.push(
      { name: `${prefix}.benignFlaggedSuspicious`, value: rate(t.benignSuspicious, t.benign), unit: 'share' },
      { name: `${prefix}.benignFlaggedMalicious`, value: rate(t.benignMalicious, t.benign), unit: 'share' },
    );
  }
  if (t.malicious > 0) {
    figures.push(
      { name: `${prefix}.maliciousRecall`, value: rate(t.maliciousDetected, t.malicious), unit: 'share' },
      { name: `${prefix}.maliciousFlagged`, value: rate(t.maliciousFlagged, t.malicious), unit: 'share' },
      // What an infected host gets away with: its longest run of flows without an alert.
      { name: `${prefix}.longestRunNotMalicious`, value: t.maxMissedRun, unit: 'flows' },
      { name: `${prefix}.longestRunUnflagged`, value: t.maxUnflaggedRun, unit: 'flows' },
    );
  }
  return figures;
}

async function scoreInOrder(flows: readonly BiFlow[], pool: ScoringPool): Promise<Scores[]> {
  // A scorer per capture: the host context starts empty, as for a gateway that sees only this site.
  const scorer = new PoolScorer(pool);
  const scores: Scores[] = [];
  for (let i = 0; i < flows.length; i += BATCH) {
    scores.push(...(await scorer.score(flows.slice(i, i + BATCH))));
  }
  return scores;
}

/** Flows that reached the collector after a flow that ended later, and by how much later (p50, max). */
function lateArrivals(flows: readonly BiFlow[]): { count: number; p50Ms: number; maxMs: number } {
  const lags: number[] = [];
  let newestEnd = Number.NEGATIVE_INFINITY;
  for (const f of flows) {
    if (f.endMs < newestEnd) {
      lags.push(newestEnd - f.endMs);
    }
    newestEnd = Math.max(newestEnd, f.endMs);
  }
  lags.sort((a, b) => a - b);
  return { count: lags.length, p50Ms: lags[lags.length >> 1] ?? 0, maxMs: lags.at(-1) ?? 0 };
}

/** Tallies of one scoring order, over the whole capture and over its later 20 % (by end time). */
function tallies(
  flows: readonly BiFlow[],
  scores: readonly Scores[],
  labelFor: (flow: BiFlow) => FlowLabel | undefined,
  laterFromMs: number,
): { all: Tally; later: Tally } {
  const all = emptyTally();
  const later = emptyTally();
  flows.forEach((flow, i) => {
    const label = labelFor(flow)?.label;
    const score = scores[i];
    if (label === undefined || score === undefined) {
      return;
    }
    count(all, label, score);
    if (flow.endMs >= laterFromMs) {
      count(later, label, score);
    }
  });
  return { all, later };
}

/** One labelled flow as the gateway saw it: its feature row in arrival order (`--rows FILE`). */
interface GatewayRow {
  readonly capture: string;
  readonly endMs: number;
  readonly attack: string;
  readonly features: number[];
}

/** The gateway's feature rows of the flows, in arrival order, as PoolScorer computes them. */
function gatewayRows(
  capture: string,
  received: readonly BiFlow[],
  labelFor: (flow: BiFlow) => FlowLabel | undefined,
): GatewayRow[] {
  const tracker = new FlowContextTracker();
  const rows: GatewayRow[] = [];
  for (const flow of received) {
    const features = Array.from(extractFeatures(flow, tracker.observe(flow)));
    const label = labelFor(flow);
    if (label !== undefined) {
      rows.push({ capture, endMs: flow.endMs, attack: label.attack, features });
    }
  }
  return rows;
}

interface CaptureResult {
  readonly figures: Figure[];
  readonly rows: GatewayRow[];
}

async function measureCapture(name: string, pool: ScoringPool, withRows: boolean): Promise<CaptureResult> {
  const dir = path.join(DATA, name);
  const pcap = readdirSync(dir).find((f) => f.endsWith('.pcap'));
  if (pcap === undefined) {
    throw new Error(`no pcap in ${dir}`);
  }
  const conn = readConnLog(path.join(dir, 'conn.log.labeled'));
  const received = await receivedFlows(path.join(dir, pcap));
  const ended = inEndOrder(received);
  const labels = new Map(received.map((f) => [f, labelOf(f, conn)]));
  const matched = [...labels.values()].filter((l) => l !== undefined).length;
  // No flow matched: another recording than the conn log; the capture is labelled benign throughout.
  const fallback = matched === 0 && name.startsWith('CTU-Honeypot') ? BENIGN : undefined;
  const labelFor = (f: BiFlow): FlowLabel | undefined => labels.get(f) ?? fallback;
  const laterFromMs = ended[Math.floor(ended.length * 0.8)]?.endMs ?? Number.POSITIVE_INFINITY;
  const asReceived = tallies(received, await scoreInOrder(received, pool), labelFor, laterFromMs);
  const asEnded = tallies(ended, await scoreInOrder(ended, pool), labelFor, laterFromMs);
  const late = lateArrivals(received);
  const short = name.replace(/^CTU-(IoT-Malware-|Honeypot-)Capture-/, '');
  console.log(
    `${short}: ${received.length} flows, ${matched} matched to conn records${fallback === undefined ? '' : ' (none: labelled benign as the capture)'}, ${late.count} received after a flow that ended later`,
  );
  const figures: Figure[] = [
    { name: `${short}.flows`, value: received.length, unit: 'flows' },
    { name: `${short}.matchedToConnLog`, value: matched, unit: 'flows' },
    { name: `${short}.lateArrivals`, value: late.count, unit: 'flows' },
    { name: `${short}.lateArrivalLagP50`, value: Math.round(late.p50Ms / 1000), unit: 's' },
    { name: `${short}.lateArrivalLagMax`, value: Math.round(late.maxMs / 1000), unit: 's' },
    ...tallyFigures(`${short}.received.all`, asReceived.all),
    ...tallyFigures(`${short}.received.later20`, asReceived.later),
    ...tallyFigures(`${short}.ended.all`, asEnded.all),
    ...tallyFigures(`${short}.ended.later20`, asEnded.later),
  ];
  // The rows repeat the scorer's feature work, so only when asked for.
  return { figures, rows: withRows ? gatewayRows(name, received, labelFor) : [] };
}

async function main(): Promise<void> {
  const manifest = loadModelManifest();
  const pool = await ScoringPool.create({
    ...scoringModelsFromManifest(manifest),
    workers: 1,
    intraOpThreads: 1,
    maxBatch: BATCH,
    maxWaitMs: 0,
    maxQueuedRows: 4 * BATCH,
  });
  try {
    const rowsFile = argValue('--rows');
    const figures: Figure[] = [];
    const rows: GatewayRow[] = [];
    for (const capture of readdirSync(DATA)
      .filter((d) => d.startsWith('CTU-'))
      .sort()) {
      const result = await measureCapture(capture, pool, rowsFile !== undefined);
      figures.push(...result.figures);
      rows.push(...result.rows);
    }
    if (rowsFile !== undefined) {
      writeFileSync(rowsFile, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
      console.log(`wrote ${rows.length} labelled feature rows (arrival order) to ${rowsFile}`);
    }
    saveResults('real-path', figures, {
      models: `${manifest.classifier.id}@${manifest.classifier.version} + ${manifest.anomaly?.id ?? 'no anomaly model'}`,
      exporter: 'softflowd (IPFIX, default timeouts), decoded by the gateway collector',
      orders:
        'received = as the collector emitted the flows (what the gateway scores); ended = by end time (the spec training order)',
      labels: `Zeek conn records of the capture, same endpoints, starting within the flow ±${MATCH_SLACK_MS} ms`,
    });
  } finally {
    await pool.close({ drain: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
