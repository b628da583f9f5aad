import { sha256Hex, type ComplianceSummary, type ExchangeEntry } from '@cityledger/core';
import { buildReport, type ReportInput } from '../../../auditor/src/report-data';
import { reportDocument } from '../../../auditor/src/report-document';
import { renderHtml, renderMarkdown } from '../../../auditor/src/report-render';
import {
  at,
  batchChain,
  content,
  entryFor,
  gatewayHistory,
  model,
  modelHistory,
  policyHistory,
} from './world';

/** A deterministic pseudo-random generator (mulberry32), so the fixed ledger is the same every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = rng(42);
const purposes = ['emergency-planning', 'marketing'];
const records: ExchangeEntry[] = Array.from({ length: 300 }, (_, i) =>
  entryFor(
    content({
      observedAt: at(3 + (i % 50)),
      consumerDepartment: random() < 0.8 ? 'transport' : 'energy',
      purpose: purposes[random() < 0.85 ? 0 : 1]!,
      threatScore: Math.round(random() * 1000) / 1000,
      payloadSha256: sha256Hex(`p${i}`),
    }),
  ),
);

const batches = batchChain(4).batches;

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    from: at(0),
    to: at(50),
    records,
    incidents: [],
    batches,
    policies: policyHistory,
    gateways: [
      ...gatewayHistory,
      {
        value: { ...gatewayHistory[0]!.value, status: 'suspended', statusReason: 'key leak' },
        txId: 'tx-s',
        at: at(45),
      },
    ],
    models: [
      ...modelHistory,
      { value: { ...model, status: 'retired', retiredReason: 'drift' }, txId: 'tx-r', at: at(49) },
    ],
    erasures: [
      {
        recordId: records[0]!.id,
        department: 'health',
        collection: 'healthPrivate',
        reason: 'REQ-1',
        erasedAt: at(30),
        txId: 'tx-e',
      },
    ],
    ...overrides,
  };
}

describe('compliance report', () => {
  const data = buildReport(input());

  it('has totals equal to an independent count of the records in the period', () => {
    const inPeriod = records.filter((e) => e.record.observedAt >= at(0) && e.record.observedAt < at(50));
    let denied = 0;
    const verdicts: Record<string, number> = { benign: 0, suspicious: 0, malicious: 0 };
    const pairs: Record<string, number> = {};
    for (const e of inPeriod) {
      denied += e.record.decision === 'deny' ? 1 : 0;
      verdicts[e.record.verdict]! += 1;
      const pair = `${e.record.sourceDepartment}->${e.record.consumerDepartment}`;
      pairs[pair] = (pairs[pair] ?? 0) + 1;
    }
    expect(inPeriod.length).toBeLessThan(records.length); // the period cuts some records off
    expect(data.totals.records).toBe(inPeriod.length);
    expect(data.totals.denied).toBe(denied);
    expect(data.totals.allowed).toBe(inPeriod.length - denied);
    expect(data.totals.verdicts).toEqual(verdicts);
    expect(Object.fromEntries(data.pairs.map((p) => [p.pair, p.exchanges]))).toEqual(pairs);
    expect(data.flows.reduce((n, f) => n + f.exchanges, 0)).toBe(inPeriod.length);
    expect(data.flagged).toHaveLength(verdicts.suspicious! + verdicts.malicious!);
    expect(data.denialsByReason.reduce((n, d) => n + d.count, 0)).toBe(denied);
    expect(data.totals.batches).toBe(3);
    expect(data.totals.batchedFlows).toBe(12);
  });

  it('lists the policy, gateway, model and erasure events of the period', () => {
    expect(data.policyChanges.map((p) => p.version)).toEqual([1]); // v2 is written at +60 min
    expect(data.gatewayChanges.map((c) => [c.subject, c.from, c.to, c.reason])).toEqual([
      ['health-gw-1', 'none', 'active', ''],
      ['health-gw-1', 'active', 'suspended', 'key leak'],
    ]);
    expect(data.modelChanges.map((c) => [c.from, c.to])).toEqual([
      ['none', 'active'],
      ['active', 'retired'],
    ]);
    expect(data.totals.erasures).toBe(1);
  });

  it('is byte-for-byte reproducible, whatever order the ledger pages came in', () => {
    const shuffled = buildReport(input({ records: [...records].reverse() }));
    const md = renderMarkdown(reportDocument(data));
    expect(renderMarkdown(reportDocument(shuffled))).toBe(md);
    expect(renderHtml(reportDocument(shuffled))).toBe(renderHtml(reportDocument(data)));
    expect(shuffled.fingerprint).toBe(data.fingerprint);
    const fewer = buildReport(input({ records: records.slice(1) }));
    expect(fewer.fingerprint).not.toBe(data.fingerprint);
  });

  it("cross-checks the chaincode's summary against its own count", () => {
    const inPeriod = records.filter((e) => e.record.observedAt < at(50));
    const count = (key: (e: ExchangeEntry) => string) =>
      inPeriod.reduce<Record<string, number>>((acc, e) => ({ ...acc, [key(e)]: (acc[key(e)] ?? 0) + 1 }), {});
    const summary: ComplianceSummary = {
      from: at(0),
      to: at(50),
      scope: 'all',
      records: inPeriod.length,
      pairs: count((e) => `${e.record.sourceDepartment}->${e.record.consumerDepartment}`),
      categories: count((e) => e.record.category),
      verdicts: { benign: 0, suspicious: 0, malicious: 0, ...count((e) => e.record.verdict) },
      denials: data.totals.denied,
      denialsByReason: {},
      mismatches: 0,
      bookmark: '',
    };
    expect(buildReport(input({ chainSummary: summary })).summaryCheck?.status).toBe('pass');
    const lagging = buildReport(input({ chainSummary: { ...summary, records: summary.records - 1 } }));
    expect(lagging.summaryCheck?.status).toBe('fail');
    expect(lagging.summaryCheck?.detail).toMatch(/records/);
  });

  it('renders Markdown tables and escaped, self-contained HTML', () => {
    const md = renderMarkdown(reportDocument(data));
    expect(md).toContain('## Exchanges per source → consumer pair');
    expect(md).toMatch(
      new RegExp(
        `\\| health->transport \\| ${data.pairs.find((p) => p.pair === 'health->transport')!.exchanges} \\|`,
      ),
    );
    const html = renderHtml(
      reportDocument(
        buildReport(input({ erasures: [{ ...input().erasures[0]!, reason: '<script>x</script>' }] })),
      ),
    );
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;');
    expect(html).not.toMatch(/https?:\/\//);
  });
});
