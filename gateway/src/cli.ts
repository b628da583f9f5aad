#!/usr/bin/env node
import { getHeapStatistics } from 'node:v8';
import { Command, InvalidArgumentError, Option } from 'commander';
import { generateKeyFile } from './attestation-signer';
import { systemClock } from './clock';
import { type GatewayConfig, loadConfig } from './config';
import { openDatabase } from './db';
import { DirLock } from './dir-lock';
import { writeFeatureRows, writeFeatureRowsFile } from './feature-rows';
import { Outbox } from './outbox';
import { formatTable, progressBar } from './progress';
import { REPLAY_FORMATS, type ReplayFormat, type ReplaySummary, runReplay } from './replay-run';
import { GatewayService } from './service';
import { type GatewayStatus, readStatus } from './status';

/** The configuration: the only place the environment is read. */
function config(options: { config?: string }): GatewayConfig {
  return loadConfig(process.env, options.config);
}

function seconds(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) {
    throw new InvalidArgumentError('must be a number of seconds >= 0');
  }
  return n;
}

function formatOf(file: string, given: ReplayFormat | undefined): ReplayFormat {
  if (given !== undefined) {
    return given;
  }
  return /\.(pcap|pcapng|cap)$/i.test(file) ? 'pcap' : 'jsonl';
}

/** Heap limit above which the process was not started with gateway/node-options (bin/cityledger-gateway.sh). */
const HEAP_LIMIT_WITH_FLAGS = 512 * 2 ** 20;

async function start(options: { config?: string }): Promise<void> {
  if (getHeapStatistics().heap_size_limit > HEAP_LIMIT_WITH_FLAGS) {
    process.stderr.write(
      'cityledger-gateway: started without the V8 flags of gateway/node-options (use bin/cityledger-gateway.sh); ' +
        'RSS under a flow flood may exceed 200 MB\n',
    );
  }
  const service = await GatewayService.open(config(options));
  const where = await service.start();
  process.stderr.write(
    `cityledger-gateway: http ${where.http ?? 'off'}, collector ${where.collector?.port ?? 'off'}\n`,
  );
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      process.stderr.write(`cityledger-gateway: second ${signal}, exiting without draining\n`);
      process.exit(1);
    }
    service.stop().then(
      (report) => {
        process.stderr.write(`cityledger-gateway: stopped (${report.unsettled} rows left in the outbox)\n`);
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`cityledger-gateway: stop failed: ${String(err)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

function collectorLine(c: NonNullable<GatewayStatus['collector']>): string {
  const buffer = `receive buffer ${c.effective} bytes (asked ${c.requested}${c.clamped ? ', clamped by net.core.rmem_max' : ''})`;
  const drops =
    c.kernelDrops === null ? 'socket not open' : `${c.kernelDrops} datagrams dropped by the kernel`;
  return `collector ${c.address}:${c.port}: ${buffer}, ${drops}`;
}

function status(options: { config?: string; json?: boolean }): void {
  const c = config(options);
  const db = openDatabase(c.dataDir);
  try {
    const s = readStatus(db, systemClock);
    if (options.json === true) {
      process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      return;
    }
    const out = [
      `gateway ${c.gatewayId} (${c.department}), data ${c.dataDir}`,
      '',
      formatTable([['kind', 'state', 'rows'], ...s.outbox.map((r) => [r.kind, r.state, r.n])]),
      '',
      `benign records waiting for a batch: ${s.unbatched}`,
      '',
      formatTable([
        ['batch', 'records', 'state', 'cut at', 'root'],
        ...s.batches.map((b) => [b.seq, b.count, b.state ?? '-', b.cutAt, b.root.slice(0, 16)]),
      ]),
      '',
      formatTable([
        ['last commits', 'kind', 'block', 'at'],
        ...s.lastCommits.map((r) => [r.id.slice(0, 16), r.kind, r.block ?? '-', r.at]),
      ]),
      ...(s.rejected.length === 0
        ? []
        : ['', formatTable([['rejected by', 'rows'], ...s.rejected.map((r) => [r.code, r.n])])]),
      ...(s.collector === null ? [] : ['', collectorLine(s.collector)]),
    ];
    process.stdout.write(`${out.join('\n')}\n`);
  } finally {
    db.close();
  }
}

/**
 * Rejected outbox rows back to pending (after the cause was fixed on chain, e.g. a model or gateway
 * registered late). Takes the data folder's lock, so only while the gateway is stopped.
 */
function requeue(ids: string[], options: { config?: string; code?: string; all?: boolean }): void {
  if (ids.length === 0 && options.all !== true && options.code === undefined) {
    throw new InvalidArgumentError('name row ids, or --code CODE, or --all');
  }
  const c = config(options);
  const lock = DirLock.acquire(c.dataDir);
  const db = openDatabase(c.dataDir);
  try {
    const requeued = new Outbox(db, systemClock).requeueRejected(ids, options.code);
    const missed = ids.filter((id) => !requeued.includes(id));
    process.stdout.write(`requeued ${requeued.length} rejected row(s)\n`);
    if (missed.length > 0) {
      process.stdout.write(`not rejected (unknown, pending or committed): ${missed.join(', ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    db.close();
    lock.release();
  }
}

function summaryTable(s: ReplaySummary): string {
  const kinds = ['exchange', 'flow-alert', 'batch'] as const;
  return [
    formatTable([
      ['replay', 'value'],
      ['flows', s.flows],
      ['dropped (overload)', s.dropped],
      ['benign (logged)', s.verdicts.benign],
      ['suspicious', s.verdicts.suspicious],
      ['malicious', s.verdicts.malicious],
      ['batches cut', s.batchesCut],
      ['seconds', s.seconds.toFixed(1)],
      ['flows/s', s.seconds > 0 ? Math.round(s.flows / s.seconds) : 0],
    ]),
    '',
    formatTable([
      ['records', 'committed', 'rejected', 'pending'],
      ...kinds.map((k) => [
        k,
        s.settled[k].committed,
        s.settled[k].rejected,
        s.settled[k].pending + s.settled[k].submitting,
      ]),
    ]),
    s.drained ? '' : '\nthe outbox was not drained before the deadline; the rows stay for the next start',
  ].join('\n');
}

async function replay(
  file: string,
  options: {
    config?: string;
    format?: ReplayFormat;
    offline?: boolean;
    drain: number;
    ipfix: boolean;
    keepTimes?: boolean;
    json?: boolean;
  },
): Promise<void> {
  const c = config(options);
  const service = await GatewayService.open(c, options.offline === true ? { ledger: null } : {}, {
    http: false,
    collector: false,
  });
  const bar = progressBar(process.stderr, 'replay');
  try {
    const summary = await runReplay(service, {
      file,
      format: formatOf(file, options.format),
      drainMs: options.drain * 1000,
      softflowdVersion: options.ipfix ? 10 : 9,
      keepTimes: options.keepTimes === true,
      onProgress: (done, total) => {
        bar.update(done, total, 'flows');
      },
    });
    bar.finish();
    process.stdout.write(
      options.json === true ? `${JSON.stringify(summary, null, 2)}\n` : `${summaryTable(summary)}\n`,
    );
  } finally {
    await service.stop();
  }
}

async function features(captures: string[], options: { out?: string; netflowV9?: boolean }): Promise<void> {
  const version = options.netflowV9 === true ? 9 : 10;
  const counts =
    options.out === undefined
      ? await writeFeatureRows(captures, process.stdout, { version })
      : await writeFeatureRowsFile(captures, options.out, { version });
  captures.forEach((capture, i) => {
    process.stderr.write(`${capture}: ${counts[i]} flows\n`);
  });
}

function keys(file: string, options: { json?: boolean }): void {
  const publicKeyPem = generateKeyFile(file);
  process.stdout.write(options.json === true ? `${JSON.stringify({ file, publicKeyPem })}\n` : publicKeyPem);
}

export function buildCli(): Command {
  const program = new Command('cityledger-gateway')
    .description('CityLedger MEC edge gateway')
    .showHelpAfterError();
  const configOption = new Option(
    '-c, --config <file>',
    'configuration file (default: $CITYLEDGER_GW_CONFIG)',
  );
  program
    .command('start')
    .description('run the gateway until SIGTERM/SIGINT')
    .addOption(configOption)
    .action(start);
  program
    .command('status')
    .description('outbox depth by state, last commits, batches')
    .addOption(configOption)
    .option('--json', 'print JSON')
    .action(status);
  program
    .command('replay <file>')
    .description('feed a flow file (JSONL of BiFlow) or a pcap (through softflowd) through the full pipeline')
    .addOption(configOption)
    .addOption(
      new Option('--format <format>', 'input format (default: by extension)').choices(REPLAY_FORMATS),
    )
    .option('--offline', 'no ledger: records stay in the outbox')
    .option('--drain <seconds>', 'how long to wait for the ledger at the end', seconds, 120)
    .option('--ipfix', 'have softflowd export IPFIX instead of NetFlow v9', false)
    .option(
      '--keep-times',
      "keep the flows' own times (default: re-timed to end now, within the chain's window)",
    )
    .option('--json', 'print the summary as JSON')
    .action(replay);
  program
    .command('requeue [ids...]')
    .description('move rejected outbox rows back to pending (gateway stopped): by id, --code, or --all')
    .addOption(configOption)
    .option('--code <code>', 'every rejected row with this error code')
    .option('--all', 'every rejected row')
    .action(requeue);
  program
    .command('features <captures...>')
    .description(
      'feature rows of packet captures as this gateway computes them (softflowd export, arrival order), JSONL, for training',
    )
    .option('-o, --out <file>', 'write the rows here (default: standard output)')
    .option('--netflow-v9', 'have softflowd export NetFlow v9 instead of IPFIX', false)
    .action(features);
  program
    .command('keys <file>')
    .description('generate an ECDSA P-256 attestation key file (mode 0600); prints the public key')
    .option('--json', 'print {file, publicKeyPem}')
    .action(keys);
  return program;
}

if (require.main === module) {
  buildCli()
    .parseAsync(process.argv)
    .catch((err: unknown) => {
      process.stderr.write(`cityledger-gateway: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
