import { CHECK_CATALOGUE, exitCodeFor, failedChecks, verified, type CheckResult } from './checks';

const MARK = { pass: 'PASS', fail: 'FAIL', skip: 'SKIP' } as const;

/** Human-readable check results: one line per check, then the verdict and the exit code. */
export function formatChecks(title: string, results: readonly CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const lines = [title];
  for (const r of results) {
    lines.push(`  ${MARK[r.status]}  ${r.name.padEnd(width)}  ${r.detail}`);
  }
  const code = exitCodeFor(results);
  if (verified(results)) {
    lines.push(`VERIFIED: ${results.length} checks passed (exit 0)`);
  } else {
    const failed = failedChecks(results);
    const first = failed[0];
    const what =
      first === undefined
        ? 'a check did not run'
        : `${first} — ${CHECK_CATALOGUE[first].title.toLowerCase()}`;
    lines.push(`NOT VERIFIED: failed ${failed.join(', ') || 'none'}; first: ${what} (exit ${code})`);
  }
  return lines.join('\n') + '\n';
}

/** Machine-readable check results. */
export function checksJson(subject: Record<string, unknown>, results: readonly CheckResult[]): string {
  return (
    JSON.stringify(
      {
        ...subject,
        verified: verified(results),
        exitCode: exitCodeFor(results),
        failed: failedChecks(results),
        checks: results,
      },
      null,
      2,
    ) + '\n'
  );
}
