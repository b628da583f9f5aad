import { parseP256PublicKey } from './attestation';
import { type DataDepartment, DATA_DEPARTMENTS, LIMITS, MSP_IDS } from './constants';
import { invalid, ObjectReader, SLUG } from './validate';

export const GATEWAY_STATUSES = ['active', 'suspended', 'revoked'] as const;
export type GatewayStatus = (typeof GATEWAY_STATUSES)[number];

const MSP_ID = /^[A-Za-z0-9.-]{1,64}$/;
/** `ClientIdentity.getID()` form: `x509::<subject DN>::<issuer DN>`. */
export const FABRIC_ID = /^x509::\/[^\u0000-\u001f]+::\/[^\u0000-\u001f]+$/;
/** Free text for humans (reasons); no control characters. */
export const REASON = /^[^\u0000-\u001f]*$/;

/** The Fabric identity a gateway transacts with, as the chaincode sees it. */
export interface FabricIdentity {
  readonly mspId: string;
  /** `ctx.clientIdentity.getID()`: `x509::<subject DN>::<issuer DN>`. */
  readonly id: string;
}

/** What a steward submits to register a gateway. */
export interface GatewayRegistration {
  readonly id: string;
  readonly department: DataDepartment;
  readonly zone: string;
  readonly identity: FabricIdentity;
  /** SPKI PEM of the ECDSA P-256 key that signs the gateway's attestations. */
  readonly attestationKeyPem: string;
}

/** A gateway as held in the registry. */
export interface GatewayEntry extends GatewayRegistration {
  readonly status: GatewayStatus;
  readonly statusReason?: string;
  readonly registeredAt: string;
  readonly updatedAt: string;
}

function parseIdentity(r: ObjectReader): FabricIdentity {
  const identity = {
    mspId: r.string('mspId', MSP_ID, 64),
    id: r.string('id', FABRIC_ID, LIMITS.maxFabricIdBytes),
  };
  r.done();
  return identity;
}

export function parseGatewayRegistration(value: unknown, path = 'gateway'): GatewayRegistration {
  const r = new ObjectReader(value, path);
  const registration: GatewayRegistration = {
    id: r.string('id', SLUG, 64),
    department: r.oneOf('department', DATA_DEPARTMENTS),
    zone: r.string('zone', SLUG, 64),
    identity: parseIdentity(r.object('identity')),
    attestationKeyPem: r.string('attestationKeyPem', /^-----BEGIN PUBLIC KEY-----/, LIMITS.maxPemBytes),
  };
  r.done();
  if (registration.identity.mspId !== MSP_IDS[registration.department]) {
    invalid(
      `${path}.identity.mspId`,
      `must be ${MSP_IDS[registration.department]} for a ${registration.department} gateway`,
    );
  }
  parseP256PublicKey(registration.attestationKeyPem, `${path}.attestationKeyPem`);
  return registration;
}

/** active <-> suspended; active or suspended -> revoked; revoked is final. */
export function canChangeGatewayStatus(from: GatewayStatus, to: GatewayStatus): boolean {
  if (from === 'revoked' || from === to) {
    return false;
  }
  return true;
}
