import {
  CityLedgerError,
  type ComplianceQuery,
  type ComplianceSummary,
  type Department,
  type FlowAlertCounts,
  type FlowAlertVerdict,
  LIMITS,
  type Verdict,
} from '@cityledger/core';
import { type Context } from 'fabric-contract-api';
import { type Caller } from '../caller';
import { FLOW_DIMENSIONS, type FlowIndexValue } from '../exchange/flow-alert-indexes';
import { DIMENSIONS, type IndexValue, involves, NO_VALUE, VIEWER_ALL } from '../exchange/indexes';
import { keys } from '../ledger/keys';
import { readPage } from '../ledger/range';
import { timeRange } from './record-query';

/**
 * The summary scans the time index of records, then that of incidents, then that of flow alerts,
 * one page per call. Its bookmark is `r:`, `x:` or `f:` followed by the peer's bookmark (phase and
 * position), empty when done.
 */
type Phase = 'r' | 'x' | 'f';
const PHASES: readonly Phase[] = ['r', 'x', 'f'];

function scopeFor(caller: Caller, query: ComplianceQuery): Department | 'all' {
  if (caller.department === 'audit') {
    return query.department ?? 'all';
  }
  if (query.department !== undefined && query.department !== caller.department) {
    throw new CityLedgerError('UNAUTHORIZED', `${caller.department} may only summarise its own records`);
  }
  return caller.department;
}

function parseBookmark(bookmark: string): [Phase, string] {
  if (bookmark === '') {
    return ['r', ''];
  }
  const phase = PHASES.find((p) => bookmark.startsWith(`${p}:`));
  if (phase === undefined) {
    throw new CityLedgerError('INVALID_ARGUMENT', 'bookmark does not belong to this query');
  }
  return [phase, bookmark.slice(2)];
}

/** The bookmark after a page: the same phase while the peer has more, else the next phase. */
function nextBookmark(phase: Phase, peerBookmark: string): string {
  if (peerBookmark !== '') {
    return `${phase}:${peerBookmark}`;
  }
  const next = PHASES[PHASES.indexOf(phase) + 1];
  return next === undefined ? '' : `${next}:`;
}

function countFlowAlerts(values: readonly FlowIndexValue[]): FlowAlertCounts {
  const verdicts: Record<FlowAlertVerdict, number> = { suspicious: 0, malicious: 0 };
  const zones: Record<string, number> = {};
  for (const v of values) {
    verdicts[v.v] += 1;
    increment(zones, v.z);
  }
  return { total: values.length, verdicts, zones };
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

function emptySummary(query: ComplianceQuery, scope: Department | 'all'): ComplianceSummary {
  return {
    from: query.from,
    to: query.to,
    scope,
    records: 0,
    pairs: {},
    categories: {},
    verdicts: { benign: 0, suspicious: 0, malicious: 0 },
    denials: 0,
    denialsByReason: {},
    mismatches: 0,
    bookmark: '',
  };
}

function countRecords(values: readonly IndexValue[], base: ComplianceSummary): ComplianceSummary {
  const pairs: Record<string, number> = {};
  const categories: Record<string, number> = {};
  const verdicts: Record<Verdict, number> = { benign: 0, suspicious: 0, malicious: 0 };
  const denialsByReason: Record<string, number> = {};
  let denials = 0;
  for (const v of values) {
    increment(pairs, `${v.s}->${v.c}`);
    increment(categories, v.k);
    verdicts[v.v] += 1;
    if (v.d === 'deny') {
      denials += 1;
      increment(denialsByReason, v.r ?? 'unknown');
    }
  }
  return { ...base, records: values.length, pairs, categories, verdicts, denials, denialsByReason };
}

/** One page of the compliance summary of `[from, to)` for the caller's scope. */
export async function complianceSummary(
  ctx: Context,
  caller: Caller,
  query: ComplianceQuery,
): Promise<ComplianceSummary> {
  const scope = scopeFor(caller, query);
  const [phase, peerBookmark] = parseBookmark(query.bookmark ?? '');
  const viewer = scope === 'all' ? VIEWER_ALL : scope;
  // Records have only the `all` time index: a department keeps the entries it is source or consumer of.
  const prefix =
    phase === 'f'
      ? keys.flowIndexPrefix(viewer, FLOW_DIMENSIONS.time, NO_VALUE)
      : phase === 'r'
        ? keys.indexPrefix(VIEWER_ALL, DIMENSIONS.time, NO_VALUE)
        : keys.indexPrefix(viewer, DIMENSIONS.incidents, NO_VALUE);
  const [start, end] = timeRange(prefix, query.from, query.to);
  const page = await readPage(ctx, start, end, LIMITS.maxSummaryScan, peerBookmark);
  const values = page.entries.map((e) => JSON.parse(e.value.toString('utf8')) as unknown);
  const base = { ...emptySummary(query, scope), bookmark: nextBookmark(phase, page.bookmark) };
  switch (phase) {
    case 'r': {
      const records = values as IndexValue[];
      return countRecords(scope === 'all' ? records : records.filter(involves(scope)), base);
    }
    case 'x':
      return { ...base, mismatches: values.length };
    case 'f':
      return { ...base, flowAlerts: countFlowAlerts(values as FlowIndexValue[]) };
  }
}
