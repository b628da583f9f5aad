import {
  type ComplianceSummary,
  LIMITS,
  mergeComplianceSummaries,
  parseComplianceQuery,
  parseJsonArgument,
  parseRecordQuery,
} from '@cityledger/core';

describe('parseRecordQuery', () => {
  it('accepts each access path with its value', () => {
    expect(parseRecordQuery({ by: 'time' })).toEqual({ by: 'time' });
    expect(parseRecordQuery({ by: 'department', value: 'health' })).toEqual({
      by: 'department',
      value: 'health',
    });
    expect(
      parseRecordQuery({ by: 'category', value: 'energy/grid-load', pageSize: 200, bookmark: 'k' }),
    ).toEqual({
      by: 'category',
      value: 'energy/grid-load',
      pageSize: 200,
      bookmark: 'k',
    });
    const range = { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' };
    expect(parseRecordQuery({ by: 'verdict', value: 'malicious', ...range })).toEqual({
      by: 'verdict',
      value: 'malicious',
      ...range,
    });
  });

  it.each([
    [{ by: 'everything' }, /by must be one of/],
    [{ by: 'gateway' }, /value is required/],
    [{ by: 'time', value: 'x' }, /value is not allowed/],
    [{ by: 'department', value: 'police' }, /value must match/],
    [{ by: 'verdict', value: 'evil' }, /value must match/],
    [{ by: 'time', pageSize: LIMITS.maxPageSize + 1 }, /pageSize must be an integer from 1 to 200/],
    [{ by: 'time', pageSize: 0 }, /pageSize/],
    [
      { by: 'time', from: '2026-02-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' },
      /to must be after from/,
    ],
    [{ by: 'time', bookmark: 'x'.repeat(1025) }, /bookmark/],
    [{ by: 'time', sort: 'desc' }, /sort is not an allowed field/],
  ])('rejects %j', (query, message) => {
    expect(() => parseRecordQuery(query)).toThrow(/^INVALID_ARGUMENT: query\./);
    expect(() => parseRecordQuery(query)).toThrow(message);
  });
});

describe('compliance queries', () => {
  const from = '2026-01-01T00:00:00.000Z';
  const to = '2026-02-01T00:00:00.000Z';

  it('parses a period with optional department and bookmark', () => {
    expect(parseComplianceQuery({ from, to })).toEqual({ from, to });
    expect(parseComplianceQuery({ from, to, department: 'energy', bookmark: 'b' })).toEqual({
      from,
      to,
      department: 'energy',
      bookmark: 'b',
    });
    expect(() => parseComplianceQuery({ from: to, to: from })).toThrow(/^INVALID_ARGUMENT: query\.to/);
    expect(() => parseComplianceQuery({ from })).toThrow(/^INVALID_ARGUMENT: query\.to is required/);
  });

  it('merges pages', () => {
    const page = (records: number, bookmark: string): ComplianceSummary => ({
      from,
      to,
      scope: 'all',
      records,
      pairs: { 'health->transport': records },
      categories: { 'health/patient-flow': records },
      verdicts: { benign: records, suspicious: 0, malicious: 0 },
      denials: 1,
      denialsByReason: { expired: 1 },
      mismatches: 0,
      bookmark,
    });
    const merged = mergeComplianceSummaries(page(2, 'next'), page(3, ''));
    expect(merged).toEqual({ ...page(5, ''), denials: 2, denialsByReason: { expired: 2 } });
    expect(() => mergeComplianceSummaries(page(1, ''), { ...page(1, ''), scope: 'health' })).toThrow(
      RangeError,
    );
  });
});

describe('parseJsonArgument', () => {
  it('checks size before parsing', () => {
    expect(parseJsonArgument('{"a":1}', 'arg', 10)).toEqual({ a: 1 });
    expect(() => parseJsonArgument('{"a":"xxxxxxxx"}', 'arg', 10)).toThrow(
      /^PAYLOAD_TOO_LARGE: arg exceeds 10 bytes/,
    );
    expect(() => parseJsonArgument('"ééééé"', 'arg', 10)).toThrow(/^PAYLOAD_TOO_LARGE/);
    expect(() => parseJsonArgument('{bad', 'arg', 10)).toThrow(/^INVALID_ARGUMENT: arg is not valid JSON/);
  });
});
