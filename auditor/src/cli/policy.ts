import { isCategory } from '@cityledger/core';
import { Command, InvalidArgumentError } from 'commander';
import { formatPolicyAt, policyAt } from '../policy-at';
import { parseTime } from '../time-arg';
import { withReader, type GlobalOptions, type Io } from './context';

function categoryArg(value: string): string {
  if (!isCategory(value)) {
    throw new InvalidArgumentError('a category is <department>/<name>, e.g. health/patient-flow');
  }
  return value;
}

function timeArg(value: string): string {
  try {
    return parseTime(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function policyCommand(globals: () => GlobalOptions, io: Io, now: () => Date): Command {
  const policy = new Command('policy').description('access policies as written on the ledger');
  const show = async (category: string, time: string, json: boolean): Promise<void> => {
    const history = await withReader(globals(), (reader) => reader.policyHistory(category));
    const result = policyAt(history, time);
    io.out(json ? JSON.stringify({ category, ...result }, null, 2) + '\n' : formatPolicyAt(category, result));
  };
  policy
    .command('at')
    .description('the policy of a category in force at a time, with its history')
    .argument('<category>', 'data category, e.g. health/patient-flow', categoryArg)
    .option('--time <time>', 'the moment (ISO 8601; default now)', timeArg)
    .option('--json', 'print JSON')
    .action(async (category: string, opts: { time?: string; json?: boolean }) => {
      await show(category, opts.time ?? now().toISOString(), opts.json === true);
    });
  policy
    .command('history')
    .description('every version of a category policy')
    .argument('<category>', 'data category', categoryArg)
    .option('--json', 'print JSON')
    .action(async (category: string, opts: { json?: boolean }) => {
      await show(category, now().toISOString(), opts.json === true);
    });
  return policy;
}
