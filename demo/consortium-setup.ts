import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import type { LedgerClient } from '@cityledger/client';
import {
  canonicalJson,
  CityLedgerError,
  type AccessPolicy,
  type GatewayEntry,
  type GatewayRegistration,
  type ModelSpec,
  type PolicyEntry,
} from '@cityledger/core';

/** What the demo needs on chain before a gateway can work; each step is skipped when already done. */

interface ManifestModel {
  readonly id: string;
  readonly registryEntry: ModelSpec;
}

export async function ensureModels(steward: LedgerClient, manifestPath: string): Promise<string[]> {
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { models: ManifestModel[] };
  const lines: string[] = [];
  for (const { registryEntry: spec } of manifest.models) {
    const existing = await getOrUndefined(() =>
      steward.evaluateJson<{ status: string }>('models:getModel', [spec.id, spec.version]),
    );
    if (existing === undefined) {
      await steward.submit('models:registerModel', [JSON.stringify(spec)]);
      lines.push(`registered model ${spec.id}@${spec.version} (sha256 ${spec.sha256.slice(0, 12)}…)`);
    } else {
      lines.push(`model ${spec.id}@${spec.version} already registered (${existing.status})`);
    }
  }
  // A rollout ends with the superseded versions of these models retired, so that no gateway can
  // still cite them (its alerts and records would be refused from then on).
  const { models } = await steward.evaluateJson<{ models: Record<string, string> }>('models:listModels', []);
  for (const { registryEntry: spec } of manifest.models) {
    for (const [ref, status] of Object.entries(models)) {
      const [id, version] = ref.split('@');
      if (id === spec.id && version !== undefined && version !== spec.version && status === 'active') {
        await steward.submit('models:retireModel', [id, version, `superseded by ${spec.id}@${spec.version}`]);
        lines.push(`retired model ${ref} (superseded by ${spec.version})`);
      }
    }
  }
  return lines;
}

/** Writes `policy` as the next version unless the current version already has the same grants. */
export async function ensurePolicy(
  steward: LedgerClient,
  policy: Omit<AccessPolicy, 'version'>,
): Promise<number> {
  const current = await getOrUndefined(() =>
    steward.evaluateJson<PolicyEntry>('policies:getPolicy', [policy.category, '']),
  );
  // Canonical forms: the ledger stores grants with sorted keys, the caller may write them in any order.
  if (current !== undefined && canonicalJson(current.grants) === canonicalJson(policy.grants)) {
    return current.version;
  }
  const next: AccessPolicy = { ...policy, version: (current?.version ?? 0) + 1 };
  const entry = await steward.submitJson<PolicyEntry>('policies:putPolicy', [JSON.stringify(next)]);
  return entry.version;
}

/**
 * Registers the demo gateway with a key kept in `dir`. A gateway id is bound to one key for
 * good, so a lost key file means a new gateway id (the suffix counts up).
 */
export async function ensureGateway(
  steward: LedgerClient,
  gateway: LedgerClient,
  base: Omit<GatewayRegistration, 'id' | 'identity' | 'attestationKeyPem'> & { readonly idPrefix: string },
  dir: string,
): Promise<{ readonly id: string; readonly keyPath: string; readonly created: boolean }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keyPath = path.join(dir, 'attestation.pem');
  if (!existsSync(keyPath)) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    writeFileSync(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  const publicPem = createPublicKey(createPrivateKey(readFileSync(keyPath))).export({
    type: 'spki',
    format: 'pem',
  });
  const me = await gateway.evaluateJson<{ mspId: string; id: string }>('system:whoAmI');
  for (let n = 1; n < 100; n++) {
    const id = `${base.idPrefix}-${n}`;
    const existing = await getOrUndefined(() =>
      steward.evaluateJson<GatewayEntry>('gateways:getGateway', [id]),
    );
    if (existing === undefined) {
      const registration: GatewayRegistration = {
        id,
        department: base.department,
        zone: base.zone,
        identity: { mspId: me.mspId, id: me.id },
        attestationKeyPem: publicPem.toString(),
      };
      await steward.submit('gateways:registerGateway', [JSON.stringify(registration)]);
      return { id, keyPath, created: true };
    }
    if (existing.attestationKeyPem.trim() === publicPem.toString().trim() && existing.status === 'active') {
      return { id, keyPath, created: false };
    }
  }
  throw new Error('no free demo gateway id left');
}

async function getOrUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if (err instanceof CityLedgerError && err.code === 'NOT_FOUND') {
      return undefined;
    }
    throw err;
  }
}
