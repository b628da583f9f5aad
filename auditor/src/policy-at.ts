import { LIMITS, addSeconds, type PolicyEntry } from '@cityledger/core';

/** The policy in force at a time, and until when the previous version could still be cited. */
export interface PolicyAt {
  readonly time: string;
  /** The latest version written at or before `time`; undefined before the first. */
  readonly current?: PolicyEntry;
  /** The version before `current` while it is still citable (policyGraceSeconds after `current`). */
  readonly stillCitable?: { readonly policy: PolicyEntry; readonly until: string };
  readonly history: readonly PolicyEntry[];
}

export function policyAt(history: readonly PolicyEntry[], time: string): PolicyAt {
  const ordered = [...history].sort((a, b) => a.version - b.version);
  const written = ordered.filter((p) => p.createdAt <= time);
  const current = written[written.length - 1];
  const previous = written[written.length - 2];
  const until = current === undefined ? undefined : addSeconds(current.createdAt, LIMITS.policyGraceSeconds);
  return {
    time,
    ...(current === undefined ? {} : { current }),
    ...(previous !== undefined && until !== undefined && time < until
      ? { stillCitable: { policy: previous, until } }
      : {}),
    history: ordered,
  };
}

function grantLines(policy: PolicyEntry): string[] {
  if (policy.grants.length === 0) {
    return ['    (no grants: every exchange is denied)'];
  }
  return policy.grants.map(
    (g) =>
      `    ${g.grantee.padEnd(9)} purposes ${g.purposes.join(', ')}; valid ${g.validFrom} to ${g.validUntil}; verdicts up to ${g.maxVerdict}`,
  );
}

export function formatPolicyAt(category: string, result: PolicyAt): string {
  const lines: string[] = [];
  if (result.current === undefined) {
    lines.push(`${category}: no policy in force at ${result.time} (every exchange is denied)`);
  } else {
    const c = result.current;
    lines.push(
      `${category} at ${result.time}: version ${c.version}, written ${c.createdAt} by ${c.owner} (tx ${c.txId})`,
    );
    lines.push(...grantLines(c));
    if (result.stillCitable !== undefined) {
      lines.push(
        `  v${result.stillCitable.policy.version} may still be cited until ${result.stillCitable.until} (grace ${LIMITS.policyGraceSeconds} s)`,
      );
    }
  }
  lines.push('', `history (${result.history.length} versions):`);
  for (const p of result.history) {
    const mark = p.version === result.current?.version ? '*' : ' ';
    lines.push(`${mark} v${p.version}  ${p.createdAt}  tx ${p.txId}`);
    lines.push(...grantLines(p));
  }
  return lines.join('\n') + '\n';
}
