import {
  ATTR_DEPARTMENT,
  ATTR_ROLE,
  CityLedgerError,
  type DataDepartment,
  type Department,
  isDataDepartment,
  isDepartment,
  isRole,
  MSP_IDS,
  type Role,
} from '@cityledger/core';
import { type Context } from 'fabric-contract-api';

/** Who is calling, from the certificate attributes, checked against the MSP. */
export interface Caller {
  readonly mspId: string;
  /** `x509::<subject>::<issuer>`. */
  readonly id: string;
  readonly role: Role;
  readonly department: Department;
}

/**
 * The caller's identity. UNAUTHORIZED when the role or department attribute is missing or unknown,
 * or when the claimed department is not the one of the caller's MSP (an org cannot speak for another).
 */
export function getCaller(ctx: Context): Caller {
  const identity = ctx.clientIdentity;
  const mspId = identity.getMSPID();
  const role = identity.getAttributeValue(ATTR_ROLE);
  const department = identity.getAttributeValue(ATTR_DEPARTMENT);
  if (!isRole(role) || !isDepartment(department)) {
    throw new CityLedgerError(
      'UNAUTHORIZED',
      `caller from ${mspId} has no valid ${ATTR_ROLE}/${ATTR_DEPARTMENT}`,
    );
  }
  if (MSP_IDS[department] !== mspId) {
    throw new CityLedgerError('UNAUTHORIZED', `caller from ${mspId} cannot act for department ${department}`);
  }
  return { mspId, id: identity.getID(), role, department };
}

export function requireRole(caller: Caller, roles: readonly Role[], action: string): void {
  if (!roles.includes(caller.role)) {
    throw new CityLedgerError(
      'UNAUTHORIZED',
      `${action} needs role ${roles.join(' or ')}, caller is ${caller.role}`,
    );
  }
}

/** The caller must have one of `roles` in `department`. */
export function requireDepartmentRole(
  caller: Caller,
  department: Department,
  roles: readonly Role[],
  action: string,
): void {
  requireRole(caller, roles, action);
  if (caller.department !== department) {
    throw new CityLedgerError(
      'UNAUTHORIZED',
      `${action} is reserved to ${department}, caller is from ${caller.department}`,
    );
  }
}

/** The caller must have one of `roles` in a data department (not audit); returns that department. */
export function requireDataDepartmentRole(
  caller: Caller,
  roles: readonly Role[],
  action: string,
): DataDepartment {
  requireRole(caller, roles, action);
  if (!isDataDepartment(caller.department)) {
    throw new CityLedgerError(
      'UNAUTHORIZED',
      `${action} is reserved to department orgs, caller is from ${caller.department}`,
    );
  }
  return caller.department;
}

/** Audit sees everything; a department sees what it is source or consumer of. */
export function canSee(caller: Caller, source: Department, consumer: Department): boolean {
  return caller.department === 'audit' || caller.department === source || caller.department === consumer;
}
