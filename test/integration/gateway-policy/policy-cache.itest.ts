// The gateway's PolicyCache on the real network: a steward's policy change reaches the cache's
// decisions through chaincode events within seconds, and a restarted cache resumes from its checkpoint.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type AccessPolicy, type AccessRequest, type PolicyEntry } from '@cityledger/core';
import { type LedgerClient } from '@cityledger/client';
import { PolicyCache, type PolicyDecision, type PolicyLedger } from '../../../gateway/src/policy';
import { uniqueId } from '../support/gateway-identity';
import { ClientPool } from '../support/network';

const clients = new ClientPool();
let dir: string;
const caches: PolicyCache[] = [];

afterAll(async () => {
  await Promise.all(caches.map((c) => c.close()));
  clients.closeAll();
  rmSync(dir, { recursive: true, force: true });
});

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'itest-policy-cache-'));
});

const category = uniqueId('health/itest-cache');
const AT = new Date().toISOString();

function policy(version: number, purposes: string[] | undefined): AccessPolicy {
  return {
    category,
    version,
    grants:
      purposes === undefined
        ? []
        : [
            {
              grantee: 'transport',
              purposes,
              validFrom: '2020-01-01T00:00:00.000Z',
              validUntil: '2099-01-01T00:00:00.000Z',
              maxVerdict: 'suspicious',
            },
          ],
  };
}

function request(purpose: string): AccessRequest {
  return {
    category,
    sourceDepartment: 'health',
    consumerDepartment: 'transport',
    purpose,
    verdict: 'benign',
  };
}

/** The gateway's LedgerClient, recording where each event stream was asked to start. */
function recording(client: LedgerClient, starts: unknown[]): PolicyLedger {
  return {
    evaluate: (fn, args) => client.evaluate(fn, args),
    chaincodeEvents: (from) => {
      starts.push(from?.checkpoint === undefined ? from : { checkpoint: from.checkpoint.getBlockNumber() });
      return client.chaincodeEvents(from);
    },
  };
}

async function until(
  cache: PolicyCache,
  check: (d: PolicyDecision) => boolean,
  purpose: string,
  timeoutMs = 15_000,
): Promise<number> {
  const started = Date.now();
  while (!check(cache.decisionFor(request(purpose), AT))) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(
        `decision did not change within ${timeoutMs} ms: ${JSON.stringify(cache.decisionFor(request(purpose), AT))}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

it('follows a steward policy change through events, and resumes from its checkpoint after a restart', async () => {
  const steward = clients.as('health', 'steward');
  const gateway = clients.as('health', 'gateway');
  const put = (p: AccessPolicy): Promise<PolicyEntry> =>
    steward.submitJson<PolicyEntry>('policies:putPolicy', [JSON.stringify(p)]);

  await put(policy(1, ['emergency-planning']));
  const statePath = path.join(dir, 'policy-cache.sqlite');
  const starts: unknown[] = [];
  const first = PolicyCache.open({ ledger: recording(gateway, starts), statePath, categories: [category] });
  caches.push(first);
  await first.start();
  expect(first.decisionFor(request('emergency-planning'), AT)).toMatchObject({
    allow: true,
    policyVersion: 1,
  });

  // The steward revokes transport's grant: the cache learns it from the policy-changed event.
  await put(policy(2, undefined));
  const ms = await until(first, (d) => !d.allow && d.policyVersion === 2, 'emergency-planning');
  expect(first.decisionFor(request('emergency-planning'), AT)).toMatchObject({
    allow: false,
    reason: 'no-grant',
    policyVersion: 2,
  });
  expect(ms).toBeLessThan(10_000);
  const checkpoint = first.status().checkpoint!;
  expect(checkpoint).toBeDefined();
  await first.close();

  // While the gateway is down, the steward grants again for another purpose.
  await put(policy(3, ['capacity']));

  const resumed: unknown[] = [];
  const second = PolicyCache.open({ ledger: recording(gateway, resumed), statePath });
  caches.push(second);
  // Before any ledger access: the saved v2.
  expect(second.decisionFor(request('capacity'), AT)).toMatchObject({ allow: false, policyVersion: 2 });
  await second.start();
  expect(resumed[0]).toEqual({ checkpoint: checkpoint.blockNumber });
  await until(second, (d) => d.allow && d.policyVersion === 3, 'capacity');
  expect(second.decisionFor(request('emergency-planning'), AT)).toMatchObject({
    allow: false,
    reason: 'purpose-not-allowed',
    policyVersion: 3,
  });
});
