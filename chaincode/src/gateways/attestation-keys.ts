import { type GatewayEntry, parseP256PublicKey } from '@cityledger/core';
import { type KeyObject } from 'node:crypto';

/**
 * Parsed attestation keys, by PEM. Parsing a PEM and checking its curve costs several times more
 * than the ECDSA verification itself, and every record, alert and batch of a gateway is verified
 * with the same key. The cache is a pure memo (same PEM, same key), so it cannot make two peers
 * disagree; it is bounded and simply emptied when full.
 */
const MAX_KEYS = 1_024;
const parsed = new Map<string, KeyObject>();

/** The gateway's registered attestation key, parsed once per chaincode process. */
export function attestationKey(gateway: GatewayEntry): KeyObject {
  const pem = gateway.attestationKeyPem;
  let key = parsed.get(pem);
  if (key === undefined) {
    key = parseP256PublicKey(pem, `attestation key of gateway ${gateway.id}`);
    if (parsed.size >= MAX_KEYS) {
      parsed.clear();
    }
    parsed.set(pem, key);
  }
  return key;
}
