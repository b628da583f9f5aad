import { DEPARTMENTS, type ExchangeEntry } from '@cityledger/core';
import { Command, InvalidArgumentError } from 'commander';
import { exitCodeFor } from '../checks';
import { crossCheck, type CrossCheck, type PeerView } from '../cross-check';
import type { FabricSession } from '../fabric-session';
import { LedgerReader } from '../ledger-reader';
import { parseTime } from '../time-arg';
import { openSession, profileFor, type GlobalOptions, type Io } from './context';

interface Target {
  readonly org: string;
  readonly index: number;
  readonly name: string;
}

function targets(options: GlobalOptions, orgs: readonly string[]): Target[] {
  return orgs.flatMap((org) =>
    profileFor(options, org).peers.map((p, index) => ({ org, index, name: p.name })),
  );
}

async function readRecords(
  session: FabricSession,
  from: string | undefined,
  to: string | undefined,
  limit: number,
) {
  const reader = new LedgerReader(session.ledger);
  const records: ExchangeEntry[] = [];
  const query = {
    by: 'time' as const,
    pageSize: 200,
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
  for await (const page of reader.recordPages(query)) {
    records.push(...page.items);
    if (records.length >= limit) {
      return { records, truncated: page.bookmark !== '' };
    }
  }
  return { records, truncated: false };
}

/** Reads the same records and the same block header from every peer, then compares them. */
export async function runCrossCheck(
  options: GlobalOptions,
  orgs: readonly string[],
  window: { from?: string; to?: string; limit: number },
): Promise<CrossCheck & { views: PeerView[] }> {
  const sessions = new Map<Target, FabricSession>();
  const heights = new Map<Target, bigint>();
  const errors = new Map<Target, string>();
  try {
    for (const t of targets(options, orgs)) {
      try {
        const session = openSession(options, t.org, t.index);
        sessions.set(t, session);
        heights.set(t, await session.height());
      } catch (err) {
        errors.set(t, err instanceof Error ? err.message : String(err));
      }
    }
    const common = heights.size === 0 ? 0n : [...heights.values()].reduce((a, b) => (a < b ? a : b));
    const views: PeerView[] = [];
    for (const [t, session] of sessions) {
      if (errors.has(t)) {
        continue;
      }
      try {
        const header = common > 0n ? await session.blockHeader(common - 1n) : undefined;
        const read = await readRecords(session, window.from, window.to, window.limit);
        views.push({
          peer: t.name,
          height: heights.get(t),
          ...(header === undefined ? {} : { header }),
          ...read,
        });
      } catch (err) {
        errors.set(t, err instanceof Error ? err.message : String(err));
      }
    }
    for (const [t, error] of errors) {
      views.push({ peer: t.name, records: [], truncated: false, error });
    }
    return { ...crossCheck(views), views };
  } finally {
    for (const session of sessions.values()) {
      session.close();
    }
  }
}

function formatCrossCheck(result: CrossCheck & { views: PeerView[] }): string {
  const lines = ['peer                    height  records'];
  for (const v of result.views) {
    lines.push(
      `${v.peer.padEnd(22)}  ${String(v.height ?? '-').padStart(6)}  ${v.error === undefined ? v.records.length : `unreachable: ${v.error}`}`,
    );
  }
  lines.push('');
  for (const d of result.disagreements.slice(0, 50)) {
    lines.push(`  ${d.kind.padEnd(11)} ${d.peer.padEnd(22)} ${d.detail}`);
  }
  if (result.disagreements.length > 50) {
    lines.push(`  … ${result.disagreements.length - 50} more`);
  }
  const status = result.result.status === 'pass' ? 'PASS' : 'FAIL';
  lines.push(`${status}  peer-agreement  ${result.result.detail} (exit ${exitCodeFor([result.result])})`);
  return lines.join('\n') + '\n';
}

function orgList(value: string): string[] {
  const orgs = value.split(',').map((s) => s.trim());
  if (orgs.length === 0 || orgs.some((o) => !(DEPARTMENTS as readonly string[]).includes(o))) {
    throw new InvalidArgumentError(`a comma-separated list of ${DEPARTMENTS.join(', ')}`);
  }
  return orgs;
}

export function crossCheckCommand(
  globals: () => GlobalOptions,
  io: Io,
  setExit: (code: number) => void,
): Command {
  return new Command('cross-check')
    .description(
      'read the same records and block header from the peers of every org and report any disagreement',
    )
    .option('--orgs <list>', 'orgs whose peers to compare', orgList, [...DEPARTMENTS])
    .option('--from <time>', 'records observed at or after', (v) => parseTime(v, '--from'))
    .option('--to <time>', 'records observed before', (v) => parseTime(v, '--to'))
    .option('--limit <n>', 'records to read per peer', (v) => Number(v), 5000)
    .option('--json', 'print JSON')
    .action(async (opts: { orgs: string[]; from?: string; to?: string; limit: number; json?: boolean }) => {
      const result = await runCrossCheck(globals(), opts.orgs, opts);
      if (opts.json === true) {
        const views = result.views.map((v) => ({
          peer: v.peer,
          height: v.height?.toString(),
          records: v.records.length,
          error: v.error,
        }));
        io.out(
          JSON.stringify(
            { check: result.result, compared: result.compared, views, disagreements: result.disagreements },
            null,
            2,
          ) + '\n',
        );
      } else {
        io.out(formatCrossCheck(result));
      }
      setExit(exitCodeFor([result.result]));
    });
}
