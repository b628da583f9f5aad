import {
  canChangeGatewayStatus,
  CityLedgerError,
  EVENTS,
  GATEWAY_STATUSES,
  type GatewayEntry,
  type GatewayStatus,
  LIMITS,
  parseGatewayRegistration,
  parseJsonArgument,
  ROLES,
} from '@cityledger/core';
import { Context, Info, Returns, Transaction } from 'fabric-contract-api';
import { CityLedgerContract } from '../base-contract';
import { getCaller, requireDepartmentRole, requireRole } from '../caller';
import { requireOwnerEndorsement } from '../ledger/endorsement';
import { keys } from '../ledger/keys';
import { emit, putJson, reply, txTime } from '../ledger/state';
import { checkId, checkReason } from '../arguments';
import { findGateway, getGatewayOrThrow } from './gateway-store';

/** Registry of edge gateways: identity binding, attestation key, status. */
@Info({ title: 'GatewayRegistryContract', description: 'Edge gateways of each department' })
export class GatewayRegistryContract extends CityLedgerContract {
  constructor() {
    super('gateways');
  }

  /** Registers a gateway of the caller's department. Caller: steward of `registration.department`. */
  @Transaction()
  @Returns('string')
  public async registerGateway(ctx: Context, registration: string): Promise<string> {
    const reg = parseGatewayRegistration(
      parseJsonArgument(registration, 'registration', LIMITS.maxPemBytes * 4),
    );
    requireDepartmentRole(getCaller(ctx), reg.department, ['steward'], 'registerGateway');
    if ((await findGateway(ctx, reg.id)) !== undefined) {
      throw new CityLedgerError('ALREADY_EXISTS', `gateway ${reg.id} is already registered`);
    }
    const at = txTime(ctx);
    const entry: GatewayEntry = { ...reg, status: 'active', registeredAt: at, updatedAt: at };
    const key = keys.gateway(reg.id);
    await putJson(ctx, key, entry);
    await requireOwnerEndorsement(ctx, key, reg.department);
    emit(ctx, {
      type: EVENTS.gatewayRegistered,
      txId: ctx.stub.getTxID(),
      at,
      gatewayId: reg.id,
      department: reg.department,
      status: 'active',
    });
    return reply(entry);
  }

  /**
   * Suspends, reactivates or revokes a gateway (revoked is final). Caller: steward of the gateway's
   * department.
   */
  @Transaction()
  @Returns('string')
  public async updateGatewayStatus(
    ctx: Context,
    gatewayId: string,
    status: string,
    reason: string,
  ): Promise<string> {
    checkId(gatewayId, 'gatewayId');
    if (!(GATEWAY_STATUSES as readonly string[]).includes(status)) {
      throw new CityLedgerError('INVALID_ARGUMENT', `status must be one of ${GATEWAY_STATUSES.join(', ')}`);
    }
    checkReason(reason);
    const caller = getCaller(ctx);
    const gateway = await getGatewayOrThrow(ctx, gatewayId);
    requireDepartmentRole(caller, gateway.department, ['steward'], 'updateGatewayStatus');
    const next = status as GatewayStatus;
    if (!canChangeGatewayStatus(gateway.status, next)) {
      throw new CityLedgerError(
        'CONFLICT',
        `gateway ${gatewayId} cannot go from ${gateway.status} to ${next}`,
      );
    }
    const at = txTime(ctx);
    const entry: GatewayEntry = { ...gateway, status: next, statusReason: reason, updatedAt: at };
    await putJson(ctx, keys.gateway(gatewayId), entry);
    emit(ctx, {
      type: EVENTS.gatewayStatusChanged,
      txId: ctx.stub.getTxID(),
      at,
      gatewayId,
      department: gateway.department,
      status: next,
      reason,
    });
    return reply(entry);
  }

  /** A gateway's registry entry. Caller: any CityLedger identity. */
  @Transaction(false)
  @Returns('string')
  public async getGateway(ctx: Context, gatewayId: string): Promise<string> {
    checkId(gatewayId, 'gatewayId');
    requireRole(getCaller(ctx), ROLES, 'getGateway');
    return reply(await getGatewayOrThrow(ctx, gatewayId));
  }
}
