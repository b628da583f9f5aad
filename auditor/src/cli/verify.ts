import { isSha256Hex } from '@cityledger/core';
import { Command, InvalidArgumentError } from 'commander';
import { checksJson, formatChecks } from '../check-output';
import { exitCodeFor, fail, type CheckResult } from '../checks';
import { readInclusionEvidence, readRecordEvidence, storedEntry } from '../evidence';
import type { LedgerReader } from '../ledger-reader';
import { fetchProof } from '../proof-fetch';
import { checkProofResponse, verifyInclusionEvidence } from '../verify-inclusion';
import { digestFile, verifyPayloadEvidence } from '../verify-payload';
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

export async function verifyRecord(reader: LedgerReader, id: string): Promise<CheckResult[]> {
  return verifyRecordEvidence(await readRecordEvidence(reader, id));
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
      "check a record's id, attestation signature (key registered at the time), model, verdict and policy decision",
    )
    .argument('<id>', 'record id (64 hex)', recordIdArg)
    .option('--json', 'print the checks as JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const results = await withReader(globals(), (reader) => verifyRecord(reader, id));
      setExit(
        report(io, opts.json === true, `verify record ${id}`, { command: 'verify record', id }, results),
      );
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
