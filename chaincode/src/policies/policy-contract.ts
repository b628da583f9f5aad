import {
  categoryOwner,
  CityLedgerError,
  EVENTS,
  isCategory,
  LIMITS,
  MAX_POLICY_VERSION,
  parseAccessPolicy,
  parseJsonArgument,
  type PolicyEntry,
  ROLES,
} from '@cityledger/core';
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { checkInteger } from '../arguments';
import { CityLedgerContract } from '../base-contract';
import { getCaller, requireDepartmentRole, requireRole } from '../caller';
import { requireOwnerEndorsement } from '../ledger/endorsement';
import { keys, pad, RANGE_END } from '../ledger/keys';
import { emit, getJson, putJson, reply, txTime } from '../ledger/state';
import { getPolicyHead, getPolicyVersion, type PolicyHead, type PolicyRoot } from './policy-store';

function checkCategory(category: string): void {
  if (!isCategory(category)) {
    throw new CityLedgerError(
      'INVALID_ARGUMENT',
      'category must be <department>/<name>, e.g. health/patient-flow',
    );
  }
}

/**
 * Versioned access policies. Only the owner department's steward writes; every policy key, the
 * category head and the department's policy root require the owner org's peer (state-based
 * endorsement), so other orgs cannot change them even by colluding.
 */
@Info({ title: 'PolicyContract', description: 'Access policies of data categories' })
export class PolicyContract extends CityLedgerContract {
  constructor() {
    super('policies');
  }

  /**
   * Writes the next version of a category's policy; `version` must be the current version + 1
   * (1 for a new category), else CONFLICT. Caller: steward of the category's owner department.
   */
  @Transaction()
  @Returns('string')
  public async putPolicy(ctx: Context, policy: string): Promise<string> {
    const parsed = parseAccessPolicy(parseJsonArgument(policy, 'policy', LIMITS.maxArgumentBytes));
    const owner = categoryOwner(parsed.category);
    requireDepartmentRole(getCaller(ctx), owner, ['steward'], 'putPolicy');
    const head = await getPolicyHead(ctx, parsed.category);
    const expected = (head?.version ?? 0) + 1;
    if (parsed.version !== expected) {
      throw new CityLedgerError(
        'CONFLICT',
        `${parsed.category} is at version ${expected - 1}, expected ${expected}`,
      );
    }
    const at = txTime(ctx);
    const txId = ctx.stub.getTxID();
    const entry: PolicyEntry = { ...parsed, owner, createdAt: at, txId };
    const root = await getJson<PolicyRoot>(ctx, keys.policyRoot(owner));
    const writes: [string, unknown][] = [
      [keys.policy(parsed.category, parsed.version), entry],
      [
        keys.policyHead(parsed.category),
        {
          category: parsed.category,
          owner,
          version: parsed.version,
          updatedAt: at,
          policy: entry,
        } satisfies PolicyHead,
      ],
      [keys.policyRoot(owner), { department: owner, writes: (root?.writes ?? 0) + 1, updatedAt: at }],
    ];
    for (const [key, value] of writes) {
      await putJson(ctx, key, value);
      await requireOwnerEndorsement(ctx, key, owner);
    }
    emit(ctx, {
      type: EVENTS.policyChanged,
      txId,
      at,
      category: parsed.category,
      owner,
      version: parsed.version,
    });
    return reply(entry);
  }

  /** One version of a category's policy; `version` empty for the current one. Caller: any identity. */
  @Transaction(false)
  @Returns('string')
  public async getPolicy(ctx: Context, category: string, version: string): Promise<string> {
    checkCategory(category);
    const wanted = checkInteger(version, 'version', 1, MAX_POLICY_VERSION, 0);
    requireRole(getCaller(ctx), ROLES, 'getPolicy');
    let v = wanted;
    if (v === 0) {
      const head: PolicyHead | undefined = await getPolicyHead(ctx, category);
      if (head === undefined) {
        throw new CityLedgerError('NOT_FOUND', `no policy for ${category}`);
      }
      v = head.version;
    }
    return reply(await getPolicyVersion(ctx, category, v));
  }

  /**
   * Versions of a category's policy from `fromVersion` (default 1), at most LIMITS.maxPageSize, oldest
   * first: `{"items":[PolicyEntry...],"next":<version or 0>}`. Caller: any identity.
   */
  @Transaction(false)
  @Returns('string')
  public async getPolicyHistory(ctx: Context, category: string, fromVersion: string): Promise<string> {
    checkCategory(category);
    const from = checkInteger(fromVersion, 'fromVersion', 1, MAX_POLICY_VERSION, 1);
    requireRole(getCaller(ctx), ROLES, 'getPolicyHistory');
    const head = await getPolicyHead(ctx, category);
    if (head === undefined) {
      throw new CityLedgerError('NOT_FOUND', `no policy for ${category}`);
    }
    const last = Math.min(head.version, from + LIMITS.maxPageSize - 1);
    const items: PolicyEntry[] = [];
    if (from <= last) {
      const prefix = keys.policyPrefix(category);
      const end = last === MAX_POLICY_VERSION ? `${prefix}${RANGE_END}` : `${prefix}${pad(last + 1, 9)}`;
      const iterator = await ctx.stub.getStateByRange(`${prefix}${pad(from, 9)}`, end);
      try {
        for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
          items.push(JSON.parse(Buffer.from(r.value.value).toString('utf8')) as PolicyEntry);
        }
      } finally {
        await iterator.close();
      }
    }
    return reply({ items, next: last < head.version ? last + 1 : 0 });
  }
}
