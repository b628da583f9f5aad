import { CHECK_CATALOGUE } from './checks';
import type { ReportData, StatusChange } from './report-data';

/** A format-neutral report: sections of paragraphs and tables, rendered as Markdown or HTML. */
export interface Table {
  readonly headers: readonly string[];
  /** Indices of right-aligned (numeric) columns. */
  readonly numeric: readonly number[];
  readonly rows: readonly (readonly string[])[];
}

export type Block = { readonly paragraph: string } | { readonly table: Table };

export interface Section {
  readonly title: string;
  readonly blocks: readonly Block[];
}

export interface ReportDocument {
  readonly title: string;
  readonly subtitle: string;
  readonly sections: readonly Section[];
}

const EMPTY = 'None in this period.';

function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  numeric: readonly number[] = [],
): Block[] {
  return rows.length === 0 ? [{ paragraph: EMPTY }] : [{ table: { headers, rows, numeric } }];
}

function short(id: string): string {
  return id.slice(0, 16);
}

function changesTable(changes: readonly StatusChange[], what: string): Block[] {
  return table(
    ['time', what, 'from', 'to', 'reason', 'transaction'],
    changes.map((c) => [c.at, c.subject, c.from, c.to, c.reason, short(c.txId)]),
  );
}

function overview(data: ReportData): Section {
  const t = data.totals;
  const rows = [
    ['exchange records', String(t.records)],
    ['  allowed', String(t.allowed)],
    ['  denied by policy', String(t.denied)],
    [
      '  benign / suspicious / malicious',
      `${t.verdicts.benign} / ${t.verdicts.suspicious} / ${t.verdicts.malicious}`,
    ],
    ['policy-mismatch incidents', String(t.incidents)],
    [
      'flagged network flows (suspicious / malicious)',
      `${t.flowAlerts} (${t.flowAlertVerdicts.suspicious} / ${t.flowAlertVerdicts.malicious})`,
    ],
    ['batches anchored', String(t.batches)],
    [
      '  flows in batches (benign / suspicious / malicious)',
      `${t.batchedFlows} (${t.batchedVerdicts.benign} / ${t.batchedVerdicts.suspicious} / ${t.batchedVerdicts.malicious})`,
    ],
    ['policy versions written', String(data.policyChanges.length)],
    ['gateway status changes', String(data.gatewayChanges.length)],
    ['model status changes', String(data.modelChanges.length)],
    ['erasure requests honoured', String(t.erasures)],
  ];
  const blocks: Block[] = [{ table: { headers: ['measure', 'count'], rows, numeric: [1] } }];
  if (data.summaryCheck !== undefined) {
    const verdict = data.summaryCheck.status === 'pass' ? 'PASS' : 'FAIL';
    blocks.push({
      paragraph: `Cross-check — ${CHECK_CATALOGUE['summary-agreement'].title}: ${verdict} (${data.summaryCheck.detail}).`,
    });
  }
  return { title: 'Overview', blocks };
}

/** The report's sections, in a fixed order. */
export function reportDocument(data: ReportData): ReportDocument {
  return {
    title: 'CityLedger compliance report',
    subtitle: `Period ${data.from} to ${data.to} (start inclusive, end exclusive). Evidence fingerprint sha256:${data.fingerprint}. Built from the ledger alone: the same ledger gives the same report, byte for byte.`,
    sections: [
      overview(data),
      {
        title: 'Exchanges per source → consumer pair',
        blocks: table(
          ['pair', 'exchanges', 'denied'],
          data.pairs.map((p) => [p.pair, String(p.exchanges), String(p.denied)]),
          [1, 2],
        ),
      },
      {
        title: 'Exchanges per pair and category',
        blocks: table(
          ['source', 'consumer', 'category', 'exchanges', 'allowed', 'denied', 'suspicious', 'malicious'],
          data.flows.map((f) => [
            f.source,
            f.consumer,
            f.category,
            ...[f.exchanges, f.allowed, f.denied, f.suspicious, f.malicious].map(String),
          ]),
          [3, 4, 5, 6, 7],
        ),
      },
      {
        title: 'Denials',
        blocks: [
          ...table(
            ['reason', 'count'],
            data.denialsByReason.map((d) => [d.reason, String(d.count)]),
            [1],
          ),
          ...(data.denials.length === 0
            ? []
            : table(
                ['observed', 'record', 'gateway', 'pair', 'category', 'purpose', 'reason'],
                data.denials.map((e) => [
                  e.record.observedAt,
                  short(e.id),
                  e.record.gatewayId,
                  `${e.record.sourceDepartment}->${e.record.consumerDepartment}`,
                  e.record.category,
                  e.record.purpose,
                  e.denyReason ?? '',
                ]),
              )),
        ],
      },
      {
        title: 'Suspicious and malicious verdicts',
        blocks: table(
          ['observed', 'record', 'gateway', 'category', 'verdict', 'score', 'model', 'decision'],
          data.flagged.map((e) => [
            e.record.observedAt,
            short(e.id),
            e.record.gatewayId,
            e.record.category,
            e.record.verdict,
            String(e.record.threatScore),
            `${e.record.modelId}@${e.record.modelVersion}`,
            e.record.decision,
          ]),
        ),
      },
      {
        title: 'Flagged network flows per zone and gateway',
        blocks: table(
          ['zone', 'gateway', 'suspicious', 'malicious'],
          data.flowAlertsByGateway.map((g) => [
            g.zone,
            g.gatewayId,
            String(g.suspicious),
            String(g.malicious),
          ]),
          [2, 3],
        ),
      },
      {
        title: 'Policy-mismatch incidents',
        blocks: table(
          ['detected', 'record', 'gateway', 'category', 'gateway decision', 'chain decision', 'reason'],
          data.incidents.map((i) => [
            i.detectedAt,
            short(i.id),
            i.record.gatewayId,
            i.record.category,
            i.gatewayDecision,
            i.chainDecision,
            i.denyReason ?? '',
          ]),
        ),
      },
      {
        title: 'Batches anchored per gateway',
        blocks: table(
          ['gateway', 'batches', 'flows'],
          data.batchesByGateway.map((b) => [b.gatewayId, String(b.batches), String(b.flows)]),
          [1, 2],
        ),
      },
      {
        title: 'Policy changes',
        blocks: table(
          ['written', 'category', 'version', 'owner', 'grants', 'transaction'],
          data.policyChanges.map((p) => [
            p.createdAt,
            p.category,
            String(p.version),
            p.owner,
            p.grants
              .map((g) => `${g.grantee} (${g.purposes.join('/')}, ≤${g.maxVerdict}, until ${g.validUntil})`)
              .join('; ') || 'none (deny all)',
            short(p.txId),
          ]),
        ),
      },
      { title: 'Gateway status changes', blocks: changesTable(data.gatewayChanges, 'gateway') },
      { title: 'Model status changes', blocks: changesTable(data.modelChanges, 'model') },
      {
        title: 'Erasure requests honoured',
        blocks: table(
          ['erased', 'record', 'department', 'collection', 'request', 'transaction'],
          data.erasures.map((e) => [
            e.erasedAt,
            short(e.recordId),
            e.department,
            e.collection,
            e.reason,
            short(e.txId),
          ]),
        ),
      },
    ],
  };
}
