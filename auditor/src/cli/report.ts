import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { CHECK_CATALOGUE, EXIT } from '../checks';
import type { LedgerReader } from '../ledger-reader';
import { readSnapshot, type LedgerSnapshot } from '../ledger-snapshot';
import { buildReport, type ReportData } from '../report-data';
import { reportDocument } from '../report-document';
import { renderHtml, renderMarkdown } from '../report-render';
import { parseTime } from '../time-arg';
import type { FabricSession } from '../fabric-session';
import { withReader, type GlobalOptions, type Io } from './context';

export function reportFromSnapshot(
  snapshot: LedgerSnapshot,
  from: string,
  to: string,
  summary?: Parameters<typeof buildReport>[0]['chainSummary'],
): ReportData {
  return buildReport({
    from,
    to,
    records: snapshot.records,
    flowAlerts: snapshot.flowAlerts,
    incidents: snapshot.incidents,
    batches: snapshot.batches,
    policies: snapshot.policies,
    gateways: snapshot.gateways,
    models: snapshot.models,
    erasures: snapshot.erasures,
    ...(summary === undefined ? {} : { chainSummary: summary }),
  });
}

/**
 * Reads the ledger for a report: the chaincode's summary at a stable height (retried while blocks
 * arrive), then every block up to that height.
 */
export async function readReport(
  reader: LedgerReader,
  session: FabricSession,
  from: string,
  to: string,
  withSummary: boolean,
): Promise<ReportData> {
  for (let attempt = 0; ; attempt += 1) {
    const height = await session.height();
    const summary = withSummary ? await reader.complianceSummary(from, to) : undefined;
    if ((await session.height()) === height || attempt === 4) {
      return reportFromSnapshot(await readSnapshot(session, height), from, to, summary);
    }
  }
}

export function reportCommand(
  globals: () => GlobalOptions,
  io: Io,
  setExit: (code: number) => void,
): Command {
  return new Command('report')
    .description('a compliance report of a period, from the ledger alone (same ledger, same bytes)')
    .requiredOption('--from <time>', 'start of the period, inclusive (ISO 8601)', (v) =>
      parseTime(v, '--from'),
    )
    .requiredOption('--to <time>', 'end of the period, exclusive (ISO 8601)', (v) => parseTime(v, '--to'))
    .addOption(new Option('--format <format>', 'output format').choices(['md', 'html']).default('md'))
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--no-summary', "skip the cross-check against the chaincode's compliance summary")
    .action(
      async (opts: { from: string; to: string; format: 'md' | 'html'; out?: string; summary: boolean }) => {
        if (opts.from >= opts.to) {
          throw new Error('--to must be after --from');
        }
        const data = await withReader(globals(), (reader, session) =>
          readReport(reader, session, opts.from, opts.to, opts.summary),
        );
        const doc = reportDocument(data);
        const text = opts.format === 'html' ? renderHtml(doc) : renderMarkdown(doc);
        if (opts.out === undefined) {
          io.out(text);
        } else {
          writeFileSync(opts.out, text);
          io.err(
            `wrote ${opts.out} (${data.totals.records} records, fingerprint ${data.fingerprint.slice(0, 16)}…)\n`,
          );
        }
        if (data.summaryCheck?.status === 'fail') {
          io.err(`FAIL summary-agreement: ${data.summaryCheck.detail}\n`);
          setExit(CHECK_CATALOGUE['summary-agreement'].exit);
        } else {
          setExit(EXIT.verified);
        }
      },
    );
}
