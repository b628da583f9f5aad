import {
  canonicalBytes,
  sha256Hex,
  type BatchEntry,
  type ComplianceSummary,
  type ErasureRecord,
  type ExchangeEntry,
  type FlowAlertEntry,
  type GatewayEntry,
  type MismatchIncident,
  type ModelEntry,
  type PolicyEntry,
  type Verdict,
} from '@cityledger/core';
import { fail, pass, type CheckResult } from './checks';
import { oldestFirst, type Versioned } from './versions';

/** What a compliance report is built from, all read from the ledger. */
export interface ReportInput {
  /** Inclusive start and exclusive end of the period (ISO). */
  readonly from: string;
  readonly to: string;
  /** Records observed in the period. */
  readonly records: readonly ExchangeEntry[];
  /** Flow alerts (flagged network flows) whose flow ended in the period. */
  readonly flowAlerts?: readonly FlowAlertEntry[];
  /** Policy-mismatch incidents detected in the period. */
  readonly incidents: readonly MismatchIncident[];
  /** Batches anchored in the period. */
  readonly batches: readonly BatchEntry[];
  /** Every version of every policy (the report keeps those written in the period). */
  readonly policies: readonly PolicyEntry[];
  /** Every version of every gateway and model registry entry. */
  readonly gateways: readonly Versioned<GatewayEntry>[];
  readonly models: readonly Versioned<ModelEntry>[];
  /** Erasure records of the period. */
  readonly erasures: readonly ErasureRecord[];
  /** The chaincode's own compliance summary of the period (all pages merged), when available. */
  readonly chainSummary?: ComplianceSummary;
}

export interface FlowRow {
  readonly source: string;
  readonly consumer: string;
  readonly category: string;
  readonly exchanges: number;
  readonly allowed: number;
  readonly denied: number;
  readonly suspicious: number;
  readonly malicious: number;
}

export interface StatusChange {
  readonly at: string;
  readonly subject: string;
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  readonly txId: string;
}

export interface ReportData {
  readonly from: string;
  readonly to: string;
  /** sha256 of the canonical inputs: equal fingerprints, equal evidence. */
  readonly fingerprint: string;
  readonly totals: {
    readonly records: number;
    readonly allowed: number;
    readonly denied: number;
    readonly verdicts: Readonly<Record<Verdict, number>>;
    readonly incidents: number;
    readonly batches: number;
    readonly batchedFlows: number;
    readonly batchedVerdicts: Readonly<Record<Verdict, number>>;
    readonly erasures: number;
    readonly flowAlerts: number;
    readonly flowAlertVerdicts: { readonly suspicious: number; readonly malicious: number };
  };
  /** Flow alerts per zone and gateway. */
  readonly flowAlertsByGateway: readonly {
    readonly zone: string;
    readonly gatewayId: string;
    readonly suspicious: number;
    readonly malicious: number;
  }[];
  readonly pairs: readonly { readonly pair: string; readonly exchanges: number; readonly denied: number }[];
  readonly flows: readonly FlowRow[];
  readonly denialsByReason: readonly { readonly reason: string; readonly count: number }[];
  readonly denials: readonly ExchangeEntry[];
  readonly flagged: readonly ExchangeEntry[];
  readonly incidents: readonly MismatchIncident[];
  readonly batchesByGateway: readonly {
    readonly gatewayId: string;
    readonly batches: number;
    readonly flows: number;
  }[];
  readonly policyChanges: readonly PolicyEntry[];
  readonly gatewayChanges: readonly StatusChange[];
  readonly modelChanges: readonly StatusChange[];
  readonly erasures: readonly ErasureRecord[];
  readonly summaryCheck?: CheckResult;
}

function inPeriod(at: string, from: string, to: string): boolean {
  return at >= from && at < to;
}

function byKey<T>(items: readonly T[], key: (item: T) => string): T[] {
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}

function flowRows(records: readonly ExchangeEntry[]): FlowRow[] {
  const rows = new Map<string, { -readonly [K in keyof FlowRow]: FlowRow[K] }>();
  for (const { record } of records) {
    const key = `${record.sourceDepartment}\u0000${record.consumerDepartment}\u0000${record.category}`;
    let row = rows.get(key);
    if (row === undefined) {
      row = {
        source: record.sourceDepartment,
        consumer: record.consumerDepartment,
        category: record.category,
        exchanges: 0,
        allowed: 0,
        denied: 0,
        suspicious: 0,
        malicious: 0,
      };
      rows.set(key, row);
    }
    row.exchanges += 1;
    row[record.decision === 'allow' ? 'allowed' : 'denied'] += 1;
    if (record.verdict !== 'benign') {
      row[record.verdict] += 1;
    }
  }
  return byKey([...rows.values()], (r) => `${r.source}\u0000${r.consumer}\u0000${r.category}`);
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/** Changes of `status` between consecutive versions, with the registration as a change from "none". */
function statusChanges<T extends { readonly status: string }>(
  history: readonly Versioned<T>[],
  subject: (value: T) => string,
  reason: (value: T) => string,
  from: string,
  to: string,
): StatusChange[] {
  const last = new Map<string, string>();
  const changes: StatusChange[] = [];
  for (const version of oldestFirst(history)) {
    const name = subject(version.value);
    const previous = last.get(name);
    last.set(name, version.value.status);
    if (previous !== version.value.status && inPeriod(version.at, from, to)) {
      changes.push({
        at: version.at,
        subject: name,
        from: previous ?? 'none',
        to: version.value.status,
        reason: reason(version.value),
        txId: version.txId,
      });
    }
  }
  return changes;
}

function sumVerdicts(batches: readonly BatchEntry[]): Record<Verdict, number> {
  const sum: Record<Verdict, number> = { benign: 0, suspicious: 0, malicious: 0 };
  for (const { batch } of batches) {
    sum.benign += batch.verdictCounts.benign;
    sum.suspicious += batch.verdictCounts.suspicious;
    sum.malicious += batch.verdictCounts.malicious;
  }
  return sum;
}

function sameCounts(a: Readonly<Record<string, number>>, b: ReadonlyMap<string, number>): boolean {
  const keys = new Set([...Object.keys(a).filter((k) => (a[k] ?? 0) !== 0), ...b.keys()]);
  return [...keys].every((k) => (a[k] ?? 0) === (b.get(k) ?? 0));
}

/** Compares the chaincode's summary with the report's own count of the same records. */
export function checkSummary(
  summary: ComplianceSummary,
  records: readonly ExchangeEntry[],
  incidents: number,
  flowAlerts: readonly FlowAlertEntry[] = [],
): CheckResult {
  const pairs = countBy(records, (e) => `${e.record.sourceDepartment}->${e.record.consumerDepartment}`);
  const categories = countBy(records, (e) => e.record.category);
  const verdicts = countBy(records, (e) => e.record.verdict);
  const denials = records.filter((e) => e.record.decision === 'deny').length;
  const differences = [
    summary.records === records.length ? '' : `records ${summary.records} vs ${records.length}`,
    sameCounts(summary.pairs, pairs) ? '' : 'pairs differ',
    sameCounts(summary.categories, categories) ? '' : 'categories differ',
    sameCounts(summary.verdicts, verdicts) ? '' : 'verdicts differ',
    summary.denials === denials ? '' : `denials ${summary.denials} vs ${denials}`,
    summary.mismatches === incidents ? '' : `mismatches ${summary.mismatches} vs ${incidents}`,
    summary.flowAlerts === undefined || summary.flowAlerts.total === flowAlerts.length
      ? ''
      : `flow alerts ${summary.flowAlerts.total} vs ${flowAlerts.length}`,
    summary.flowAlerts === undefined ||
    sameCounts(
      summary.flowAlerts.zones,
      countBy(flowAlerts, (a) => a.zone),
    )
      ? ''
      : 'flow alerts per zone differ',
  ].filter((d) => d !== '');
  return differences.length === 0
    ? pass('summary-agreement', `chaincode summary = record-by-record count (${records.length} records)`)
    : fail('summary-agreement', differences.join('; '));
}

/** Builds the report. Pure and deterministic: the same ledger gives the same data, in the same order. */
export function buildReport(input: ReportInput): ReportData {
  const { from, to } = input;
  const records = byKey(
    input.records.filter((e) => inPeriod(e.record.observedAt, from, to)),
    (e) => `${e.record.observedAt}\u0000${e.id}`,
  );
  const incidents = byKey(
    input.incidents.filter((i) => inPeriod(i.detectedAt, from, to)),
    (i) => `${i.detectedAt}\u0000${i.id}`,
  );
  const batches = byKey(
    input.batches.filter((b) => inPeriod(b.anchoredAt, from, to)),
    (b) => `${b.anchoredAt}\u0000${b.id}`,
  );
  const erasures = byKey(
    input.erasures.filter((e) => inPeriod(e.erasedAt, from, to)),
    (e) => `${e.erasedAt}\u0000${e.recordId}`,
  );
  const policyChanges = byKey(
    input.policies.filter((p) => inPeriod(p.createdAt, from, to)),
    (p) => `${p.createdAt}\u0000${p.category}\u0000${String(p.version).padStart(9, '0')}`,
  );
  const flowAlerts = byKey(
    (input.flowAlerts ?? []).filter((a) => inPeriod(a.alert.observedAt, from, to)),
    (a) => `${a.alert.observedAt}\u0000${a.id}`,
  );
  const alertGroups = new Map<
    string,
    { zone: string; gatewayId: string; suspicious: number; malicious: number }
  >();
  for (const a of flowAlerts) {
    const key = `${a.zone}\u0000${a.alert.gatewayId}`;
    const g = alertGroups.get(key) ?? {
      zone: a.zone,
      gatewayId: a.alert.gatewayId,
      suspicious: 0,
      malicious: 0,
    };
    g[a.alert.verdict] += 1;
    alertGroups.set(key, g);
  }
  const denials = records.filter((e) => e.record.decision === 'deny');
  const flagged = records.filter((e) => e.record.verdict !== 'benign');
  const verdicts = {
    benign: 0,
    suspicious: 0,
    malicious: 0,
    ...Object.fromEntries(countBy(records, (e) => e.record.verdict)),
  };
  const pairCounts = countBy(records, (e) => `${e.record.sourceDepartment}->${e.record.consumerDepartment}`);
  const pairDenials = countBy(denials, (e) => `${e.record.sourceDepartment}->${e.record.consumerDepartment}`);
  const batchGateways = new Map<string, { batches: number; flows: number }>();
  for (const { batch } of batches) {
    const g = batchGateways.get(batch.gatewayId) ?? { batches: 0, flows: 0 };
    batchGateways.set(batch.gatewayId, { batches: g.batches + 1, flows: g.flows + batch.count });
  }
  const fingerprint = sha256Hex(
    canonicalBytes({
      from,
      to,
      records,
      flowAlerts,
      incidents,
      batches,
      erasures,
      policyChanges,
      // Registry versions up to the end of the period: a later change leaves the report unchanged.
      gateways: oldestFirst(input.gateways.filter((v) => v.at < to)),
      models: oldestFirst(input.models.filter((v) => v.at < to)),
    }),
  );
  return {
    from,
    to,
    fingerprint,
    totals: {
      records: records.length,
      allowed: records.length - denials.length,
      denied: denials.length,
      verdicts,
      incidents: incidents.length,
      batches: batches.length,
      batchedFlows: batches.reduce((n, b) => n + b.batch.count, 0),
      batchedVerdicts: sumVerdicts(batches),
      erasures: erasures.length,
      flowAlerts: flowAlerts.length,
      flowAlertVerdicts: {
        suspicious: flowAlerts.filter((a) => a.alert.verdict === 'suspicious').length,
        malicious: flowAlerts.filter((a) => a.alert.verdict === 'malicious').length,
      },
    },
    flowAlertsByGateway: byKey([...alertGroups.values()], (g) => `${g.zone}\u0000${g.gatewayId}`),
    pairs: byKey([...pairCounts], ([pair]) => pair).map(([pair, exchanges]) => ({
      pair,
      exchanges,
      denied: pairDenials.get(pair) ?? 0,
    })),
    flows: flowRows(records),
    denialsByReason: byKey([...countBy(denials, (e) => e.denyReason ?? 'unspecified')], ([r]) => r).map(
      ([reason, count]) => ({ reason, count }),
    ),
    denials,
    flagged,
    incidents,
    batchesByGateway: byKey([...batchGateways], ([g]) => g).map(([gatewayId, v]) => ({ gatewayId, ...v })),
    policyChanges,
    gatewayChanges: statusChanges(
      input.gateways,
      (g) => g.id,
      (g) => g.statusReason ?? '',
      from,
      to,
    ),
    modelChanges: statusChanges(
      input.models,
      (m) => `${m.id}@${m.version}`,
      (m) => m.retiredReason ?? '',
      from,
      to,
    ),
    erasures,
    ...(input.chainSummary === undefined
      ? {}
      : { summaryCheck: checkSummary(input.chainSummary, records, incidents.length, flowAlerts) }),
  };
}
