import {
  type AccessPolicy,
  categoryOwner,
  CityLedgerError,
  isIsoTimestamp,
  parseAccessPolicy,
  type PolicyEntry,
} from '@cityledger/core';

/**
 * Parses a PolicyEntry returned by the chaincode's getPolicy, validating the policy part with core's
 * parser. Throws a CityLedgerError (INVALID_ARGUMENT) when the answer is not for `category`.
 */
export function parsePolicyEntry(bytes: Uint8Array, category: string): PolicyEntry {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new CityLedgerError('INVALID_ARGUMENT', `getPolicy(${category}) returned invalid JSON`, {
      cause: err,
    });
  }
  const policy: AccessPolicy = parseAccessPolicy(
    { category: value.category, version: value.version, grants: value.grants },
    'getPolicy',
  );
  const { createdAt, txId } = value;
  if (policy.category !== category || typeof txId !== 'string' || !isIsoTimestamp(createdAt)) {
    throw new CityLedgerError('INVALID_ARGUMENT', `getPolicy(${category}) returned a malformed entry`);
  }
  return { ...policy, owner: categoryOwner(category), createdAt, txId };
}
