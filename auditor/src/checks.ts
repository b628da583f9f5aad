/**
 * The verification checks an auditor can run, each with a stable name and its own process exit
 * code. A verification is a list of check results; it verifies only when every check passed.
 * The exit code of a failed verification is the code of its first failed check, in catalogue
 * order, so a script can tell which check failed without reading the output.
 */

export interface CheckInfo {
  /** Process exit code when this is the first failed check. */
  readonly exit: number;
  /** What passing the check establishes, for humans. */
  readonly title: string;
}

function info(exit: number, title: string): CheckInfo {
  return { exit, title };
}

export const CHECK_CATALOGUE = {
  'record-on-chain': info(10, 'The record is on the ledger under the id asked for'),
  'record-format': info(11, 'The stored record is well formed (core validation)'),
  'record-id': info(12, 'The record id is the hash of its canonical content'),
  'gateway-registered': info(13, 'The gateway was registered and active when the record was committed'),
  'attestation-signature': info(14, "The gateway's signature verifies with the key registered at that time"),
  'model-approved': info(15, 'The scoring model was registered and not retired at the observation time'),
  'verdict-thresholds': info(16, "The verdict follows from the score and the model's thresholds"),
  'policy-version': info(17, 'The cited policy version existed and was in force'),
  'policy-decision': info(
    18,
    'The decision recomputed with decide() at that version equals the recorded one',
  ),
  'payload-sha256': info(20, 'The payload file hashes to the payloadSha256 on chain'),
  'payload-size': info(21, 'The payload file has the payloadSize on chain'),
  'proof-response': info(30, "The gateway's proof response is well formed and is for the record asked for"),
  'batch-on-chain': info(31, 'The batch the proof cites is anchored on the ledger'),
  'inclusion-proof': info(32, 'The RFC 6962 proof leads from the record to the batch root on chain'),
  'batch-signature': info(33, "The batch anchor carries the gateway's valid signature"),
  'batch-chain': info(34, "The gateway's batch roots form an unbroken chain (no gap, no reorder)"),
  'peer-agreement': info(40, 'Every peer returns the same records'),
  'summary-agreement': info(41, "The chaincode's compliance summary equals a record-by-record count"),
} as const satisfies Record<string, CheckInfo>;

export type CheckName = keyof typeof CHECK_CATALOGUE;

export const CHECK_NAMES = Object.keys(CHECK_CATALOGUE) as readonly CheckName[];

/** Exit codes that are not a check: success, and failures to run a verification at all. */
export const EXIT = {
  verified: 0,
  /** An unexpected failure (a bug, or an error without a catalogue code). */
  error: 1,
  /** Bad command-line usage or arguments. */
  usage: 2,
  /** The ledger could not be read (peer unreachable, deadline, access denied). */
  ledger: 3,
  /** The gateway that serves proofs could not be reached or answered with an error. */
  gateway: 4,
} as const;

export type CheckStatus = 'pass' | 'fail' | 'skip';

/** The result of one check. `skip` means a check could not run because an earlier one failed. */
export interface CheckResult {
  readonly name: CheckName;
  readonly status: CheckStatus;
  readonly detail: string;
}

export function pass(name: CheckName, detail: string): CheckResult {
  return { name, status: 'pass', detail };
}

export function fail(name: CheckName, detail: string): CheckResult {
  return { name, status: 'fail', detail };
}

export function skip(name: CheckName, detail: string): CheckResult {
  return { name, status: 'skip', detail };
}

/** True when every check ran and passed. */
export function verified(results: readonly CheckResult[]): boolean {
  return results.length > 0 && results.every((r) => r.status === 'pass');
}

/** The failed checks, in catalogue order. */
export function failedChecks(results: readonly CheckResult[]): CheckName[] {
  const failed = new Set(results.filter((r) => r.status === 'fail').map((r) => r.name));
  return CHECK_NAMES.filter((name) => failed.has(name));
}

/** 0 when verified; else the exit code of the first failed check in catalogue order. */
export function exitCodeFor(results: readonly CheckResult[]): number {
  const first = failedChecks(results)[0];
  if (first !== undefined) {
    return CHECK_CATALOGUE[first].exit;
  }
  return verified(results) ? EXIT.verified : EXIT.error;
}
