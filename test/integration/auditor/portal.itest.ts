// The portal in a real browser (playwright-core + Debian's Chromium) against the real network:
// log in, load the dashboard, open a record and see its chain checks, verify a payload file in the
// drop zone, and watch a new alert arrive live. Screenshots go to test-output/screenshots/; any
// console error fails the test.
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  sha256Hex,
  signFlowAlertAttestation,
  type ExchangeEntry,
  type FlowAlertContent,
  type FlowAlertEntry,
} from '@cityledger/core';
import { globalDefaults, openSession } from '../../../auditor/src/cli/context';
import type { FabricSession } from '../../../auditor/src/fabric-session';
import { IndexFollower } from '../../../auditor/src/index-follower';
import { LedgerIndex } from '../../../auditor/src/ledger-index';
import { createLogger } from '../../../auditor/src/logger';
import { setPassword } from '../../../auditor/src/portal/accounts';
import { startPortal, type RunningPortal } from '../../../auditor/src/portal/run';
import { REPO_ROOT, ClientPool } from '../support/network';
import { buildAuditCity, type AuditCity } from './audit-city';

const SHOTS = path.join(REPO_ROOT, 'test-output', 'screenshots');
const PASSWORD = 'a long enough test password';

// Page-side scripts as text: they run in the browser, whose DOM types the test project does not load.
const CHECK_STATUSES = `Array.from(document.querySelectorAll('ol.checks li')).map((li) => li.getAttribute('data-check') + ':' + li.getAttribute('data-status'))`;
const DROP_FILE = `({ b64, name }) => {
  const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([data], name));
  const zone = document.getElementById('dropzone');
  zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: transfer, bubbles: true, cancelable: true }));
  zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
}`;

describe('auditor portal in Chromium', () => {
  const pool = new ClientPool();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'auditor-portal-'));
  const payload = Buffer.from('{"ward":"north","arrivals":17}\n');
  const consoleErrors: string[] = [];
  let city: AuditCity;
  let entry: ExchangeEntry;
  let session: FabricSession;
  let index: LedgerIndex;
  let portal: RunningPortal;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    city = await buildAuditCity(pool);
    entry = await city.record(
      city.sign(city.content({ payloadSha256: sha256Hex(payload), payloadSize: payload.length })),
    );
    await city.submit(city.sign(city.content({ threatScore: 0.7, verdict: 'suspicious' })));
    const accounts = path.join(dir, 'accounts.json');
    await setPassword(accounts, 'auditor1', PASSWORD);
    session = openSession(globalDefaults());
    index = LedgerIndex.open(path.join(dir, 'index.sqlite'));
    // Catch the fresh index up with the whole ledger first (what `index sync` does), so the
    // pages below do not wait for thousands of blocks of earlier test runs.
    await new IndexFollower(index, session).syncTo(await session.height());
    portal = await startPortal(
      session,
      index,
      { host: '127.0.0.1', port: 0, accountsFile: accounts, risk: { threshold: 0.2, horizon: 3 } },
      createLogger('warn'),
    );
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
    page.on('console', (m) => {
      if (m.type() === 'error') {
        consoleErrors.push(m.text());
      }
    });
    page.on('pageerror', (e) => consoleErrors.push(e.message));
  });

  afterAll(async () => {
    await browser.close();
    await portal.close();
    index.close();
    session.close();
    pool.closeAll();
  });

  afterEach(() => {
    expect(consoleErrors).toEqual([]);
  });

  it('refuses the API without a session and a wrong password', async () => {
    const api = await fetch(`${portal.url}/api/dashboard`);
    expect(api.status).toBe(401);
    const page0 = await fetch(`${portal.url}/`, { redirect: 'manual' });
    expect(page0.status).toBe(302);
    const wrong = await fetch(`${portal.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'auditor1', password: 'not the password' }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
  });

  it('logs in and loads the dashboard', async () => {
    await page.goto(`${portal.url}/`);
    await page.waitForURL(/\/login$/);
    await page.screenshot({ path: path.join(SHOTS, 'auditor-login.png') });
    await page.fill('#username', 'auditor1');
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${portal.url}/`);
    const cookies = await page.context().cookies();
    expect(cookies.find((c) => c.name === 'cl_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Strict',
    });
    await page.waitForSelector('#kpis .kpi');
    await page.waitForSelector('#live.on', { timeout: 30_000 });
    // The follower starts from block 0: reload until the index holds our zone's records.
    const deadline = Date.now() + 60_000;
    while (
      (await page.locator(`#timeline .zone:has-text("${city.zone}")`).count()) === 0 &&
      Date.now() < deadline
    ) {
      await page.waitForTimeout(1000);
      await page.reload();
      await page.waitForSelector('#kpis .kpi');
    }
    await page.waitForSelector(`#timeline .zone:has-text("${city.zone}")`, { timeout: 1000 });
    await page.screenshot({ path: path.join(SHOTS, 'auditor-dashboard.png'), fullPage: true });
    expect(
      Number((await page.locator('.kpi').first().locator('.value').textContent())?.replace(/,/g, '')),
    ).toBeGreaterThanOrEqual(2);
  });

  it('opens a record and shows every check passing against the chain', async () => {
    await page.goto(`${portal.url}/records/${entry.id}`);
    await page.waitForSelector('#verdict');
    expect(await page.locator('#verdict .big').textContent()).toBe('VERIFIED');
    const statuses = await page.evaluate<string[]>(CHECK_STATUSES);
    expect(statuses).toHaveLength(9);
    expect(statuses.every((s) => s.endsWith(':pass'))).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'auditor-record.png'), fullPage: true });
  });

  it('verifies a payload dropped in the drop zone without uploading it', async () => {
    const requests: string[] = [];
    page.on('request', (r) => requests.push(`${r.method()} ${r.url()} ${r.postData() ?? ''}`));
    const drop = async (bytes: Buffer, name: string): Promise<void> => {
      await page.evaluate(`(${DROP_FILE})(${JSON.stringify({ b64: bytes.toString('base64'), name })})`);
    };
    await drop(payload, 'arrivals.json');
    await page.waitForSelector('#payload-result[data-verdict]');
    expect(await page.locator('#payload-result').getAttribute('data-verdict')).toBe('match');
    expect(await page.locator('#file-sha256').textContent()).toBe(sha256Hex(payload));
    await page.screenshot({ path: path.join(SHOTS, 'auditor-payload-match.png'), fullPage: true });
    const altered = Buffer.from(payload.toString().replace('17', '71'));
    await drop(altered, 'arrivals-altered.json');
    await page.waitForSelector('#payload-result[data-verdict="mismatch"]');
    await page.screenshot({ path: path.join(SHOTS, 'auditor-payload-mismatch.png'), fullPage: true });
    // Only hashes left the browser: no request carries the payload bytes.
    expect(requests.filter((r) => r.includes('arrivals') || r.includes(payload.toString('base64')))).toEqual(
      [],
    );
    expect(requests.some((r) => r.includes(`/payload?sha256=${sha256Hex(payload)}`))).toBe(true);
  });

  it('shows a new malicious exchange in the live alerts without reloading', async () => {
    await page.goto(`${portal.url}/`);
    await page.waitForSelector('#live.on', { timeout: 30_000 });
    // A mark on this page instance: gone if anything reloaded the page.
    expect(await page.evaluate<boolean>('window.loadedOnce = true')).toBe(true);
    const outcome = await city.submit(
      city.sign(city.content({ threatScore: 0.97, verdict: 'malicious', decision: 'deny' })),
    );
    if (!outcome.accepted) {
      throw new Error('malicious record not accepted');
    }
    const item = page.locator(
      `#alerts li[data-type="cityledger.exchange.flagged"]:has(a[href="/records/${outcome.id}"])`,
    );
    await item.waitFor({ timeout: 60_000 });
    expect(await item.locator('.title').textContent()).toMatch(/Malicious exchange/);
    // Same page: the flag set before the alert is still there.
    expect(await page.evaluate<boolean>('window.loadedOnce === true')).toBe(true);
    await page.screenshot({ path: path.join(SHOTS, 'auditor-live-alert.png'), fullPage: true });
  });

  it('shows a flagged network flow live, and its alert page verifies it against the chain', async () => {
    await page.goto(`${portal.url}/`);
    await page.waitForSelector('#live.on', { timeout: 30_000 });
    const now = Date.now();
    const content: FlowAlertContent = {
      gatewayId: city.gatewayId,
      zone: city.zone,
      observedAt: new Date(now).toISOString(),
      flowStart: new Date(now - 2500).toISOString(),
      flowRef: sha256Hex(`portal flow ${now}`),
      protocol: 17,
      dstPortBucket: 'registered',
      fwdBytes: 64000,
      fwdPackets: 500,
      revBytes: 0,
      revPackets: 0,
      threatScore: 0.62,
      verdict: 'suspicious',
      modelId: city.model.id,
      modelVersion: city.model.version,
    };
    const outcome = await city.gateway.submitJson<{ entry: FlowAlertEntry }>('exchange:recordFlowAlert', [
      JSON.stringify({ ...content, signature: signFlowAlertAttestation(city.privateKeyPem, content) }),
    ]);
    const link = page.locator(
      `#alerts li[data-type="cityledger.flow.alert"] a[href="/alerts/${outcome.entry.id}"]`,
    );
    await link.waitFor({ timeout: 60_000 });
    await link.click();
    await page.waitForSelector('#verdict');
    expect(await page.locator('#verdict .big').textContent()).toBe('VERIFIED');
    expect(await page.locator('#kind').textContent()).toBe('Flow alert');
    await page.screenshot({ path: path.join(SHOTS, 'auditor-flow-alert.png'), fullPage: true });
  });

  it('shows flow alerts a gateway sent together as one live item, linked to the first alert', async () => {
    await page.goto(`${portal.url}/`);
    await page.waitForSelector('#live.on', { timeout: 30_000 });
    const now = Date.now();
    const alerts = [0.95, 0.62, 0.6].map((threatScore, i) => {
      const content: FlowAlertContent = {
        gatewayId: city.gatewayId,
        zone: city.zone,
        observedAt: new Date(now).toISOString(),
        flowStart: new Date(now - 1000).toISOString(),
        flowRef: sha256Hex(`portal grouped flow ${now} ${i}`),
        protocol: 6,
        dstPortBucket: 'registered',
        fwdBytes: 600,
        fwdPackets: 8,
        revBytes: 0,
        revPackets: 0,
        threatScore,
        verdict: threatScore >= 0.9 ? 'malicious' : 'suspicious',
        modelId: city.model.id,
        modelVersion: city.model.version,
      };
      return { ...content, signature: signFlowAlertAttestation(city.privateKeyPem, content) };
    });
    const { results } = await city.gateway.submitJson<{ results: { id: string; stored: boolean }[] }>(
      'exchange:recordFlowAlerts',
      [JSON.stringify(alerts)],
    );
    expect(results.map((r) => r.stored)).toEqual([true, true, true]);
    const item = page.locator(
      `#alerts li[data-type="cityledger.flow.alerts"]:has(a[href="/alerts/${results[0]!.id}"])`,
    );
    await item.waitFor({ timeout: 60_000 });
    expect(await item.locator('.title').textContent()).toMatch(
      /3 network flows flagged: 1 malicious, 2 suspicious/,
    );
    expect(await item.getAttribute('class')).toMatch(/malicious/);
  });

  it('shows the risk view with the forecast method stated', async () => {
    await page.goto(`${portal.url}/risk?range=1h`);
    await page.waitForSelector(`[data-zone="${city.zone}"]`, { timeout: 30_000 });
    expect(await page.locator('#method').textContent()).toMatch(/Holt/);
    expect(await page.locator('#method').textContent()).toMatch(/Limits/);
    await page.screenshot({ path: path.join(SHOTS, 'auditor-risk.png'), fullPage: true });
  });
});
