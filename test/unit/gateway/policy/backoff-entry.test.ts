import { canonicalBytes } from '@cityledger/core';
import { backoffDelay, parsePolicyEntry } from '../../../../gateway/src/policy';

describe('backoffDelay', () => {
  const options = { initialMs: 100, maxMs: 1_000 };

  it('doubles per attempt between half and all of the base, capped at maxMs', () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, options, () => 0))).toEqual([50, 100, 200, 400, 500]);
    expect([0, 1, 2, 3, 10].map((a) => backoffDelay(a, options, () => 1))).toEqual([
      100, 200, 400, 800, 1_000,
    ]);
    expect(backoffDelay(1_000, options, () => 0.5)).toBe(750);
  });
});

describe('parsePolicyEntry', () => {
  const entry = {
    category: 'health/patient-flow',
    version: 3,
    grants: [],
    owner: 'health',
    createdAt: '2026-01-01T00:00:00.000Z',
    txId: 'abc',
  };

  it('accepts a chaincode PolicyEntry', () => {
    expect(parsePolicyEntry(canonicalBytes(entry), 'health/patient-flow')).toEqual(entry);
  });

  it('refuses an entry for another category, a bad policy or bad JSON', () => {
    expect(() => parsePolicyEntry(canonicalBytes(entry), 'health/other')).toThrow(/malformed entry/);
    expect(() => parsePolicyEntry(canonicalBytes({ ...entry, version: 0 }), 'health/patient-flow')).toThrow(
      /INVALID_ARGUMENT/,
    );
    expect(() => parsePolicyEntry(Buffer.from('{'), 'health/patient-flow')).toThrow(/invalid JSON/);
  });
});
