/**
 * Independent decoders used as test oracles: tshark (Wireshark's cflow dissector) and nfdump's
 * nfcapd, run on the very datagrams the collector received (its pcap recording). Their output is
 * reduced to the same flat record our decoder's UniFlow gives, so the lists can be compared.
 */
import { spawn, spawnSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CapturedDatagram, UniFlow } from '../../../../../gateway/src/flow';

/** One direction of a flow, as any of the decoders reports it. */
export interface FlatRecord {
  readonly protocol: number;
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  readonly bytes: number;
  readonly packets: number;
  readonly tcpFlags: number;
  readonly icmp: string;
  readonly startMs: number;
  readonly endMs: number;
}

export function fromUniFlow(f: UniFlow): FlatRecord {
  const icmp = f.protocol === 1 || f.protocol === 58 ? `${f.icmpType}/${f.icmpCode}` : '';
  return {
    protocol: f.protocol,
    src: f.srcAddr,
    srcPort: f.srcPort,
    dst: f.dstAddr,
    dstPort: f.dstPort,
    bytes: f.bytes,
    packets: f.packets,
    tcpFlags: f.tcpFlags,
    icmp,
    startMs: f.startMs,
    endMs: f.endMs,
  };
}

export function key(r: FlatRecord, times = true): string {
  const base = `${r.protocol} ${r.src}:${r.srcPort} > ${r.dst}:${r.dstPort} ${r.bytes}B ${r.packets}p f${r.tcpFlags} ${r.icmp}`;
  return times ? `${base} ${r.startMs}-${r.endMs}` : base;
}

export function requireTools(...tools: string[]): void {
  const missing = tools.filter(
    (t) => spawnSync('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t}`]).status !== 0,
  );
  if (missing.length > 0) {
    throw new Error(
      `missing Debian tools: ${missing.join(', ')} (run 'bash scripts/setup.sh', which installs them)`,
    );
  }
}

// ---- tshark -------------------------------------------------------------------------------------

type Json = string | string[] | { [k: string]: Json } | Json[];
type Obj = { [k: string]: Json };

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Sep 14, 2018 11:40:27.140000000 UTC" -> Unix ms. */
export function tsharkDate(text: string): number {
  const m = /^(\w{3}) +(\d+), (\d{4}) (\d\d):(\d\d):(\d\d)\.(\d{3})\d* UTC$/.exec(text);
  if (m === null) throw new Error(`unexpected tshark date ${text}`);
  const [, mon, day, year, hh, mm, ss, ms] = m as unknown as string[];
  return Date.UTC(
    Number(year),
    MONTHS.indexOf(mon!),
    Number(day),
    Number(hh),
    Number(mm),
    Number(ss),
    Number(ms),
  );
}

const secondsToMs = (s: string): number => Math.round(Number(s) * 1000);
const first = (v: Json | undefined): string | undefined =>
  Array.isArray(v) ? (v[0] as string) : (v as string | undefined);
const at = (v: Json | undefined, i: number): string | undefined =>
  Array.isArray(v) ? (v[i] as string) : i === 0 ? (v as string) : undefined;

interface TsharkHeader {
  readonly version: number;
  readonly exportMs: number;
  readonly sysUptimeMs: number;
}

function tsharkIcmp(flow: Obj): string {
  const v4 = first(flow['cflow.icmp_type_code_ipv4']);
  if (v4 !== undefined) return `${parseInt(v4, 16) >> 8}/${parseInt(v4, 16) & 0xff}`;
  const type = first(flow['cflow.icmp_ipv6_type']);
  return type === undefined ? '' : `${type}/${first(flow['cflow.icmp_ipv6_code']) ?? '0'}`;
}

function tsharkTime(t: Obj, which: 'start' | 'end', h: TsharkHeader, sysInitMs: number): number {
  const relative = first(t[`cflow.time${which}`]);
  const absolute = first(t[`cflow.abstime${which}`]);
  // tshark shows a sysUpTime of exactly 0 as the Unix epoch; it is a relative 0.
  const uptime = relative !== undefined ? secondsToMs(relative) : tsharkDate(absolute!) === 0 ? 0 : undefined;
  if (uptime === undefined) return tsharkDate(absolute!);
  return h.version === 9 ? h.exportMs - (h.sysUptimeMs - uptime) : sysInitMs + uptime;
}

function tsharkTimes(flow: Obj, h: TsharkHeader, sysInitMs: number): [number, number] {
  const t = flow['cflow.timedelta_tree'] as Obj;
  return [tsharkTime(t, 'start', h, sysInitMs), tsharkTime(t, 'end', h, sysInitMs)];
}

/** Direction 0 is the record's own; direction 1 the RFC 5103 reverse values, when present. */
function tsharkRecord(
  flow: Obj,
  h: TsharkHeader,
  sysInitMs: number,
  direction: 0 | 1,
): FlatRecord | undefined {
  const bytes = at(flow['cflow.octets'], direction);
  if (bytes === undefined) return undefined;
  const v6 = flow['cflow.srcaddrv6'] !== undefined;
  const [startMs, endMs] = tsharkTimes(flow, h, sysInitMs);
  const protocol = Number(first(flow['cflow.protocol']));
  const hasPorts = protocol === 6 || protocol === 17;
  const a = {
    addr: first(flow[v6 ? 'cflow.srcaddrv6' : 'cflow.srcaddr'])!,
    port: hasPorts ? Number(first(flow['cflow.srcport'])) : 0,
  };
  const b = {
    addr: first(flow[v6 ? 'cflow.dstaddrv6' : 'cflow.dstaddr'])!,
    port: hasPorts ? Number(first(flow['cflow.dstport'])) : 0,
  };
  const [from, to] = direction === 0 ? [a, b] : [b, a];
  const flags = at(flow['cflow.tcpflags'], direction);
  return {
    protocol,
    src: from.addr,
    srcPort: from.port,
    dst: to.addr,
    dstPort: to.port,
    bytes: Number(bytes),
    packets: Number(at(flow['cflow.packets'], direction)),
    tcpFlags: protocol === 6 && flags !== undefined ? parseInt(flags, 16) : 0,
    icmp: tsharkIcmp(flow),
    startMs,
    endMs,
  };
}

type TsharkFlow = [FlatRecord, FlatRecord | undefined];

/** The records of one NetFlow/IPFIX message (tshark's cflow layer); tracks systemInitTime in `state`. */
function messageFlows(cf: Obj, state: { sysInitMs: number }, out: TsharkFlow[]): void {
  const version = Number(cf['cflow.version']);
  const ts = cf['cflow.timestamp_tree'] as Obj;
  const exportMs = Number(first(ts['cflow.unix_secs'] ?? ts['cflow.exporttime'])) * 1000;
  const sysUptimeMs = version === 9 ? secondsToMs(first(cf['cflow.sysuptime'])!) : 0;
  const h: TsharkHeader = { version, exportMs, sysUptimeMs };
  const sets = Object.entries(cf).filter(([name]) => /^(Flow)?Set \d+/.test(name));
  for (const [, set] of sets) {
    for (const [flowName, flow] of Object.entries(set as Obj)) {
      if (!flowName.startsWith('Flow ')) continue;
      const f = flow as Obj;
      const init = first(f['cflow.sys_init_time']);
      if (init !== undefined) state.sysInitMs = tsharkDate(init);
      if (f['cflow.srcaddr'] === undefined && f['cflow.srcaddrv6'] === undefined) continue;
      out.push([tsharkRecord(f, h, state.sysInitMs, 0)!, tsharkRecord(f, h, state.sysInitMs, 1)]);
    }
  }
}

/** Each flow record tshark finds, as its own side and (RFC 5103 records) its reverse side. */
function tsharkFlows(capture: string, port: number): TsharkFlow[] {
  const args = ['-r', capture, '-d', `udp.port==${port},cflow`, '-T', 'json', '--no-duplicate-keys'];
  const out = spawnSync('tshark', args, { maxBuffer: 1 << 30, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`tshark failed: ${out.stderr}`);
  const frames = JSON.parse(out.stdout) as { _source: { layers: Obj } }[];
  const flows: TsharkFlow[] = [];
  const state = { sysInitMs: NaN };
  for (const frame of frames) {
    const cflows = frame._source.layers.cflow;
    for (const cf of (Array.isArray(cflows) ? cflows : [cflows]) as Obj[]) messageFlows(cf, state, flows);
  }
  return flows;
}

/** Every flow record tshark finds in a capture of NetFlow/IPFIX sent to `port`. */
export function tsharkRecords(capture: string, port: number): FlatRecord[] {
  return tsharkFlows(capture, port).map(([r]) => r);
}

/** RFC 5103 biflow records (softflowd -b): [forward side, reverse side]. */
export function tsharkBiflows(capture: string, port: number): [FlatRecord, FlatRecord][] {
  return tsharkFlows(capture, port).map(([fwd, rev]) => {
    if (rev === undefined) throw new Error('expected RFC 5103 reverse fields');
    return [fwd, rev];
  });
}

// ---- nfcapd / nfdump ----------------------------------------------------------------------------

async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) =>
    s.close(() => {
      resolve();
    }),
  );
  return port;
}

const NFDUMP_FLAGS = 'CEUAPRSF';

function nfdumpFlags(text: string | undefined): number {
  if (text === undefined) return 0;
  let v = 0;
  for (let i = 0; i < NFDUMP_FLAGS.length; i++) if (text[i] !== '.') v |= 1 << (7 - i);
  return v;
}

interface NfdumpFlow {
  type: string;
  proto: number;
  src4_addr?: string;
  dst4_addr?: string;
  src6_addr?: string;
  dst6_addr?: string;
  src_port?: number;
  dst_port?: number;
  icmp_type?: number;
  icmp_code?: number;
  in_bytes: number;
  in_packets: number;
  tcp_flags?: string;
  first: string;
  last: string;
}

/**
 * Feeds the datagrams to a real nfcapd over UDP (paced so that none is lost), stops it, and reads
 * the flows back with `nfdump -o json`. nfdump 1.7.1 swaps first and last for IPFIX
 * flowStart/EndSysUpTime, so times come back as [min, max] of the two.
 */
export async function nfdumpRecords(datagrams: readonly CapturedDatagram[]): Promise<FlatRecord[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nfcapd-'));
  const port = await freeUdpPort();
  const nfcapd = spawn('nfcapd', ['-p', String(port), '-b', '127.0.0.1', '-w', dir, '-t', '3600'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let log = '';
    const started = new Promise<void>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        log += chunk.toString();
        if (log.includes('Startup')) resolve();
      };
      nfcapd.stdout.on('data', onData);
      nfcapd.stderr.on('data', onData);
      nfcapd.on('exit', (code) => {
        reject(new Error(`nfcapd exited (${code}): ${log}`));
      });
    });
    await started;
    const sender = dgram.createSocket('udp4');
    for (const [i, d] of datagrams.entries()) {
      await new Promise<void>((resolve, reject) => {
        sender.send(d.payload, port, '127.0.0.1', (e) => {
          if (e) reject(e);
          else resolve();
        });
      });
      if (i % 16 === 15) await new Promise((r) => setTimeout(r, 2));
    }
    sender.close();
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise<void>((resolve) =>
      nfcapd.once('close', () => {
        resolve();
      }),
    );
    nfcapd.kill('SIGTERM');
    await exited;
    const out = spawnSync('nfdump', ['-R', dir, '-o', 'json'], {
      maxBuffer: 1 << 30,
      encoding: 'utf8',
      env: { ...process.env, TZ: 'UTC' },
    });
    if (out.status !== 0) throw new Error(`nfdump failed: ${out.stderr}`);
    const flows = (out.stdout.trim() === '' ? [] : JSON.parse(out.stdout)) as NfdumpFlow[];
    return flows.filter((f) => f.type === 'FLOW').map(fromNfdump);
  } finally {
    if (nfcapd.exitCode === null) nfcapd.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  }
}

function fromNfdump(f: NfdumpFlow): FlatRecord {
  const icmp = f.proto === 1 || f.proto === 58;
  const a = Date.parse(`${f.first}Z`);
  const b = Date.parse(`${f.last}Z`);
  return {
    protocol: f.proto,
    src: (f.src4_addr ?? f.src6_addr)!,
    srcPort: icmp ? 0 : (f.src_port ?? 0),
    dst: (f.dst4_addr ?? f.dst6_addr)!,
    dstPort: icmp ? 0 : (f.dst_port ?? 0),
    bytes: f.in_bytes,
    packets: f.in_packets,
    tcpFlags: f.proto === 6 ? nfdumpFlags(f.tcp_flags) : 0,
    icmp: icmp ? `${f.icmp_type ?? 0}/${f.icmp_code ?? 0}` : '',
    startMs: Math.min(a, b),
    endMs: Math.max(a, b),
  };
}
