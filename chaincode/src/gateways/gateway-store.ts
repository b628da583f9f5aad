import { CityLedgerError, type GatewayEntry } from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { type Caller } from '../caller';
import { keys } from '../ledger/keys';
import { getJson } from '../ledger/state';

export async function findGateway(ctx: Context, gatewayId: string): Promise<GatewayEntry | undefined> {
  return getJson<GatewayEntry>(ctx, keys.gateway(gatewayId));
}

export async function getGatewayOrThrow(ctx: Context, gatewayId: string): Promise<GatewayEntry> {
  const gateway = await findGateway(ctx, gatewayId);
  if (gateway === undefined) {
    throw new CityLedgerError('NOT_FOUND', `gateway ${gatewayId} is not registered`);
  }
  return gateway;
}

/**
 * The gateway a record or batch names, checked against the caller: it must be registered
 * (GATEWAY_NOT_ACTIVE), be the caller's own Fabric identity (UNAUTHORIZED) and be active
 * (GATEWAY_NOT_ACTIVE).
 */
export async function requireCallingGateway(
  ctx: Context,
  caller: Caller,
  gatewayId: string,
): Promise<GatewayEntry> {
  const gateway = await findGateway(ctx, gatewayId);
  if (gateway === undefined) {
    throw new CityLedgerError('GATEWAY_NOT_ACTIVE', `gateway ${gatewayId} is not registered`);
  }
  if (gateway.identity.mspId !== caller.mspId || gateway.identity.id !== caller.id) {
    throw new CityLedgerError(
      'UNAUTHORIZED',
      `caller is not the identity registered for gateway ${gatewayId}`,
    );
  }
  if (gateway.status !== 'active') {
    throw new CityLedgerError('GATEWAY_NOT_ACTIVE', `gateway ${gatewayId} is ${gateway.status}`);
  }
  return gateway;
}
