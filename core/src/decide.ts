import { categoryOwner } from './category';
import { type Department, type Verdict, verdictRank } from './constants';
import { type AccessPolicy, type Grant } from './policy';

/** What is asked of a policy: may `consumerDepartment` receive this data for this purpose now? */
export interface AccessRequest {
  readonly category: string;
  readonly sourceDepartment: Department;
  readonly consumerDepartment: Department;
  readonly purpose: string;
  readonly verdict: Verdict;
}

export const DENY_REASONS = [
  'category-mismatch',
  'source-not-owner',
  'no-grant',
  'not-yet-valid',
  'expired',
  'purpose-not-allowed',
  'verdict-too-high',
] as const;
export type DenyReason = (typeof DENY_REASONS)[number];

export type AccessDecision =
  | { readonly allow: true; readonly grant: Grant }
  | {
      readonly allow: false;
      readonly code: 'POLICY_DENIED';
      readonly reason: DenyReason;
      readonly message: string;
    };

function deny(reason: DenyReason, message: string): AccessDecision {
  return { allow: false, code: 'POLICY_DENIED', reason, message };
}

/**
 * The access decision, identical at the edge and on chain. `at` is an ISO timestamp (on chain: the
 * record's observation time, so the chain re-decides what the gateway decided). Rules, in order:
 * the policy must be for the category; the source must own the category; the consumer needs a grant;
 * `validFrom <= at < validUntil`; the purpose must be granted; the verdict must not exceed `maxVerdict`.
 */
export function decide(policy: AccessPolicy, request: AccessRequest, at: string): AccessDecision {
  if (policy.category !== request.category) {
    return deny('category-mismatch', `policy is for ${policy.category}, not ${request.category}`);
  }
  const owner = categoryOwner(policy.category);
  if (request.sourceDepartment !== owner) {
    return deny(
      'source-not-owner',
      `${policy.category} is owned by ${owner}, not ${request.sourceDepartment}`,
    );
  }
  const grant = policy.grants.find((g) => g.grantee === request.consumerDepartment);
  if (grant === undefined) {
    return deny(
      'no-grant',
      `no grant for ${request.consumerDepartment} in ${policy.category} v${policy.version}`,
    );
  }
  if (at < grant.validFrom) {
    return deny('not-yet-valid', `grant for ${grant.grantee} starts at ${grant.validFrom}`);
  }
  if (at >= grant.validUntil) {
    return deny('expired', `grant for ${grant.grantee} expired at ${grant.validUntil}`);
  }
  if (!grant.purposes.includes(request.purpose)) {
    return deny('purpose-not-allowed', `purpose ${request.purpose} is not granted to ${grant.grantee}`);
  }
  if (verdictRank(request.verdict) > verdictRank(grant.maxVerdict)) {
    return deny(
      'verdict-too-high',
      `verdict ${request.verdict} exceeds ${grant.maxVerdict} for ${grant.grantee}`,
    );
  }
  return { allow: true, grant };
}
