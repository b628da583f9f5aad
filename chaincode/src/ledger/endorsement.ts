import { DATA_DEPARTMENTS, type DataDepartment, MSP_IDS } from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { KeyEndorsementPolicy } from 'fabric-shim';

/**
 * Key-level (state-based) endorsement. fabric-shim's KeyEndorsementPolicy can only express "all of
 * these orgs", so the "k of n" policy is encoded here directly as a SignaturePolicyEnvelope
 * (common/policies.proto, msp/msp_principal.proto). Unit tests check the encoder against
 * KeyEndorsementPolicy byte for byte on the n-of-n case.
 */

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v > 0x7f) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function tag(field: number, wireType: 0 | 2): number[] {
  return varint(field * 8 + wireType);
}

function varintField(field: number, value: number): number[] {
  return [...tag(field, 0), ...varint(value)];
}

function bytesField(field: number, bytes: readonly number[]): number[] {
  return [...tag(field, 2), ...varint(bytes.length), ...bytes];
}

const MSP_ROLE_PEER = 3;

/** MSPPrincipal{classification: ROLE (0, omitted), principal: MSPRole{msp_identifier, role: PEER}}. */
function peerPrincipal(mspId: string): number[] {
  const role = [...bytesField(1, [...Buffer.from(mspId, 'utf8')]), ...varintField(2, MSP_ROLE_PEER)];
  return bytesField(2, role);
}

/** SignaturePolicyEnvelope{version 0, rule: NOutOf(n, signed_by 0..k-1), identities: peers}. */
export function peersOutOfPolicy(n: number, mspIds: readonly string[]): Buffer {
  if (!Number.isInteger(n) || n < 1 || n > mspIds.length) {
    throw new RangeError(`cannot require ${n} of ${mspIds.length} organizations`);
  }
  const rules = mspIds.flatMap((_, i) => bytesField(2, varintField(1, i)));
  const nOutOf = [...varintField(1, n), ...rules];
  const rule = bytesField(2, nOutOf);
  const identities = mspIds.flatMap((mspId) => bytesField(3, peerPrincipal(mspId)));
  return Buffer.from([...bytesField(2, rule), ...identities]);
}

/** A peer of each department org, in a fixed order. */
const DEPARTMENT_MSPS = DATA_DEPARTMENTS.map((d) => MSP_IDS[d]);

/** A majority of the department orgs' peers (2 of 3). */
export function departmentMajorityPolicy(): Buffer {
  return peersOutOfPolicy(Math.floor(DEPARTMENT_MSPS.length / 2) + 1, DEPARTMENT_MSPS);
}

/** The owner department's peer, mandatory. */
export function ownerPolicy(department: DataDepartment): Buffer {
  const policy = new KeyEndorsementPolicy();
  policy.addOrgs('PEER', MSP_IDS[department]);
  return Buffer.from(policy.getPolicy());
}

export async function requireOwnerEndorsement(
  ctx: Context,
  key: string,
  department: DataDepartment,
): Promise<void> {
  await ctx.stub.setStateValidationParameter(key, ownerPolicy(department));
}

export async function requireMajorityEndorsement(ctx: Context, key: string): Promise<void> {
  await ctx.stub.setStateValidationParameter(key, departmentMajorityPolicy());
}
