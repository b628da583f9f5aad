import { CATEGORY } from './category';
import { DATA_DEPARTMENTS, type Department, DEPARTMENTS, LIMITS, type Verdict, VERDICTS } from './constants';
import { FLOW_ALERT_VERDICTS, type FlowAlertVerdict } from './flow-alert';
import { invalid, ObjectReader, SLUG } from './validate';

/** Access paths of `queryRecords`. `incidents` lists policy-mismatch incidents instead of records. */
export const QUERY_PATHS = ['time', 'department', 'category', 'gateway', 'verdict', 'incidents'] as const;
export type QueryPath = (typeof QUERY_PATHS)[number];

/**
 * A paginated query over records, newest-last by `observedAt`. `from` is inclusive, `to` exclusive;
 * `value` is required for department, category, gateway and verdict and forbidden otherwise.
 */
export interface RecordQuery {
  readonly by: QueryPath;
  readonly value?: string;
  readonly from?: string;
  readonly to?: string;
  /** 1 to LIMITS.maxPageSize (default LIMITS.defaultPageSize). */
  readonly pageSize?: number;
  /** From the previous page; empty or absent for the first page. */
  readonly bookmark?: string;
}

/** One page. `bookmark` is empty when there is nothing more. */
export interface Page<T> {
  readonly items: readonly T[];
  readonly bookmark: string;
}

const BOOKMARK = /^[^\u0000-\u001f]{0,1024}$/u;
const VALUE_PATTERNS: Record<string, RegExp> = {
  department: new RegExp(`^(${DEPARTMENTS.join('|')})$`),
  category: CATEGORY,
  gateway: SLUG,
  verdict: new RegExp(`^(${VERDICTS.join('|')})$`),
};

function readRange(r: ObjectReader): { from?: string; to?: string } {
  const from = r.optional('from') ? r.timestamp('from') : undefined;
  const to = r.optional('to') ? r.timestamp('to') : undefined;
  if (from !== undefined && to !== undefined && from >= to) {
    invalid(r.path('to'), 'must be after from');
  }
  return { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) };
}

/** Reads a paginated query whose `value` is required exactly for the paths in `patterns`. */
function readPagedQuery<P extends string>(
  value: unknown,
  path: string,
  paths: readonly P[],
  patterns: Readonly<Record<string, RegExp>>,
): { by: P; value?: string; from?: string; to?: string; pageSize?: number; bookmark?: string } {
  const r = new ObjectReader(value, path);
  const by = r.oneOf('by', paths);
  const pattern = patterns[by];
  const hasValue = r.optional('value');
  if ((pattern !== undefined) !== hasValue) {
    invalid(r.path('value'), pattern === undefined ? `is not allowed with by=${by}` : 'is required');
  }
  const query = {
    by,
    ...(pattern === undefined ? {} : { value: r.string('value', pattern, 80) }),
    ...readRange(r),
    ...(r.optional('pageSize') ? { pageSize: r.integer('pageSize', 1, LIMITS.maxPageSize) } : {}),
    ...(r.optional('bookmark') ? { bookmark: r.string('bookmark', BOOKMARK, 1024) } : {}),
  };
  r.done();
  return query;
}

export function parseRecordQuery(value: unknown, path = 'query'): RecordQuery {
  return readPagedQuery(value, path, QUERY_PATHS, VALUE_PATTERNS);
}

/** Access paths of `queryFlowAlerts`. */
export const FLOW_ALERT_QUERY_PATHS = ['time', 'department', 'gateway', 'zone', 'verdict'] as const;
export type FlowAlertQueryPath = (typeof FLOW_ALERT_QUERY_PATHS)[number];

/**
 * A paginated query over flow alerts, newest-last by `observedAt` (the end of the flow); `from`
 * inclusive, `to` exclusive. `value` is required for department, gateway, zone and verdict.
 */
export interface FlowAlertQuery {
  readonly by: FlowAlertQueryPath;
  readonly value?: string;
  readonly from?: string;
  readonly to?: string;
  /** 1 to LIMITS.maxPageSize (default LIMITS.defaultPageSize). */
  readonly pageSize?: number;
  readonly bookmark?: string;
}

const FLOW_VALUE_PATTERNS: Record<string, RegExp> = {
  department: new RegExp(`^(${DATA_DEPARTMENTS.join('|')})$`),
  gateway: SLUG,
  zone: SLUG,
  verdict: new RegExp(`^(${FLOW_ALERT_VERDICTS.join('|')})$`),
};

export function parseFlowAlertQuery(value: unknown, path = 'query'): FlowAlertQuery {
  return readPagedQuery(value, path, FLOW_ALERT_QUERY_PATHS, FLOW_VALUE_PATTERNS);
}

/** Compliance summary over `[from, to)`, for all records (audit) or one department's. */
export interface ComplianceQuery {
  readonly from: string;
  readonly to: string;
  /** Audit may pick a department or leave it out for everything; a department always gets its own. */
  readonly department?: Department;
  readonly bookmark?: string;
}

export function parseComplianceQuery(value: unknown, path = 'query'): ComplianceQuery {
  const r = new ObjectReader(value, path);
  const from = r.timestamp('from');
  const to = r.timestamp('to');
  const department = r.optional('department') ? r.oneOf('department', DEPARTMENTS) : undefined;
  const bookmark = r.optionalString('bookmark', BOOKMARK, 1024);
  r.done();
  if (from >= to) {
    invalid(r.path('to'), 'must be after from');
  }
  return {
    from,
    to,
    ...(department === undefined ? {} : { department }),
    ...(bookmark === undefined ? {} : { bookmark }),
  };
}

/**
 * Counts over one page of a period's records; the chaincode scans at most LIMITS.maxSummaryScan
 * entries per call. While `bookmark` is not empty, call again with it and merge the pages.
 */
export interface ComplianceSummary {
  readonly from: string;
  readonly to: string;
  readonly scope: Department | 'all';
  readonly records: number;
  /** Keyed `<source>-><consumer>`. */
  readonly pairs: Readonly<Record<string, number>>;
  readonly categories: Readonly<Record<string, number>>;
  readonly verdicts: Readonly<Record<Verdict, number>>;
  /** Records whose exchange the policy denied, in total and by reason. */
  readonly denials: number;
  readonly denialsByReason: Readonly<Record<string, number>>;
  /** Policy-mismatch incidents. */
  readonly mismatches: number;
  /** Flow alerts of the scope's gateways (absent from chaincode versions without flow alerts). */
  readonly flowAlerts?: FlowAlertCounts;
  readonly bookmark: string;
}

/** Flow alerts of a period: in total, per verdict and per gateway zone. */
export interface FlowAlertCounts {
  readonly total: number;
  readonly verdicts: Readonly<Record<FlowAlertVerdict, number>>;
  readonly zones: Readonly<Record<string, number>>;
}

function addFlowAlertCounts(a?: FlowAlertCounts, b?: FlowAlertCounts): FlowAlertCounts | undefined {
  if (a === undefined || b === undefined) {
    return a ?? b;
  }
  return {
    total: a.total + b.total,
    verdicts: addCounts(a.verdicts, b.verdicts) as Record<FlowAlertVerdict, number>,
    zones: addCounts(a.zones, b.zones),
  };
}

function addCounts(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): Record<string, number> {
  const sum: Record<string, number> = { ...a };
  for (const [key, n] of Object.entries(b)) {
    sum[key] = (sum[key] ?? 0) + n;
  }
  return sum;
}

/** Adds a later page to an earlier one (same period and scope); keeps the later page's bookmark. */
export function mergeComplianceSummaries(a: ComplianceSummary, b: ComplianceSummary): ComplianceSummary {
  if (a.from !== b.from || a.to !== b.to || a.scope !== b.scope) {
    throw new RangeError('summaries cover different periods or scopes');
  }
  return {
    from: a.from,
    to: a.to,
    scope: a.scope,
    records: a.records + b.records,
    pairs: addCounts(a.pairs, b.pairs),
    categories: addCounts(a.categories, b.categories),
    verdicts: addCounts(a.verdicts, b.verdicts) as Record<Verdict, number>,
    denials: a.denials + b.denials,
    denialsByReason: addCounts(a.denialsByReason, b.denialsByReason),
    mismatches: a.mismatches + b.mismatches,
    ...optionalFlowAlerts(addFlowAlertCounts(a.flowAlerts, b.flowAlerts)),
    bookmark: b.bookmark,
  };
}

function optionalFlowAlerts(counts?: FlowAlertCounts): { flowAlerts?: FlowAlertCounts } {
  return counts === undefined ? {} : { flowAlerts: counts };
}
