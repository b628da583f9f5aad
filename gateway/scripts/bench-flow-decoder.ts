/**
 * Decode throughput of the flow collector's decode-and-pair path, on real exporter output:
 *   npx tsc -p gateway/scripts && node gateway/scripts/dist/gateway/scripts/bench-flow-decoder.js [SECONDS]
 * softflowd exports each IoT-23 capture (../shared/data/iot-23) as NetFlow v9 and as IPFIX into the
 * collector, which records the datagrams; each recording is then decoded over and over for SECONDS
 * (default 5) per format: decode only (decodePacket), and decode + pairing (FlowPipeline, a fresh one
 * per pass). Prints packets/s, records/s and BiFlows/s. Needs softflowd.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  createFlowCollector,
  decodePacket,
  FlowPipeline,
  readPcap,
  runSoftflowd,
  TemplateCache,
  type BiFlow,
  type CapturedDatagram,
} from '../src/flow';

function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'gateway', 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
  return dir;
}

const CAPTURES = [
  'CTU-Honeypot-Capture-4-1/2018-09-14-13-40-25-Philips-Hue-Bridge.pcap',
  'CTU-IoT-Malware-Capture-34-1/2018-12-21-15-50-14-192.168.1.195.irc.pcap',
  'CTU-IoT-Malware-Capture-42-1/2019-01-10-14-34-38-192.168.1.197.pcap',
];

async function export_(capture: string, version: 9 | 10, file: string): Promise<CapturedDatagram[]> {
  const c = createFlowCollector({ port: 0, host: '127.0.0.1', recordTo: file, onFlows: () => undefined });
  const { port } = await c.start();
  const summary = await runSoftflowd({ capture, host: '127.0.0.1', port, version });
  while (c.stats().received < summary.packets) await new Promise((r) => setTimeout(r, 10));
  await c.stop();
  return readPcap(await readFile(file)).datagrams;
}

interface Rate {
  readonly packetsPerS: number;
  readonly recordsPerS: number;
  readonly flowsPerS: number;
}

function measure(seconds: number, pass: () => [number, number, number]): Rate {
  let packets = 0;
  let records = 0;
  let flows = 0;
  for (let i = 0; i < 20; i++) pass(); // warm up
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < seconds * 1000) {
    const [p, r, f] = pass();
    packets += p;
    records += r;
    flows += f;
    elapsed = performance.now() - start;
  }
  const per = (n: number) => Math.round(n / (elapsed / 1000));
  return { packetsPerS: per(packets), recordsPerS: per(records), flowsPerS: per(flows) };
}

function decodeOnly(datagrams: readonly CapturedDatagram[]): [number, number, number] {
  const cache = new TemplateCache();
  let records = 0;
  for (const d of datagrams) records += decodePacket(d.payload, d.source, cache, d.timeMs).records.length;
  return [datagrams.length, records, 0];
}

function decodeAndPair(datagrams: readonly CapturedDatagram[]): [number, number, number] {
  const pipeline = new FlowPipeline();
  const out: BiFlow[] = [];
  for (const d of datagrams) {
    pipeline.push(d.payload, d.source, d.timeMs, out);
    pipeline.tick(d.timeMs, out);
  }
  pipeline.flush(out);
  return [datagrams.length, pipeline.stats().records, out.length];
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const data = path.resolve(repoRoot(), '..', 'shared', 'data', 'iot-23');
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-flow-'));
  try {
    const results: Record<string, unknown>[] = [];
    for (const version of [9, 10] as const) {
      const datagrams: CapturedDatagram[] = [];
      for (const [i, c] of CAPTURES.entries()) {
        // Each capture from its own exporter address, as separate softflowd processes would be.
        const got = await export_(path.join(data, c), version, path.join(dir, `${i}-v${version}.pcap`));
        datagrams.push(...got.map((d) => ({ ...d, source: `${d.source}#${i}` })));
      }
      const [packets, records, flows] = decodeAndPair(datagrams);
      const format = version === 9 ? 'NetFlow v9' : 'IPFIX';
      results.push({
        format,
        stage: 'decode',
        packets,
        records,
        ...measure(seconds, () => decodeOnly(datagrams)),
      });
      results.push({
        format,
        stage: 'decode+pair',
        packets,
        records,
        flows,
        ...measure(seconds, () => decodeAndPair(datagrams)),
      });
    }
    console.table(results);
    console.log(JSON.stringify({ node: process.version, seconds, results }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
