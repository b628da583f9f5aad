import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type AccessPolicy, type AccessRequest, canonicalBytes, EVENTS } from '@cityledger/core';
import { PolicyCache, type PolicyCacheEvent, type PolicyCacheOptions } from '../../../../gateway/src/policy';
import { FakeLedger } from './support/fake-ledger';

const CATEGORY = 'health/patient-flow';
const AT = '2026-06-01T12:00:00.000Z';

function policy(overrides: Partial<AccessPolicy> = {}): Omit<AccessPolicy, 'version'> {
  return {
    category: CATEGORY,
    grants: [
      {
        grantee: 'transport',
        purposes: ['emergency-planning'],
        validFrom: '2026-01-01T00:00:00.000Z',
        validUntil: '2027-01-01T00:00:00.000Z',
        maxVerdict: 'suspicious',
      },
    ],
    ...overrides,
  };
}

function request(overrides: Partial<AccessRequest> = {}): AccessRequest {
  return {
    category: CATEGORY,
    sourceDepartment: 'health',
    consumerDepartment: 'transport',
    purpose: 'emergency-planning',
    verdict: 'benign',
    ...overrides,
  };
}

async function eventually(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
}

let dir: string;
const caches: PolicyCache[] = [];
let seen: PolicyCacheEvent[];

function open(ledger: FakeLedger, overrides: Partial<PolicyCacheOptions> = {}): PolicyCache {
  const cache = PolicyCache.open({
    ledger,
    statePath: path.join(dir, 'state.sqlite'),
    backoff: { initialMs: 10, maxMs: 40 },
    onEvent: (e) => seen.push(e),
    ...overrides,
  });
  caches.push(cache);
  return cache;
}

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'policy-cache-'));
  seen = [];
});

afterEach(async () => {
  await Promise.all(caches.splice(0).map((c) => c.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('PolicyCache initial load', () => {
  it('loads the configured categories with getPolicy and decides with core decide()', async () => {
    const ledger = new FakeLedger();
    ledger.putPolicy(policy());
    ledger.putPolicy(policy({ category: 'energy/grid-load', grants: [] }));
    const cache = open(ledger, { categories: [CATEGORY, 'energy/grid-load'] });
    expect(cache.decisionFor(request(), AT)).toMatchObject({ allow: false, reason: 'no-policy' });
    await cache.start();
    expect(ledger.evaluations).toEqual(
      expect.arrayContaining([
        ['policies:getPolicy', CATEGORY, ''],
        ['policies:getPolicy', 'energy/grid-load', ''],
      ]),
    );
    expect(cache.decisionFor(request(), AT)).toMatchObject({ allow: true, policyVersion: 1 });
    expect(cache.decisionFor(request({ purpose: 'marketing' }), AT)).toMatchObject({
      allow: false,
      code: 'POLICY_DENIED',
      reason: 'purpose-not-allowed',
      policyVersion: 1,
    });
    expect(cache.policy('energy/grid-load')?.grants).toEqual([]);
    expect(cache.status()).toMatchObject({ ready: true, connected: true, categories: 2 });
  });

  it('discovers every category by replaying events from block 0 on a fresh start', async () => {
    const ledger = new FakeLedger();
    ledger.putPolicy(policy());
    ledger.commitOther(3);
    ledger.putPolicy(policy({ category: 'transport/traffic-counts', grants: [] }));
    const cache = open(ledger);
    await cache.start();
    expect(ledger.requests[0]).toEqual({ startBlock: 0n });
    await eventually(() => cache.status().eventsProcessed === 5, 'the replay');
    expect(cache.policy(CATEGORY)?.version).toBe(1);
    expect(cache.policy('transport/traffic-counts')?.version).toBe(1);
    const last = ledger.events.at(-1)!;
    expect(cache.status().checkpoint).toEqual({
      blockNumber: last.blockNumber,
      transactionId: last.transactionId,
    });
  });

  it('stays ready and fails closed when a configured category has no policy yet', async () => {
    const ledger = new FakeLedger();
    const cache = open(ledger, { categories: [CATEGORY] });
    await cache.start();
    expect(seen).toContainEqual(expect.objectContaining({ type: 'load-error', category: CATEGORY }));
    expect(cache.decisionFor(request(), AT)).toEqual({
      allow: false,
      code: 'POLICY_DENIED',
      reason: 'no-policy',
      message: `no policy known for ${CATEGORY}; denied (fail closed)`,
      policyVersion: undefined,
    });
    ledger.putPolicy(policy());
    await eventually(() => cache.decisionFor(request(), AT).allow, 'the policy to arrive');
  });

  it('refuses a malformed category in its options', () => {
    expect(() => open(new FakeLedger(), { categories: ['patient-flow'] })).toThrow(
      /is not <department>\/<name>/,
    );
  });
});

describe('PolicyCache events', () => {
  it('applies a policy change announced by an event', async () => {
    const ledger = new FakeLedger();
    ledger.putPolicy(policy());
    const cache = open(ledger, { categories: [CATEGORY] });
    await cache.start();
    expect(cache.decisionFor(request(), AT)).toMatchObject({ allow: true, policyVersion: 1 });
    ledger.putPolicy(policy({ grants: [] })); // v2 revokes transport's grant
    await eventually(() => cache.policy(CATEGORY)?.version === 2, 'v2');
    expect(cache.decisionFor(request(), AT)).toMatchObject({
      allow: false,
      reason: 'no-grant',
      policyVersion: 2,
    });
    expect(seen).toContainEqual({ type: 'policy-updated', category: CATEGORY, version: 2, source: 'event' });
  });

  it('never goes back to an older version when events replay', async () => {
    const ledger = new FakeLedger();
    ledger.putPolicy(policy());
    ledger.putPolicy(policy({ grants: [] }));
    const cache = open(ledger, { categories: [CATEGORY] });
    await cache.start(); // loads v2, then replays the v1 and v2 events
    await eventually(() => cache.status().eventsProcessed === 2, 'the replay');
    expect(cache.policy(CATEGORY)?.version).toBe(2);
  });

  it('skips a malformed policy-changed event and moves on', async () => {
    const ledger = new FakeLedger();
    const cache = open(ledger);
    await cache.start();
    ledger.commitRawPolicyEvent(Buffer.from('not json'));
    ledger.commitRawPolicyEvent(
      canonicalBytes({ type: EVENTS.policyChanged, category: '../etc', version: 1 }),
    );
    ledger.putPolicy(policy());
    await eventually(() => cache.policy(CATEGORY) !== undefined, 'the good event');
    expect(seen.filter((e) => e.type === 'event-skipped')).toHaveLength(2);
  });
});

describe('PolicyCache resync', () => {
  it('re-reads known categories periodically, catching a change whose event it never saw', async () => {
    const ledger = new FakeLedger();
    ledger.putPolicy(policy());
    const cache = open(ledger, { categories: [CATEGORY], resyncIntervalMs: 30 });
    await cache.start();
    ledger.putPolicy(policy({ grants: [] }), true); // no event
    await eventually(() => cache.policy(CATEGORY)?.version === 2, 'the resync');
    expect(seen).toContainEqual({ type: 'policy-updated', category: CATEGORY, version: 2, source: 'resync' });
  });
});

describe('PolicyCache restart', () => {
  it('serves saved policies at once, then resumes events from the saved checkpoint', async () => {
    const ledger = new FakeLedger();
    ledger.putPolicy(policy());
    const first = open(ledger);
    await first.start();
    await eventually(() => first.policy(CATEGORY) !== undefined, 'v1');
    ledger.commitOther(2);
    await eventually(() => first.status().eventsProcessed === 3, 'the other events');
    const checkpoint = first.status().checkpoint!;
    await first.close();

    // While the gateway is down: a revocation and more traffic.
    ledger.putPolicy(policy({ grants: [] }));
    ledger.commitOther(1);

    const second = open(ledger);
    expect(second.status().checkpoint).toEqual(checkpoint);
    expect(second.decisionFor(request(), AT)).toMatchObject({ allow: true, policyVersion: 1 }); // saved state
    const evaluationsBefore = ledger.evaluations.length;
    await second.start();
    expect(ledger.requests.at(-1)).toEqual({
      checkpoint: { blockNumber: checkpoint.blockNumber, transactionId: checkpoint.transactionId },
    });
    await eventually(() => second.policy(CATEGORY)?.version === 2, 'the change made while down');
    expect(second.decisionFor(request(), AT)).toMatchObject({
      allow: false,
      reason: 'no-grant',
      policyVersion: 2,
    });
    expect(ledger.evaluations.length - evaluationsBefore).toBe(1); // only v2 fetched: no replay from 0
    await eventually(() => second.status().eventsProcessed === 2, 'the remaining events');
  });

  it('saves the checkpoint of events that changed nothing when closing', async () => {
    const ledger = new FakeLedger();
    const first = open(ledger);
    await first.start();
    ledger.commitOther(5);
    await eventually(() => first.status().eventsProcessed === 5, 'the events');
    await first.close();
    const last = ledger.events.at(-1)!;
    expect(open(ledger).status().checkpoint).toEqual({
      blockNumber: last.blockNumber,
      transactionId: last.transactionId,
    });
  });
});

describe('PolicyCache reconnect', () => {
  it('reconnects with backoff after the stream fails and resumes from its checkpoint', async () => {
    const ledger = new FakeLedger();
    ledger.putPolicy(policy());
    const cache = open(ledger, { categories: [CATEGORY] });
    await cache.start();
    await eventually(() => cache.status().eventsProcessed === 1, 'the first event');
    const checkpoint = cache.status().checkpoint!;
    ledger.failConnects = 2;
    ledger.breakStreams();
    ledger.putPolicy(policy({ grants: [] }));
    await eventually(() => cache.policy(CATEGORY)?.version === 2, 'v2 after reconnecting');
    expect(cache.status()).toMatchObject({ reconnects: 3, connected: true, disconnectedSince: undefined });
    expect(ledger.requests.slice(1)).toEqual(
      Array.from({ length: 3 }, () => ({
        checkpoint: { blockNumber: checkpoint.blockNumber, transactionId: checkpoint.transactionId },
      })),
    );
    const retries = seen.filter((e) => e.type === 'stream-error');
    expect(retries).toHaveLength(3);
    expect(ledger.openStreams).toBe(1);
  });

  it('keeps retrying until the ledger answers at start', async () => {
    const ledger = new FakeLedger();
    ledger.putPolicy(policy());
    ledger.failConnects = 3;
    ledger.failEvaluates = 1;
    const cache = open(ledger, { categories: [CATEGORY] });
    await cache.start();
    expect(cache.decisionFor(request(), AT)).toMatchObject({ allow: true });
    expect(cache.status().reconnects).toBe(4);
  });

  it('retries an event whose policy fetch failed transiently, from the unchanged checkpoint', async () => {
    const ledger = new FakeLedger();
    const cache = open(ledger);
    await cache.start();
    ledger.failEvaluates = 1;
    ledger.putPolicy(policy());
    await eventually(() => cache.policy(CATEGORY)?.version === 1, 'v1 after the retry');
    expect(cache.status().reconnects).toBe(1);
    expect(cache.status().eventsProcessed).toBe(1);
  });

  it('denies as stale after the stream has been down longer than maxDisconnectedMs', async () => {
    let now = 1_000_000;
    const ledger = new FakeLedger();
    ledger.putPolicy(policy());
    const cache = open(ledger, { categories: [CATEGORY], maxDisconnectedMs: 60_000, now: () => now });
    await cache.start();
    ledger.failConnects = 1_000_000;
    ledger.breakStreams();
    await eventually(() => cache.status().disconnectedSince !== undefined, 'the disconnect');
    now += 59_000;
    expect(cache.decisionFor(request(), AT)).toMatchObject({ allow: true });
    now += 2_000;
    expect(cache.decisionFor(request(), AT)).toMatchObject({
      allow: false,
      reason: 'policy-stale',
      policyVersion: 1,
    });
    ledger.failConnects = 0;
    await eventually(() => cache.status().connected, 'the reconnect', 10_000);
    expect(cache.decisionFor(request(), AT)).toMatchObject({ allow: true });
  });

  it('close() ends a pending start() and an open stream', async () => {
    const ledger = new FakeLedger();
    ledger.failConnects = 1_000_000;
    const cache = open(ledger);
    const started = cache.start();
    await eventually(() => ledger.requests.length >= 2, 'a retry');
    await cache.close();
    await expect(started).rejects.toThrow(/closed before its first sync/);
    expect(ledger.openStreams).toBe(0);
  });
});
