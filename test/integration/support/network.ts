import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { LedgerClient, loadConnectionProfile, type ConnectionProfile } from '@cityledger/client';
import { CityLedgerError } from '@cityledger/core';

export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
export const DEPARTMENTS = ['transport', 'energy', 'health'] as const;
export type Department = (typeof DEPARTMENTS)[number];
export type OrgKey = Department | 'audit' | 'outsider';

const profiles = new Map<string, ConnectionProfile>();

export function profile(org: OrgKey): ConnectionProfile {
  let p = profiles.get(org);
  if (p === undefined) {
    p = loadConnectionProfile(org);
    profiles.set(org, p);
  }
  return p;
}

/**
 * A client for `identity` of `org`. The outsider CA is not in the consortium, so its profile
 * points at a consortium peer (transport's) with the outsider's identity.
 */
export function connectAs(org: OrgKey, identity: string, peerOrg?: OrgKey): LedgerClient {
  const own = profile(org);
  const via = peerOrg === undefined ? own : profile(peerOrg);
  return LedgerClient.connect({
    profile: { ...via, mspId: own.mspId, identities: own.identities },
    identity,
  });
}

/** Runs a network subcommand (e.g. stop-node orderer2) and returns its output. */
export function networkCommand(...args: string[]): string {
  return execFileSync('bash', [path.join(REPO_ROOT, 'network', 'cityledger-network.sh'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** The output of `network status`, which exits non-zero while any process is unhealthy. */
export function networkStatus(): string {
  const run = spawnSync('bash', [path.join(REPO_ROOT, 'network', 'cityledger-network.sh'), 'status'], {
    encoding: 'utf8',
  });
  return run.stdout + run.stderr;
}

/**
 * The channel height on every healthy orderer, from `network status` (osnadmin channel list);
 * a stopped or unhealthy orderer is absent.
 */
export function ordererHeights(): Map<string, number> {
  const heights = new Map<string, number>();
  for (const m of networkStatus().matchAll(/^(orderer\d+)\s+\d+\s+healthy\s.*\s(\d+)$/gm)) {
    heights.set(m[1]!, Number(m[2]));
  }
  return heights;
}

/**
 * Retries an idempotent ledger call on the catalogue's transient codes, as the gateway's
 * submitter does in production (SmartBFT occasionally answers UNAVAILABLE under load while
 * orderers reconcile a request they already hold). Permanent errors are thrown at once.
 */
export async function retryTransient<T>(call: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!(err instanceof CityLedgerError) || !err.transient || attempt >= attempts) {
        throw err;
      }
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** attempt));
    }
  }
}

/**
 * A submit's commit status comes from the submitting org's peer; another org's peer may commit
 * that block a moment later. Polls `read` until `check` passes (or `timeoutMs`), then returns
 * the last value, so the caller's assertions report what was seen.
 */
export async function eventually<T>(
  read: () => Promise<T>,
  check: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (check(value) || Date.now() > deadline) {
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Waits (bounded) until `read` succeeds on the peer it asks, e.g. another org's peer after a commit. */
export async function waitUntilVisible(read: () => Promise<unknown>, timeoutMs = 10_000): Promise<void> {
  await eventually(
    () =>
      read().then(
        () => true,
        () => false,
      ),
    Boolean,
    timeoutMs,
  );
}

/** Closes every client of a test file, whatever happened. */
export class ClientPool {
  readonly #clients: LedgerClient[] = [];

  as(org: OrgKey, identity: string, peerOrg?: OrgKey): LedgerClient {
    const c = connectAs(org, identity, peerOrg);
    this.#clients.push(c);
    return c;
  }

  closeAll(): void {
    for (const c of this.#clients.splice(0)) {
      c.close();
    }
  }
}
