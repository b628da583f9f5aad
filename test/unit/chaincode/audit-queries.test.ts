import {
  addSeconds,
  canonicalJson,
  type ComplianceSummary,
  type ExchangeEntry,
  type ExchangeOutcome,
  type ExchangeRecord,
  type MismatchIncident,
  type Page,
  type RecordQuery,
  sha256Hex,
} from '@cityledger/core';
import { expectCode } from './expect-code';
import { type FakeIdentity } from './fake-context';
import { complianceSummaryOf, contracts, setupWorld, T, who, type World } from './world';

const N = 420;
const BASE = '2026-03-01T08:00:00.000Z';

let world: World;
let records: ExchangeRecord[];
let ids: string[];

/** N records from the health gateway: consumer cycles transport (allowed), energy and audit (denied). */
beforeAll(async () => {
  world = await setupWorld();
  records = [];
  ids = [];
  for (let i = 0; i < N; i += 1) {
    const consumer = (['transport', 'energy', 'audit'] as const)[i % 3]!;
    const suspicious = i % 10 === 0;
    const record = world.sign({
      consumerDepartment: consumer,
      decision: consumer === 'transport' ? 'allow' : 'deny',
      observedAt: addSeconds(BASE, i),
      threatScore: suspicious ? 0.6 : 0.1,
      verdict: suspicious ? 'suspicious' : 'benign',
      payloadSha256: sha256Hex(`payload ${i}`),
    });
    const o = (await world.record(record)).json() as ExchangeOutcome;
    if (!o.accepted) {
      throw new Error(`record ${i} not accepted`);
    }
    records.push(record);
    ids.push(o.id);
  }
  // One mismatch incident: the gateway claims energy was allowed.
  await world.record(
    world.sign({ consumerDepartment: 'energy', decision: 'allow', observedAt: addSeconds(BASE, 5000) }),
  );
}, 120_000);

async function page(as: FakeIdentity, query: RecordQuery): Promise<Page<ExchangeEntry>> {
  const res = await world.net.evaluate(contracts.audit, 'queryRecords', [canonicalJson(query)], { as });
  return res.json() as Page<ExchangeEntry>;
}

async function all(as: FakeIdentity, query: RecordQuery): Promise<ExchangeEntry[]> {
  const items: ExchangeEntry[] = [];
  let bookmark = '';
  let pages = 0;
  do {
    const p = await page(as, { ...query, ...(bookmark === '' ? {} : { bookmark }) });
    items.push(...p.items);
    bookmark = p.bookmark;
    pages += 1;
    expect(pages).toBeLessThan(100);
  } while (bookmark !== '');
  return items;
}

function idsWhere(pred: (r: ExchangeRecord) => boolean): string[] {
  return records.flatMap((r, i) => (pred(r) ? [ids[i]!] : []));
}

describe('queryRecords', () => {
  it('pages through everything for audit, each record exactly once, in observation order', async () => {
    const first = await page(who.auditor, { by: 'time', pageSize: 200 });
    expect(first.items).toHaveLength(200);
    expect(first.bookmark).not.toBe('');
    const items = await all(who.auditor, { by: 'time', pageSize: 200 });
    expect(items.map((e) => e.id)).toEqual(ids);
    expect(new Set(items.map((e) => e.id)).size).toBe(N);
  });

  it('gives a department only the records where it is source or consumer', async () => {
    expect((await all(who.transportSteward, { by: 'time', pageSize: 200 })).map((e) => e.id)).toEqual(
      idsWhere((r) => r.consumerDepartment === 'transport'),
    );
    expect(
      (await all(who.energySteward, { by: 'department', value: 'energy', pageSize: 77 })).map((e) => e.id),
    ).toEqual(idsWhere((r) => r.consumerDepartment === 'energy'));
    expect(await all(who.healthGateway, { by: 'time', pageSize: 200 })).toHaveLength(N);
    await expectCode(page(who.energySteward, { by: 'department', value: 'health' }), 'UNAUTHORIZED');
  });

  it('lets audit list any department, including records consumed by audit', async () => {
    expect(
      (await all(who.auditor, { by: 'department', value: 'audit', pageSize: 200 })).map((e) => e.id),
    ).toEqual(idsWhere((r) => r.consumerDepartment === 'audit'));
  });

  it('queries by category, gateway and verdict within the caller view', async () => {
    expect(
      await all(who.auditor, { by: 'category', value: 'health/patient-flow', pageSize: 200 }),
    ).toHaveLength(N);
    expect(await all(who.auditor, { by: 'category', value: 'energy/grid-load', pageSize: 200 })).toHaveLength(
      0,
    );
    // The owner of a category (always the source) sees all its records; a consumer only its own.
    expect(
      (await all(who.healthSteward, { by: 'category', value: 'health/patient-flow', pageSize: 200 })).map(
        (e) => e.id,
      ),
    ).toEqual(ids);
    expect(
      (await all(who.energySteward, { by: 'category', value: 'health/patient-flow', pageSize: 200 })).map(
        (e) => e.id,
      ),
    ).toEqual(idsWhere((r) => r.consumerDepartment === 'energy'));
    expect(
      await all(who.transportSteward, { by: 'gateway', value: 'health-gw-1', pageSize: 200 }),
    ).toHaveLength(N / 3);
    // Benign records have no verdict index entry: audit's benign query filters the time index.
    expect(
      (await all(who.auditor, { by: 'verdict', value: 'benign', pageSize: 7 })).map((e) => e.id),
    ).toEqual(idsWhere((r) => r.verdict === 'benign'));
    expect((await all(who.auditor, { by: 'verdict', value: 'suspicious' })).map((e) => e.id)).toEqual(
      idsWhere((r) => r.verdict === 'suspicious'),
    );
    expect(
      (await all(who.transportSteward, { by: 'verdict', value: 'suspicious' })).map((e) => e.id),
    ).toEqual(idsWhere((r) => r.verdict === 'suspicious' && r.consumerDepartment === 'transport'));
  });

  it("filters a department's own time index for category, gateway and verdict queries", async () => {
    // Transport sees N/3 records, a tenth of them suspicious: the first page of 30 scans 30 of its
    // entries and keeps the suspicious ones; the pages together hold each match exactly once.
    const first = await page(who.transportSteward, { by: 'verdict', value: 'suspicious', pageSize: 30 });
    expect(first.items.length).toBeLessThan(30);
    expect(first.items.every((e) => e.record.verdict === 'suspicious')).toBe(true);
    expect(first.bookmark).not.toBe('');
    expect(
      (await all(who.transportSteward, { by: 'verdict', value: 'suspicious', pageSize: 7 })).map((e) => e.id),
    ).toEqual(idsWhere((r) => r.verdict === 'suspicious' && r.consumerDepartment === 'transport'));
    expect(await all(who.energySteward, { by: 'gateway', value: 'no-such-gateway', pageSize: 200 })).toEqual(
      [],
    );
  });

  it('bounds by observation time, from inclusive and to exclusive', async () => {
    const from = addSeconds(BASE, 100);
    const to = addSeconds(BASE, 150);
    const items = await all(who.auditor, { by: 'time', from, to, pageSize: 20 });
    expect(items.map((e) => e.id)).toEqual(ids.slice(100, 150));
  });

  it('lists incidents separately', async () => {
    const res = await world.net.evaluate(
      contracts.audit,
      'queryRecords',
      [canonicalJson({ by: 'incidents' })],
      {
        as: who.energySteward,
      },
    );
    const incidents = (res.json() as Page<MismatchIncident>).items;
    expect(incidents).toHaveLength(1);
    expect(incidents[0]).toMatchObject({ gatewayDecision: 'allow', chainDecision: 'deny' });
    const none = await world.net.evaluate(
      contracts.audit,
      'queryRecords',
      [canonicalJson({ by: 'incidents' })],
      {
        as: who.transportSteward,
      },
    );
    expect((none.json() as Page<MismatchIncident>).items).toHaveLength(0);
  });

  it('caps the page size and refuses bookmarks from another index', async () => {
    await expectCode(page(who.auditor, { by: 'time', pageSize: 201 }), 'INVALID_ARGUMENT');
    const categoryPage = await page(who.auditor, {
      by: 'category',
      value: 'health/patient-flow',
      pageSize: 1,
    });
    expect(categoryPage.bookmark).not.toBe('');
    await expectCode(
      page(who.energySteward, { by: 'time', bookmark: categoryPage.bookmark }),
      'INVALID_ARGUMENT',
      /bookmark/,
    );
    await expectCode(
      page(who.energySteward, { by: 'incidents', bookmark: 'ix~all~x~_~' }),
      'INVALID_ARGUMENT',
    );
    await expectCode(page(who.outsider, { by: 'time' }), 'UNAUTHORIZED');
  });

  it("keeps a department to its own records even when it resumes at a bookmark of audit's time view", async () => {
    const auditPage = await page(who.auditor, { by: 'time', pageSize: 1 });
    const resumed = await page(who.energySteward, {
      by: 'time',
      bookmark: auditPage.bookmark,
      pageSize: 200,
    });
    expect(resumed.items.length).toBeGreaterThan(0);
    for (const e of resumed.items) {
      expect([e.record.sourceDepartment, e.record.consumerDepartment]).toContain('energy');
    }
  });
});

describe('getRecord and verifyRecord', () => {
  it('returns a visible record and verifies payload hashes', async () => {
    const id = ids[0]!;
    const entry = await world.net.evaluate(contracts.audit, 'getRecord', [id], { as: who.transportSteward });
    expect(entry.json()).toMatchObject({ id, record: records[0], erased: false });
    const yes = await world.net.evaluate(contracts.audit, 'verifyRecord', [id, sha256Hex('payload 0')], {
      as: who.auditor,
    });
    expect(yes.json()).toMatchObject({ id, match: true, recordedAt: T.now, erased: false });
    const no = await world.net.evaluate(contracts.audit, 'verifyRecord', [id, sha256Hex('tampered')], {
      as: who.auditor,
    });
    expect(no.json()).toMatchObject({ match: false, payloadSha256: sha256Hex('payload 0') });
  });

  it('hides records from uninvolved departments and reports unknown ids', async () => {
    const id = ids[0]!; // consumer transport
    await expectCode(
      world.net.evaluate(contracts.audit, 'getRecord', [id], { as: who.energySteward }),
      'UNAUTHORIZED',
    );
    await expectCode(
      world.net.evaluate(contracts.audit, 'verifyRecord', [id, sha256Hex('payload 0')], {
        as: who.energySteward,
      }),
      'UNAUTHORIZED',
    );
    await expectCode(
      world.net.evaluate(contracts.audit, 'getRecord', ['0'.repeat(64)], { as: who.auditor }),
      'NOT_FOUND',
    );
    await expectCode(
      world.net.evaluate(contracts.audit, 'verifyRecord', [id, 'nothex'], { as: who.auditor }),
      'INVALID_ARGUMENT',
    );
  });
});

describe('complianceSummary', () => {
  const summary = (as: FakeIdentity, query: object): Promise<ComplianceSummary> =>
    complianceSummaryOf(world.net, as, query);

  const period = { from: BASE, to: '2026-03-02T00:00:00.000Z' };

  it('counts pairs, categories, verdicts, denials and mismatches for audit', async () => {
    const s = await summary(who.auditor, period);
    expect(s).toEqual({
      ...period,
      scope: 'all',
      records: N,
      pairs: { 'health->transport': N / 3, 'health->energy': N / 3, 'health->audit': N / 3 },
      categories: { 'health/patient-flow': N },
      verdicts: { benign: N - N / 10, suspicious: N / 10, malicious: 0 },
      denials: (2 * N) / 3,
      denialsByReason: { 'no-grant': (2 * N) / 3 },
      mismatches: 1,
      flowAlerts: { total: 0, verdicts: { suspicious: 0, malicious: 0 }, zones: {} },
      bookmark: '',
    });
  });

  it("limits a department to its own records and the audit org's choice to one department", async () => {
    const transport = await summary(who.transportSteward, period);
    expect(transport).toMatchObject({ scope: 'transport', records: N / 3, denials: 0, mismatches: 0 });
    const energyByAudit = await summary(who.auditor, { ...period, department: 'energy' });
    expect(energyByAudit).toMatchObject({ scope: 'energy', records: N / 3, denials: N / 3, mismatches: 1 });
    await expectCode(
      world.net.evaluate(
        contracts.audit,
        'complianceSummary',
        [canonicalJson({ ...period, department: 'health' })],
        {
          as: who.transportSteward,
        },
      ),
      'UNAUTHORIZED',
    );
  });

  it('respects the period', async () => {
    const s = await summary(who.auditor, { from: addSeconds(BASE, 10), to: addSeconds(BASE, 20) });
    expect(s.records).toBe(10);
    expect(s.mismatches).toBe(0);
  });

  it('refuses foreign bookmarks', async () => {
    await expectCode(
      world.net.evaluate(
        contracts.audit,
        'complianceSummary',
        [canonicalJson({ ...period, bookmark: 'zz' })],
        {
          as: who.auditor,
        },
      ),
      'INVALID_ARGUMENT',
    );
  });
});
