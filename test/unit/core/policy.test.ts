import { categoryOwner, isCategory, parseAccessPolicy } from '@cityledger/core';
import { accessPolicy, withField } from './fixtures';

describe('categories', () => {
  it('name their owner department', () => {
    expect(isCategory('health/patient-flow')).toBe(true);
    expect(isCategory('transport/traffic-counts')).toBe(true);
    expect(isCategory('audit/anything')).toBe(false);
    expect(isCategory('health/')).toBe(false);
    expect(isCategory('health/Patient')).toBe(false);
    expect(isCategory('health/a~b')).toBe(false);
    expect(categoryOwner('energy/grid-load')).toBe('energy');
  });
});

describe('parseAccessPolicy', () => {
  const policy = accessPolicy();
  const grant = policy.grants[0]!;

  it('accepts a valid policy, including one with no grants', () => {
    expect(parseAccessPolicy(JSON.parse(JSON.stringify(policy)))).toEqual(policy);
    expect(parseAccessPolicy({ ...policy, grants: [] })).toEqual({ ...policy, grants: [] });
  });

  it.each([
    ['category', 'patient-flow'],
    ['version', 0],
    ['version', 1_000_000_000],
    ['version', '2'],
    ['grants', 'all'],
    ['owner', 'health'],
  ])('rejects %s = %j', (field, value) => {
    expect(() => parseAccessPolicy(withField(policy, field, value))).toThrow(/^INVALID_ARGUMENT: policy\./);
  });

  it.each([
    ['grantee', 'police'],
    ['purposes', []],
    ['purposes', ['ok', 'ok']],
    ['purposes', ['Not Slug']],
    ['purposes', Array.from({ length: 17 }, (_, i) => `p${i}`)],
    ['validFrom', 'yesterday'],
    ['validUntil', '2025-01-01T00:00:00.000Z'],
    ['validUntil', grant.validFrom],
    ['maxVerdict', 'none'],
    ['extra', true],
  ])('rejects grant %s = %j', (field, value) => {
    const bad = { ...policy, grants: [withField(grant, field, value)] };
    expect(() => parseAccessPolicy(bad)).toThrow(/^INVALID_ARGUMENT: policy\.grants\[0\]/);
  });

  it('rejects a grant to the owner and two grants to one grantee', () => {
    expect(() => parseAccessPolicy({ ...policy, grants: [{ ...grant, grantee: 'health' }] })).toThrow(
      /grantee must not be the owner/,
    );
    expect(() => parseAccessPolicy({ ...policy, grants: [grant, grant] })).toThrow(/already has a grant/);
  });

  it('caps the number of grants', () => {
    const grants = Array.from({ length: 17 }, () => grant);
    expect(() => parseAccessPolicy({ ...policy, grants })).toThrow(/must be an array of 0 to 16 items/);
  });
});
