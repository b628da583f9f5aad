/**
 * Runs Debian's softflowd over a packet capture, exporting NetFlow v9 or IPFIX to a collector: the
 * replay path "pcap -> softflowd -> gateway". What softflowd 1.1.0 needs for that:
 * - `-c none`: with a control socket, `-r` blocks in accept() before reading the capture;
 * - `-a`: take flow times from the capture (otherwise they mix capture time with the wall clock);
 * - `-d`: stay in the foreground; it exits after the capture, having flushed every flow;
 * - a capture that ends inside a record makes it exit without exporting anything, so such a capture
 *   is cut to its last complete record first (in a temporary copy).
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PcapFormatError, readPcap } from './pcap-reader';

export interface SoftflowdOptions {
  /** The packet capture to read (pcap). */
  readonly capture: string;
  readonly host: string;
  readonly port: number;
  /** 9 = NetFlow v9, 10 = IPFIX. */
  readonly version: 9 | 10;
  /** IPFIX only: RFC 5103 biflow records (`-b`), one record per softflowd flow. */
  readonly biflow?: boolean;
  /** Absolute flow times (`-A milli` etc.) instead of sysUpTime-relative ones. */
  readonly absoluteTimes?: 'sec' | 'milli' | 'micro' | 'nano';
  /** Path of the softflowd binary; default "softflowd" on PATH, then /usr/sbin/softflowd. */
  readonly binary?: string;
  /** Kill softflowd if it has not finished by then. Default 120 s. */
  readonly timeoutMs?: number;
}

export interface SoftflowdSummary {
  /** softflowd's own counts ("Flows exported: F (R records) in P packets (E failures)"). */
  readonly flows: number;
  readonly records: number;
  readonly packets: number;
  readonly failures: number;
  /** Bytes cut from the end of a capture that ended inside a record (0 when it did not). */
  readonly trimmedBytes: number;
  /** What softflowd printed (its statistics at exit). */
  readonly log: string;
}

const SUMMARY = /Flows exported: (\d+) \((\d+) records\) in (\d+) packets \((\d+) failures\)/;

export function softflowdArgs(o: SoftflowdOptions, capture: string): string[] {
  const args = [
    '-r',
    capture,
    '-n',
    `${o.host}:${o.port}`,
    '-v',
    String(o.version),
    '-d',
    '-c',
    'none',
    '-a',
  ];
  if (o.biflow === true) args.push('-b');
  if (o.absoluteTimes !== undefined) args.push('-A', o.absoluteTimes);
  return args;
}

async function completeCapture(capture: string, dir: string): Promise<[string, number]> {
  const bytes = await readFile(capture);
  let complete: number;
  try {
    complete = readPcap(bytes).completeLength;
  } catch (err) {
    if (err instanceof PcapFormatError) return [capture, 0]; // pcapng or other: softflowd reads it as is
    throw err;
  }
  if (complete === bytes.length) return [capture, 0];
  const cut = path.join(dir, path.basename(capture));
  await writeFile(cut, bytes.subarray(0, complete));
  return [cut, bytes.length - complete];
}

/** Runs softflowd; its log (statistics on stdout, messages on stderr) comes back as one text. */
function run(
  binary: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number | null; log: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    const append = (chunk: Buffer) => {
      log += chunk.toString();
    };
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, log });
    });
  });
}

async function findBinary(explicit: string | undefined): Promise<string> {
  if (explicit !== undefined) return explicit;
  for (const candidate of (process.env.PATH ?? '').split(':').concat('/usr/sbin', '/sbin')) {
    const file = path.join(candidate, 'softflowd');
    try {
      await access(file, constants.X_OK);
      return file;
    } catch {
      // keep looking
    }
  }
  throw new Error('softflowd not found: install it (Debian package softflowd, see scripts/setup.sh)');
}

/** Runs softflowd to the end of the capture; rejects if it fails or exports nothing it says it read. */
export async function runSoftflowd(options: SoftflowdOptions): Promise<SoftflowdSummary> {
  const binary = await findBinary(options.binary);
  const dir = await mkdtemp(path.join(tmpdir(), 'softflowd-'));
  try {
    const [capture, trimmedBytes] = await completeCapture(options.capture, dir);
    const { code, log } = await run(binary, softflowdArgs(options, capture), options.timeoutMs ?? 120_000);
    const m = SUMMARY.exec(log);
    if (code !== 0 || m === null) throw new Error(`softflowd exited with ${code}: ${log.trim().slice(-500)}`);
    const [flows, records, packets, failures] = m.slice(1, 5).map(Number) as [number, number, number, number];
    return { flows, records, packets, failures, trimmedBytes, log };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
