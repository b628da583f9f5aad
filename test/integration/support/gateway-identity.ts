import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { LedgerClient } from '@cityledger/client';
import type { DataDepartment, GatewayEntry, GatewayRegistration } from '@cityledger/core';

/** What the chaincode says about its caller (system:whoAmI). */
export interface Caller {
  readonly mspId: string;
  readonly id: string;
  readonly role: string | null;
  readonly department: string | null;
}

export function whoAmI(client: LedgerClient): Promise<Caller> {
  return client.evaluateJson<Caller>('system:whoAmI');
}

export interface TestGateway {
  readonly registration: GatewayRegistration;
  readonly attestationKey: KeyObject;
}

/** A unique id for objects a test run writes to the (permanent) ledger. */
export function uniqueId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/**
 * Registers a new gateway of `department`: the steward binds the gateway identity (as the
 * chaincode sees it) and a fresh attestation key. Returns the registration and the private key.
 */
export async function registerTestGateway(
  steward: LedgerClient,
  gateway: LedgerClient,
  department: DataDepartment,
  zone = 'test-zone',
): Promise<TestGateway & { readonly entry: GatewayEntry }> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const me = await whoAmI(gateway);
  const registration: GatewayRegistration = {
    id: uniqueId(`gw-${department}`),
    department,
    zone,
    identity: { mspId: me.mspId, id: me.id },
    attestationKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
  const entry = await steward.submitJson<GatewayEntry>('gateways:registerGateway', [
    JSON.stringify(registration),
  ]);
  return { registration, attestationKey: privateKey, entry };
}
