import { Command, InvalidArgumentError } from 'commander';
import { createLogger } from '../logger';
import { setPassword } from '../portal/accounts';
import { startPortal } from '../portal/run';
import { DEFAULT_RISK } from '../risk';
import { openSession, type GlobalOptions, type Io } from './context';
import { openIndex } from './index-command';
import { defaultAccountsFile, defaultIndexFile } from './paths';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('a port is 0 to 65535');
  }
  return n;
}

function rate(value: string): number {
  const n = Number(value);
  if (!(n > 0 && n <= 1)) {
    throw new InvalidArgumentError('a rate is in (0, 1]');
  }
  return n;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

interface ServeOptions {
  host: string;
  port: number;
  indexFile?: string;
  accountsFile?: string;
  threshold: number;
  horizon: number;
  logLevel: string;
}

export function portalCommand(globals: () => GlobalOptions, io: Io): Command {
  const portal = new Command('portal').description('the read-only web portal');
  portal
    .command('add-user')
    .description(
      'create a portal account or set its password (scrypt hash in the accounts file, mode 0600); the password is read from stdin',
    )
    .argument('<username>')
    .option('--accounts-file <path>', 'accounts file')
    .action(async (username: string, opts: { accountsFile?: string }) => {
      const file = opts.accountsFile ?? defaultAccountsFile(globals());
      await setPassword(file, username, await readStdin());
      io.out(`account ${username} saved in ${file}\n`);
    });
  portal
    .command('serve')
    .description('serve the portal (localhost by default) and follow the ledger into the index')
    .option('--host <host>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'listen port', port, 8490)
    .option('--index-file <path>', 'index file')
    .option('--accounts-file <path>', 'accounts file')
    .option(
      '--threshold <rate>',
      'risk flag: forecast suspicious+malicious rate at or above',
      rate,
      DEFAULT_RISK.threshold,
    )
    .option(
      '--horizon <buckets>',
      'risk forecast horizon, in buckets',
      (v) => Number(v),
      DEFAULT_RISK.horizon,
    )
    .option('--log-level <level>', 'pino log level', 'info')
    .action(async (opts: ServeOptions) => {
      const g = globals();
      const logger = createLogger(opts.logLevel);
      const session = openSession(g);
      const index = openIndex(opts.indexFile ?? defaultIndexFile(g));
      const running = await startPortal(
        session,
        index,
        {
          host: opts.host,
          port: opts.port,
          accountsFile: opts.accountsFile ?? defaultAccountsFile(g),
          risk: { threshold: opts.threshold, horizon: opts.horizon },
        },
        logger,
      );
      io.out(`portal at ${running.url} (read-only; log in with an account from \`portal add-user\`)\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          resolve();
        };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await running.close();
      index.close();
      session.close();
    });
  return portal;
}
