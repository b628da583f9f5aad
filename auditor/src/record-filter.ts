import type { Department, ExchangeEntry, QueryPath, RecordQuery, Verdict } from '@cityledger/core';

/** What an auditor can filter records by. */
export interface RecordFilters {
  /** Records where this department is the source or the consumer. */
  readonly department?: Department;
  readonly source?: Department;
  readonly consumer?: Department;
  readonly category?: string;
  readonly gateway?: string;
  readonly verdict?: Verdict;
  readonly decision?: 'allow' | 'deny';
  readonly from?: string;
  readonly to?: string;
}

export interface QueryPlan {
  /** The chaincode query: the most selective index the filters allow. */
  readonly query: RecordQuery;
  /** The filters the index does not apply, checked on each record. */
  readonly matches: (entry: ExchangeEntry) => boolean;
  readonly path: QueryPath;
}

/** Index order, most selective first: a gateway, a category, a verdict, a department, then time. */
function pickIndex(f: RecordFilters): { by: QueryPath; value?: string } {
  if (f.gateway !== undefined) {
    return { by: 'gateway', value: f.gateway };
  }
  if (f.category !== undefined) {
    return { by: 'category', value: f.category };
  }
  if (f.verdict !== undefined) {
    return { by: 'verdict', value: f.verdict };
  }
  const department = f.department ?? f.consumer ?? f.source;
  if (department !== undefined) {
    return { by: 'department', value: department };
  }
  return { by: 'time' };
}

export function planQuery(f: RecordFilters, pageSize: number, bookmark?: string): QueryPlan {
  const index = pickIndex(f);
  const query: RecordQuery = {
    ...index,
    ...(f.from === undefined ? {} : { from: f.from }),
    ...(f.to === undefined ? {} : { to: f.to }),
    pageSize,
    ...(bookmark === undefined || bookmark === '' ? {} : { bookmark }),
  };
  const matches = (e: ExchangeEntry): boolean => {
    const r = e.record;
    return (
      (f.department === undefined ||
        r.sourceDepartment === f.department ||
        r.consumerDepartment === f.department) &&
      (f.source === undefined || r.sourceDepartment === f.source) &&
      (f.consumer === undefined || r.consumerDepartment === f.consumer) &&
      (f.category === undefined || r.category === f.category) &&
      (f.gateway === undefined || r.gatewayId === f.gateway) &&
      (f.verdict === undefined || r.verdict === f.verdict) &&
      (f.decision === undefined || r.decision === f.decision)
    );
  };
  return { query, matches, path: index.by };
}
