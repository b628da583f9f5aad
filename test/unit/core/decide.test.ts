import { type AccessRequest, decide } from '@cityledger/core';
import { accessPolicy } from './fixtures';

const policy = accessPolicy();
const request: AccessRequest = {
  category: 'health/patient-flow',
  sourceDepartment: 'health',
  consumerDepartment: 'transport',
  purpose: 'emergency-planning',
  verdict: 'benign',
};
const during = '2026-06-01T00:00:00.000Z';

function reason(req: Partial<AccessRequest>, at = during): string {
  const decision = decide(policy, { ...request, ...req }, at);
  return decision.allow ? 'allow' : decision.reason;
}

describe('decide', () => {
  it('allows a granted purpose within validity and verdict limits, returning the grant', () => {
    const decision = decide(policy, request, during);
    expect(decision).toEqual({ allow: true, grant: policy.grants[0] });
    expect(reason({ verdict: 'suspicious', purpose: 'capacity' })).toBe('allow');
  });

  it('denies with POLICY_DENIED and a stable reason', () => {
    const decision = decide(policy, { ...request, consumerDepartment: 'energy' }, during);
    expect(decision).toMatchObject({ allow: false, code: 'POLICY_DENIED', reason: 'no-grant' });
    expect(decision.allow ? '' : decision.message).toMatch(/energy/);
  });

  it('denies a request for another category', () => {
    expect(reason({ category: 'health/bed-occupancy' })).toBe('category-mismatch');
  });

  it('denies a source that does not own the category', () => {
    expect(reason({ sourceDepartment: 'energy' })).toBe('source-not-owner');
  });

  it('denies a consumer without a grant', () => {
    expect(reason({ consumerDepartment: 'audit' })).toBe('no-grant');
  });

  it('treats validFrom as inclusive and validUntil as exclusive', () => {
    expect(reason({}, '2025-12-31T23:59:59.999Z')).toBe('not-yet-valid');
    expect(reason({}, '2026-01-01T00:00:00.000Z')).toBe('allow');
    expect(reason({}, '2026-12-31T23:59:59.999Z')).toBe('allow');
    expect(reason({}, '2027-01-01T00:00:00.000Z')).toBe('expired');
  });

  it('denies an ungranted purpose', () => {
    expect(reason({ purpose: 'marketing' })).toBe('purpose-not-allowed');
  });

  it('denies a verdict above the grant maximum', () => {
    expect(reason({ verdict: 'malicious' })).toBe('verdict-too-high');
    const strict = accessPolicy({ grants: [{ ...policy.grants[0]!, maxVerdict: 'benign' }] });
    const d = decide(strict, { ...request, verdict: 'suspicious' }, during);
    expect(d.allow ? 'allow' : d.reason).toBe('verdict-too-high');
  });

  it('denies everything under a policy with no grants', () => {
    const d = decide(accessPolicy({ grants: [] }), request, during);
    expect(d.allow ? 'allow' : d.reason).toBe('no-grant');
  });

  it('checks rules in documented order', () => {
    expect(reason({ purpose: 'marketing', verdict: 'malicious' }, '2030-01-01T00:00:00.000Z')).toBe(
      'expired',
    );
    expect(reason({ purpose: 'marketing', verdict: 'malicious' })).toBe('purpose-not-allowed');
  });
});
