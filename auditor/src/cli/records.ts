import {
  DEPARTMENTS,
  LIMITS,
  VERDICTS,
  isCategory,
  type Department,
  type ExchangeEntry,
  type Verdict,
} from '@cityledger/core';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { LedgerReader } from '../ledger-reader';
import { planQuery, type RecordFilters } from '../record-filter';
import { OUTPUT_FORMATS, RecordWriter, type OutputFormat } from '../records-output';
import { parseTime } from '../time-arg';
import { withReader, type GlobalOptions, type Io } from './context';

interface RecordsOptions {
  department?: Department;
  source?: Department;
  consumer?: Department;
  category?: string;
  gateway?: string;
  verdict?: Verdict;
  decision?: 'allow' | 'deny';
  from?: string;
  to?: string;
  output: OutputFormat;
  pageSize: number;
  limit: number;
  bookmark?: string;
}

function positive(max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`must be an integer from 1 to ${max}`);
    }
    return n;
  };
}

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

/**
 * Streams the records matching the filters, page by page, until `limit` rows are written or the
 * ledger has no more. Returns the bookmark to continue from ('' when the query is exhausted).
 */
export async function listRecords(
  reader: LedgerReader,
  filters: RecordFilters,
  options: { pageSize: number; limit: number; bookmark?: string },
  write: (entry: ExchangeEntry) => void,
): Promise<{ count: number; bookmark: string }> {
  const plan = planQuery(filters, Math.min(options.pageSize, options.limit), options.bookmark);
  let count = 0;
  for await (const page of reader.recordPages(plan.query)) {
    for (const entry of page.items) {
      if (plan.matches(entry)) {
        write(entry);
        count += 1;
      }
    }
    if (count >= options.limit) {
      return { count, bookmark: page.bookmark };
    }
  }
  return { count, bookmark: '' };
}

export function recordsCommand(globals: () => GlobalOptions, io: Io): Command {
  return new Command('records')
    .description('list records on the ledger, newest last by observation time, with filters')
    .addOption(new Option('--department <dept>', 'source or consumer department').choices(DEPARTMENTS))
    .addOption(new Option('--source <dept>', 'source (data owner) department').choices(DEPARTMENTS))
    .addOption(new Option('--consumer <dept>', 'consumer department').choices(DEPARTMENTS))
    .option('--category <category>', 'data category, e.g. health/patient-flow', categoryArg)
    .option('--gateway <id>', 'gateway id')
    .addOption(new Option('--verdict <verdict>', 'threat verdict').choices(VERDICTS))
    .addOption(new Option('--decision <decision>', 'policy decision').choices(['allow', 'deny']))
    .option('--from <time>', 'observed at or after (ISO 8601)', timeArg)
    .option('--to <time>', 'observed before (ISO 8601)', timeArg)
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .option('--page-size <n>', 'records per ledger query', positive(LIMITS.maxPageSize), LIMITS.maxPageSize)
    .option(
      '--limit <n>',
      'stop after this many rows (the next bookmark goes to stderr)',
      positive(10_000_000),
      1000,
    )
    .option('--bookmark <bookmark>', 'continue a previous listing')
    .action(async (opts: RecordsOptions) => {
      const writer = new RecordWriter(opts.output, (t) => {
        io.out(t);
      });
      writer.begin();
      const result = await withReader(globals(), (reader) =>
        listRecords(reader, opts, opts, (entry) => {
          writer.add(entry);
        }),
      );
      writer.end();
      io.err(
        result.bookmark === ''
          ? `${result.count} records\n`
          : `${result.count} records; more with --bookmark '${result.bookmark}'\n`,
      );
    });
}
