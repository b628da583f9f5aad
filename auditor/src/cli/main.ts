import { CityLedgerError } from '@cityledger/core';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { CHECK_CATALOGUE, EXIT } from '../checks';
import { GatewayUnreachableError } from '../proof-fetch';
import { globalDefaults, processIo, type GlobalOptions, type Io } from './context';
import { crossCheckCommand } from './cross-check';
import { indexCommand } from './index-command';
import { policyCommand } from './policy';
import { portalCommand } from './portal';
import { recordsCommand } from './records';
import { reportCommand } from './report';
import { verifyCommand } from './verify';

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new InvalidArgumentError('must be a non-negative integer');
  }
  return n;
}

function exitCodesHelp(): string {
  const lines = [
    '',
    'Exit codes:',
    `  ${EXIT.verified}   verified (every check passed) / command succeeded`,
    `  ${EXIT.error}   unexpected error`,
    `  ${EXIT.usage}   bad usage or arguments`,
    `  ${EXIT.ledger}   the ledger could not be read (peer unreachable, deadline, access denied)`,
    `  ${EXIT.gateway}   the gateway serving proofs could not be reached`,
  ];
  for (const [name, info] of Object.entries(CHECK_CATALOGUE)) {
    lines.push(`  ${info.exit}  ${name}: ${info.title}`);
  }
  return lines.join('\n');
}

export interface MainOptions {
  readonly io?: Io;
  readonly env?: NodeJS.ProcessEnv;
  readonly now?: () => Date;
}

/** Builds the program. `exitCode()` holds the code once `parseAsync` resolved. */
export function buildProgram(options: MainOptions = {}): { program: Command; exitCode: () => number } {
  const io = options.io ?? processIo;
  const env = options.env ?? process.env;
  const now = options.now ?? (() => new Date());
  let code: number = EXIT.verified;
  const setExit = (c: number): void => {
    code = c;
  };
  const defaults = globalDefaults(env);
  const program = new Command('cityledger-audit')
    .description('CityLedger auditor: query, verify and report on the ledger with the Audit org identity')
    .option('--data-dir <dir>', 'network data directory (connection profiles)', defaults.dataDir)
    .option('--org <org>', 'org of the auditor identity', defaults.org)
    .option('--identity <name>', 'identity in that org profile', defaults.identity)
    .option('--peer-org <org>', "query this org's peer instead of the auditor org's own")
    .option('--peer <index>', 'which peer of the profile', integer, defaults.peer)
    .option('--timeout <ms>', 'deadline of each ledger or gateway call', integer, defaults.timeout)
    .configureOutput({
      writeOut: (s) => {
        io.out(s);
      },
      writeErr: (s) => {
        io.err(s);
      },
    })
    .addHelpText('after', exitCodesHelp())
    .exitOverride()
    .showHelpAfterError();
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  program.addCommand(recordsCommand(globals, io));
  program.addCommand(verifyCommand(globals, io, setExit));
  program.addCommand(policyCommand(globals, io, now));
  program.addCommand(reportCommand(globals, io, setExit));
  program.addCommand(crossCheckCommand(globals, io, setExit));
  program.addCommand(indexCommand(globals, io));
  program.addCommand(portalCommand(globals, io));
  for (const command of program.commands) {
    command.exitOverride();
    command.commands.forEach((c) => c.exitOverride());
  }
  return { program, exitCode: () => code };
}

/** The exit code an error leaves with: usage, ledger, gateway or unexpected. */
export function exitCodeForError(err: unknown): number {
  if (err instanceof CommanderError) {
    return err.exitCode === 0 ? EXIT.verified : EXIT.usage;
  }
  if (err instanceof CityLedgerError) {
    return EXIT.ledger;
  }
  if (err instanceof GatewayUnreachableError) {
    return EXIT.gateway;
  }
  return EXIT.error;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? processIo;
  const { program, exitCode } = buildProgram(options);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode();
  } catch (err) {
    const code = exitCodeForError(err);
    if (!(err instanceof CommanderError)) {
      const what =
        err instanceof CityLedgerError
          ? 'ledger error'
          : err instanceof GatewayUnreachableError
            ? 'gateway error'
            : 'error';
      io.err(`${what}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    return code;
  }
}
