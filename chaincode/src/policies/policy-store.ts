import { addSeconds, CityLedgerError, type DataDepartment, LIMITS, type PolicyEntry } from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { keys } from '../ledger/keys';
import { getJson } from '../ledger/state';

/**
 * The current version of a category's policy, and that version's entry itself: every record cites
 * a policy version, nearly always the current one, and finds it here without reading the version's
 * own key (one read less in each record's read set). Heads written before 2026-11-24 carry no
 * `policy`; the version key is read for them.
 */
export interface PolicyHead {
  readonly category: string;
  readonly owner: DataDepartment;
  readonly version: number;
  readonly updatedAt: string;
  readonly policy?: PolicyEntry;
}

/** Per-department counter touched by each policy write (carries the owner-only endorsement policy). */
export interface PolicyRoot {
  readonly department: DataDepartment;
  readonly writes: number;
  readonly updatedAt: string;
}

export async function getPolicyHead(ctx: Context, category: string): Promise<PolicyHead | undefined> {
  return getJson<PolicyHead>(ctx, keys.policyHead(category));
}

/**
 * A policy version, only if it is at or below the head (a version key above the head was not written
 * through the owner-endorsed path and is ignored). NOT_FOUND otherwise.
 */
export async function getPolicyVersion(
  ctx: Context,
  category: string,
  version: number,
  knownHead?: PolicyHead,
): Promise<PolicyEntry> {
  const head = knownHead ?? (await getPolicyHead(ctx, category));
  if (head === undefined) {
    throw new CityLedgerError('NOT_FOUND', `no policy for ${category}`);
  }
  const entry =
    version === head.version && head.policy?.version === version
      ? head.policy
      : version <= head.version
        ? await getJson<PolicyEntry>(ctx, keys.policy(category, version))
        : undefined;
  if (entry === undefined) {
    throw new CityLedgerError('NOT_FOUND', `no version ${version} of the policy for ${category}`);
  }
  return entry;
}

/**
 * The policy version a record cites, if it was in force when the record was observed: written
 * before `observedAt` (give or take LIMITS.maxClockSkewSeconds between the writer's and the gateway's
 * clocks), and not superseded more than LIMITS.policyGraceSeconds before it (gateways
 * need time to learn of a new version). POLICY_NOT_IN_FORCE otherwise; NOT_FOUND if no policy exists.
 */
export async function policyInForce(
  ctx: Context,
  category: string,
  version: number,
  observedAt: string,
): Promise<PolicyEntry> {
  const head = await getPolicyHead(ctx, category);
  if (head === undefined) {
    throw new CityLedgerError('NOT_FOUND', `no policy for ${category}`);
  }
  if (version > head.version) {
    throw new CityLedgerError(
      'POLICY_NOT_IN_FORCE',
      `${category} has no version ${version} (latest ${head.version})`,
    );
  }
  const entry = await getPolicyVersion(ctx, category, version, head);
  if (entry.createdAt > addSeconds(observedAt, LIMITS.maxClockSkewSeconds)) {
    throw new CityLedgerError(
      'POLICY_NOT_IN_FORCE',
      `${category} v${version} was written after ${observedAt}`,
    );
  }
  if (version < head.version) {
    const successor = await getPolicyVersion(ctx, category, version + 1, head);
    if (addSeconds(successor.createdAt, LIMITS.policyGraceSeconds) <= observedAt) {
      throw new CityLedgerError(
        'POLICY_NOT_IN_FORCE',
        `${category} v${version} was superseded by v${version + 1} at ${successor.createdAt}`,
      );
    }
  }
  return entry;
}
