import { readFileSync } from 'node:fs';
import { isSha256Hex, recordId, type ExchangeRecord } from '@cityledger/core';
import { Command, InvalidArgumentError } from 'commander';
import { checksJson, formatChecks } from '../check-output';
import { exitCodeFor, fail, type CheckResult } from '../checks';
import { readAlertEvidence, readInclusionEvidence, readRecordEvidence, storedEntry } from '../evidence';
import type { LedgerReader } from '../ledger-reader';
import { fetchProof } from '../proof-fetch';
import { checkProofResponse, verifyInclusionEvidence } from '../verify-inclusion';
import { digestFile, verifyPayloadEvidence } from '../verify-payload';
import { verifyAlertEvidence } from '../verify-alert';
import { verifyRecordEvidence } from '../verify-record';
import { withReader, type GlobalOptions, type Io } from './context';

export function recordIdArg(value: string): string {
  const id = value.toLowerCase();
  if (!isSha256Hex(id)) {
    throw new InvalidArgumentError('a record id is 64 hex characters');
  }
  return id;
}

function report(
  io: Io,
  json: boolean,
  title: string,
  subject: Record<string, unknown>,
  results: CheckResult[],
): number {
  io.out(json ? checksJson(subject, results) : formatChecks(title, results));
  return exitCodeFor(results);
}

function readPresented(file: string): Record<string, unknown> {
  const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError(`${file} does not hold a JSON record`);
  }
  return value as Record<string, unknown>;
}

/**
 * `verify record`: the checks on the stored record or, when a document is presented, on that
 * document (looked up on chain by the hash of its content, its signature checked against the key
 * registered at the time).
 */
export async function verifyRecord(
  reader: LedgerReader,
  id: string,
  presented?: Record<string, unknown>,
): Promise<CheckResult[]> {
  const evidence = await readRecordEvidence(reader, id);
  if (presented === undefined || evidence.entry === undefined) {
    return verifyRecordEvidence(evidence);
  }
  const entry = { ...evidence.entry, record: presented as unknown as ExchangeRecord };
  return verifyRecordEvidence({ ...evidence, entry });
}

export async function verifyPayload(reader: LedgerReader, id: string, file: string): Promise<CheckResult[]> {
  const [digest, found] = await Promise.all([digestFile(file), reader.record(id)]);
  return verifyPayloadEvidence(id, found === undefined ? undefined : storedEntry(found), digest);
}

export async function verifyInclusion(
  reader: LedgerReader,
  id: string,
  gatewayUrl: string,
  timeoutMs: number,
): Promise<CheckResult[]> {
  const fetched = await fetchProof(gatewayUrl, id, timeoutMs);
  if (fetched.status !== 200) {
    const message =
      typeof fetched.body === 'object' && fetched.body !== null
        ? JSON.stringify(fetched.body)
        : String(fetched.body);
    return [fail('proof-response', `the gateway answered ${fetched.status}: ${message.slice(0, 300)}`)];
  }
  const parsed = checkProofResponse(id, fetched.body).response;
  return verifyInclusionEvidence(await readInclusionEvidence(reader, id, fetched.body, parsed));
}

/** `verify record|payload|inclusion`: each prints its checks and returns the exit code. */
export function verifyCommand(
  globals: () => GlobalOptions,
  io: Io,
  setExit: (code: number) => void,
): Command {
  const verify = new Command('verify').description(
    'verify records against the ledger; exit 0 only if every check passes',
  );
  verify
    .command('record')
    .description(
      "check a record's id, attestation signature (key registered at the time), model, verdict and policy decision; with --file, check a record document someone presents instead of the stored copy",
    )
    .argument('[id]', 'record id (64 hex)', recordIdArg)
    .option('--file <record.json>', 'a record document (JSON, with its signature) to check against the chain')
    .option('--json', 'print the checks as JSON')
    .action(async (given: string | undefined, opts: { file?: string; json?: boolean }) => {
      const presented = opts.file === undefined ? undefined : readPresented(opts.file);
      const id =
        given ?? (presented === undefined ? undefined : recordId(presented as unknown as ExchangeRecord));
      if (id === undefined) {
        throw new InvalidArgumentError('give a record id or --file');
      }
      const results = await withReader(globals(), (reader) => verifyRecord(reader, id, presented));
      const title =
        opts.file === undefined ? `verify record ${id}` : `verify record ${id} (document ${opts.file})`;
      setExit(report(io, opts.json === true, title, { command: 'verify record', id }, results));
    });
  verify
    .command('alert')
    .description(
      "check a flow alert's id, attestation signature (key registered at the time), zone, models and the feature-spec verdict rule",
    )
    .argument('<id>', 'flow alert id (64 hex)', recordIdArg)
    .option('--json', 'print the checks as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const results = await withReader(globals(), async (reader) =>
        verifyAlertEvidence(await readAlertEvidence(reader, id)),
      );
      setExit(report(io, opts.json === true, `verify alert ${id}`, { command: 'verify alert', id }, results));
    });
  verify
    .command('payload')
    .description(
      'hash a payload file locally and compare it with the record on chain (the file never leaves this machine)',
    )
    .argument('<file>', 'payload file')
    .requiredOption('--record <id>', 'record id (64 hex)', recordIdArg)
    .option('--json', 'print the checks as JSON')
    .action(async (file: string, opts: { record: string; json?: boolean }) => {
      const results = await withReader(globals(), (reader) => verifyPayload(reader, opts.record, file));
      setExit(
        report(
          io,
          opts.json === true,
          `verify payload ${file} --record ${opts.record}`,
          { command: 'verify payload', id: opts.record, file },
          results,
        ),
      );
    });
  verify
    .command('inclusion')
    .description(
      "fetch a batched record's proof from its gateway, verify it against the batch root on chain and check the gateway's batch chain",
    )
    .argument('<id>', 'record id (64 hex)', recordIdArg)
    .requiredOption(
      '--gateway-url <url>',
      'base URL of the gateway that logged the record (serves GET /records/:id/proof)',
    )
    .option('--json', 'print the checks as JSON')
    .action(async (id: string, opts: { gatewayUrl: string; json?: boolean }) => {
      const g = globals();
      const results = await withReader(g, (reader) =>
        verifyInclusion(reader, id, opts.gatewayUrl, g.timeout),
      );
      setExit(
        report(
          io,
          opts.json === true,
          `verify inclusion ${id} via ${opts.gatewayUrl}`,
          { command: 'verify inclusion', id, gatewayUrl: opts.gatewayUrl },
          results,
        ),
      );
    });
  return verify;
}
