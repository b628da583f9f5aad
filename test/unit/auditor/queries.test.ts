import { planQuery } from '../../../auditor/src/record-filter';
import { formatPolicyAt, policyAt } from '../../../auditor/src/policy-at';
import { parseTime } from '../../../auditor/src/time-arg';
import { at, content, entryFor, policyHistory, policyV1, policyV2 } from './world';

describe('record query plan', () => {
  it('uses the most selective index and filters the rest on each record', () => {
    const plan = planQuery(
      { gateway: 'health-gw-1', verdict: 'malicious', consumer: 'transport', from: at(0) },
      50,
    );
    expect(plan.query).toEqual({ by: 'gateway', value: 'health-gw-1', from: at(0), pageSize: 50 });
    expect(plan.matches(entryFor(content({ threatScore: 0.95 })))).toBe(true);
    expect(plan.matches(entryFor(content({ threatScore: 0.1 })))).toBe(false);
    expect(planQuery({ consumer: 'energy' }, 10).query).toEqual({
      by: 'department',
      value: 'energy',
      pageSize: 10,
    });
    expect(planQuery({ consumer: 'energy' }, 10).matches(entryFor(content()))).toBe(false);
    expect(planQuery({}, 10, 'bm').query).toEqual({ by: 'time', pageSize: 10, bookmark: 'bm' });
  });
});

describe('policy at a time', () => {
  it('gives the latest version written at or before the time, and the previous one within the grace', () => {
    expect(policyAt(policyHistory, at(1)).current).toBeUndefined();
    expect(policyAt(policyHistory, at(30)).current?.version).toBe(1);
    const justAfter = policyAt(policyHistory, at(61));
    expect(justAfter.current?.version).toBe(2);
    expect(justAfter.stillCitable).toEqual({ policy: policyV1, until: at(65) });
    expect(policyAt(policyHistory, at(70)).stillCitable).toBeUndefined();
    const text = formatPolicyAt(policyV2.category, justAfter);
    expect(text).toMatch(/version 2/);
    expect(text).toMatch(/no grants: every exchange is denied/);
    expect(text).toMatch(/v1 may still be cited until/);
  });
});

describe('time arguments', () => {
  it('accepts ISO times and dates, and rejects the rest', () => {
    expect(parseTime('2026-03-01')).toBe('2026-03-01T00:00:00.000Z');
    expect(parseTime('2026-03-01T10:00:00Z')).toBe('2026-03-01T10:00:00.000Z');
    expect(() => parseTime('yesterday')).toThrow(/ISO 8601/);
  });
});
