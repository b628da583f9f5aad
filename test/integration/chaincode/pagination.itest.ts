import { type ExchangeEntry, type ExchangeRecord, type Page, recordId } from '@cityledger/core';
import { ClientPool, waitUntilVisible } from '../support/network';
import { buildCity, type City } from './city';

const RECORDS = 1_000;
const CONCURRENCY = 25;

/** Pagination over ≥ 1,000 records of one gateway returns each exactly once, within the page cap. */
describe('chaincode: pagination', () => {
  const pool = new ClientPool();
  let city: City;
  const ids = new Set<string>();

  beforeAll(async () => {
    city = await buildCity(pool);
    const records: ExchangeRecord[] = Array.from({ length: RECORDS }, () => city.sign());
    for (let i = 0; i < records.length; i += CONCURRENCY) {
      const chunk = records.slice(i, i + CONCURRENCY);
      const outcomes = await Promise.all(chunk.map((r) => city.submit(r)));
      outcomes.forEach((o) => {
        expect(o.accepted).toBe(true);
      });
      chunk.forEach((r) => ids.add(recordId(r)));
    }
  }, 900_000);
  afterAll(() => {
    pool.closeAll();
  });

  it('returns every record of the gateway exactly once, pages of at most 200', async () => {
    const auditor = pool.as('audit', 'auditor');
    // The audit peer may commit the last blocks a moment after the gateway's peer reported them.
    for (const id of [...ids].slice(-50)) {
      await waitUntilVisible(() => auditor.evaluate('audit:getRecord', [id]));
    }
    const seen: string[] = [];
    let bookmark = '';
    do {
      const query = {
        by: 'gateway',
        value: city.gatewayId,
        pageSize: 200,
        ...(bookmark === '' ? {} : { bookmark }),
      };
      const page = await auditor.evaluateJson<Page<ExchangeEntry>>('audit:queryRecords', [
        JSON.stringify(query),
      ]);
      expect(page.items.length).toBeLessThanOrEqual(200);
      seen.push(...page.items.map((e) => e.id));
      bookmark = page.bookmark;
    } while (bookmark !== '');
    expect(seen).toHaveLength(RECORDS);
    expect(new Set(seen)).toEqual(ids);
  });

  it('refuses a page size above the cap with INVALID_ARGUMENT', async () => {
    const auditor = pool.as('audit', 'auditor');
    await expect(
      auditor.evaluate('audit:queryRecords', [JSON.stringify({ by: 'time', pageSize: 201 })]),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
