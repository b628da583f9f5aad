import { CATEGORY, categoryOwner } from './category';
import {
  type DataDepartment,
  type Department,
  DEPARTMENTS,
  LIMITS,
  type Verdict,
  VERDICTS,
} from './constants';
import { invalid, ObjectReader } from './validate';

export const PURPOSE = /^[a-z][a-z0-9-]{0,63}$/;
export const MAX_POLICY_VERSION = 999_999_999;

/** Permission for one consumer department to receive a category's data. */
export interface Grant {
  readonly grantee: Department;
  /** Purposes the data may be used for (e.g. `emergency-planning`). */
  readonly purposes: readonly string[];
  /** Inclusive start of validity. */
  readonly validFrom: string;
  /** Exclusive end of validity. */
  readonly validUntil: string;
  /** The highest threat verdict still allowed to flow. */
  readonly maxVerdict: Verdict;
}

/** One version of a category's access policy, as written by the owner department's steward. */
export interface AccessPolicy {
  /** `<owner>/<name>`, e.g. `health/patient-flow`. */
  readonly category: string;
  /** 1 for the first version, then exactly one more than the current version. */
  readonly version: number;
  /** At most one grant per grantee; an empty list denies everything. */
  readonly grants: readonly Grant[];
}

/** A policy version as held on the ledger. */
export interface PolicyEntry extends AccessPolicy {
  readonly owner: DataDepartment;
  readonly createdAt: string;
  readonly txId: string;
}

function uniqueStrings(values: unknown[], path: string, pattern: RegExp): string[] {
  const seen = new Set<string>();
  values.forEach((value, i) => {
    if (typeof value !== 'string' || value.length > 64 || !pattern.test(value)) {
      invalid(`${path}[${i}]`, `must match ${pattern.source}`);
    }
    if (seen.has(value)) {
      invalid(`${path}[${i}]`, 'is a duplicate');
    }
    seen.add(value);
  });
  return [...seen];
}

export function parseGrant(value: unknown, path: string): Grant {
  const r = new ObjectReader(value, path);
  const grant: Grant = {
    grantee: r.oneOf('grantee', DEPARTMENTS),
    purposes: uniqueStrings(r.array('purposes', 1, LIMITS.maxPurposesPerGrant), r.path('purposes'), PURPOSE),
    validFrom: r.timestamp('validFrom'),
    validUntil: r.timestamp('validUntil'),
    maxVerdict: r.oneOf('maxVerdict', VERDICTS),
  };
  r.done();
  if (grant.validFrom >= grant.validUntil) {
    invalid(r.path('validUntil'), 'must be after validFrom');
  }
  return grant;
}

export function parseAccessPolicy(value: unknown, path = 'policy'): AccessPolicy {
  const r = new ObjectReader(value, path);
  const category = r.string('category', CATEGORY, 80);
  const version = r.integer('version', 1, MAX_POLICY_VERSION);
  const grants = r
    .array('grants', 0, LIMITS.maxGrantsPerPolicy)
    .map((g, i) => parseGrant(g, `${path}.grants[${i}]`));
  r.done();
  const owner = categoryOwner(category);
  const grantees = new Set<string>();
  grants.forEach((grant, i) => {
    if (grant.grantee === owner) {
      invalid(`${path}.grants[${i}].grantee`, 'must not be the owner department');
    }
    if (grantees.has(grant.grantee)) {
      invalid(`${path}.grants[${i}].grantee`, 'already has a grant in this policy');
    }
    grantees.add(grant.grantee);
  });
  return { category, version, grants };
}
