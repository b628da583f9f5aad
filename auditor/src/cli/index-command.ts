import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { IndexFollower } from '../index-follower';
import { IndexQueries } from '../index-queries';
import { LedgerIndex } from '../ledger-index';
import { openSession, type GlobalOptions, type Io } from './context';
import { defaultIndexFile } from './paths';

export function openIndex(file: string): LedgerIndex {
  if (file !== ':memory:') {
    mkdirSync(path.dirname(file), { recursive: true });
  }
  return LedgerIndex.open(file);
}

/** Brings the index up to the peer's current height; returns the blocks applied. */
async function sync(
  options: GlobalOptions,
  index: LedgerIndex,
): Promise<{ applied: number; height: bigint }> {
  const session = openSession(options);
  try {
    const height = await session.height();
    const applied = await new IndexFollower(index, session).syncTo(height);
    return { applied, height };
  } finally {
    session.close();
  }
}

export function indexCommand(globals: () => GlobalOptions, io: Io): Command {
  const command = new Command('index').description(
    "the portal's off-chain index (SQLite), fed from blocks; rebuildable at any time",
  );
  const fileOf = (opts: { file?: string }): string => opts.file ?? defaultIndexFile(globals());
  command
    .command('sync')
    .description('read the blocks the index has not seen yet, then stop')
    .option('--file <path>', 'index file')
    .action(async (opts: { file?: string }) => {
      const index = openIndex(fileOf(opts));
      try {
        const { applied, height } = await sync(globals(), index);
        io.out(`applied ${applied} blocks; index at block ${index.nextBlock()} of ${height}\n`);
      } finally {
        index.close();
      }
    });
  command
    .command('rebuild')
    .description('empty the index and read every block again from block 0')
    .option('--file <path>', 'index file')
    .action(async (opts: { file?: string }) => {
      const index = openIndex(fileOf(opts));
      try {
        index.reset();
        const { applied } = await sync(globals(), index);
        io.out(`rebuilt from ${applied} blocks: ${JSON.stringify(new IndexQueries(index.db).counts())}\n`);
      } finally {
        index.close();
      }
    });
  command
    .command('status')
    .description('where the index is')
    .option('--file <path>', 'index file')
    .action((opts: { file?: string }) => {
      const index = openIndex(fileOf(opts));
      try {
        io.out(
          `${JSON.stringify({ file: fileOf(opts), nextBlock: index.nextBlock().toString(), ...new IndexQueries(index.db).counts() })}\n`,
        );
      } finally {
        index.close();
      }
    });
  return command;
}
