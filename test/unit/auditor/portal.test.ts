import { statSync, mkdtempSync, readFileSync } from 'node:fs';
import { get } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { IndexQueries } from '../../../auditor/src/index-queries';
import { LedgerIndex } from '../../../auditor/src/ledger-index';
import { checkPassword, readAccounts, setPassword } from '../../../auditor/src/portal/accounts';
import { EventHub } from '../../../auditor/src/portal/event-hub';
import { buildPortal, SESSION_COOKIE, type PortalDeps } from '../../../auditor/src/portal/server';
import { LoginThrottle, SessionStore } from '../../../auditor/src/portal/sessions';
import { loadStaticFiles } from '../../../auditor/src/portal/static-files';
import { verifyAlertEvidence } from '../../../auditor/src/verify-alert';
import { verifyRecordEvidence } from '../../../auditor/src/verify-record';
import { content, entryFor, gatewayHistory, modelHistory, policyHistory } from './world';

const dir = mkdtempSync(path.join(os.tmpdir(), 'auditor-portal-unit-'));
const accountsFile = path.join(dir, 'accounts.json');
const PASSWORD = 'twelve chars or more';
const entry = entryFor(content());

async function portal(overrides: Partial<PortalDeps> = {}) {
  const index = LedgerIndex.open(':memory:');
  const hub = new EventHub();
  const app = buildPortal({
    queries: new IndexQueries(index.db),
    status: () => ({ peer: 'peer0.audit', nextBlock: '0' }),
    // The chain boundary: evidence as the ledger would return it.
    verifyRecord: (id) =>
      Promise.resolve({
        ...(id === entry.id ? { entry } : {}),
        checks: verifyRecordEvidence({
          id,
          entry: id === entry.id ? entry : undefined,
          gatewayHistory,
          modelHistory,
          policyHistory,
        }),
      }),
    verifyAlert: (id) =>
      Promise.resolve({
        checks: verifyAlertEvidence({
          id,
          entry: undefined,
          gatewayHistory,
          classifierHistory: modelHistory,
          anomalyHistory: [],
        }),
      }),
    payloadCheck: (id, sha256) =>
      Promise.resolve(
        id === entry.id
          ? { match: sha256 === entry.record.payloadSha256, payloadSha256: entry.record.payloadSha256 }
          : undefined,
      ),
    hub,
    accounts: () => readAccounts(accountsFile),
    sessions: new SessionStore(),
    throttle: new LoginThrottle(3),
    risk: { threshold: 0.2, horizon: 3 },
    files: loadStaticFiles(path.resolve(__dirname, '..', '..', '..', 'auditor', 'static')),
    logger: pino({ level: 'silent' }),
    heartbeatMs: 50,
    ...overrides,
  });
  await app.ready();
  return { app, hub };
}

type App = Awaited<ReturnType<typeof portal>>['app'];

interface Answer {
  statusCode: number;
  headers: Record<string, string | undefined>;
  json(): unknown;
}

const urls = new WeakMap<App, string>();

/** A real HTTP request to the portal on a loopback port (fastify's inject does not load under jest here). */
async function call(
  app: App,
  opts: string | { method?: string; url: string; headers?: Record<string, string>; payload?: unknown },
): Promise<Answer> {
  const o = typeof opts === 'string' ? { url: opts } : opts;
  let base = urls.get(app);
  if (base === undefined) {
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    urls.set(app, base);
  }
  const response = await fetch(`${base}${o.url}`, {
    method: o.method ?? 'GET',
    redirect: 'manual',
    headers: { ...(o.payload === undefined ? {} : { 'content-type': 'application/json' }), ...o.headers },
    ...(o.payload === undefined ? {} : { body: JSON.stringify(o.payload) }),
  });
  const text = await response.text();
  const headers: Record<string, string | undefined> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { statusCode: response.status, headers, json: () => JSON.parse(text) as unknown };
}

async function login(app: App, password = PASSWORD): Promise<Answer> {
  return call(app, { method: 'POST', url: '/api/login', payload: { username: 'ana', password } });
}

function cookieOf(setCookie: string | undefined): string {
  return setCookie!.split(';')[0]!;
}

beforeAll(async () => {
  await setPassword(accountsFile, 'ana', PASSWORD);
});

describe('portal accounts', () => {
  it('stores a salted scrypt hash in a 0600 file, never the password', async () => {
    expect(statSync(accountsFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(accountsFile, 'utf8')).not.toContain(PASSWORD);
    const accounts = readAccounts(accountsFile);
    expect(await checkPassword(accounts, 'ana', PASSWORD)).toBe(true);
    expect(await checkPassword(accounts, 'ana', `${PASSWORD}x`)).toBe(false);
    expect(await checkPassword(accounts, 'nobody', PASSWORD)).toBe(false);
    await expect(setPassword(accountsFile, 'ana', 'short')).rejects.toThrow(/at least 12/);
    await expect(setPassword(accountsFile, 'Ana Admin', PASSWORD)).rejects.toThrow(/username/);
  });
});

describe('portal sessions', () => {
  it('expire when idle and after the absolute limit', () => {
    let now = 0;
    const store = new SessionStore({ idleMs: 1000, absoluteMs: 2500 }, () => now);
    const token = store.create('ana');
    now = 900;
    expect(store.user(token)).toBe('ana');
    now = 1800;
    expect(store.user(token)).toBe('ana');
    now = 2600;
    expect(store.user(token)).toBeUndefined();
    const idle = store.create('ana');
    now = 3700;
    expect(store.user(idle)).toBeUndefined();
    expect(store.user('forged')).toBeUndefined();
  });
});

describe('portal server', () => {
  it('requires a login for pages and API, but serves the login page and its assets', async () => {
    const { app } = await portal();
    expect((await call(app, '/')).statusCode).toBe(302);
    expect((await call(app, '/')).headers.location).toBe('/login');
    expect((await call(app, '/api/dashboard')).statusCode).toBe(401);
    expect((await call(app, '/api/stream')).statusCode).toBe(401);
    expect((await call(app, `/api/records/${entry.id}/verify`)).statusCode).toBe(401);
    const loginPage = await call(app, '/login');
    expect(loginPage.statusCode).toBe(200);
    expect(loginPage.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(loginPage.headers['x-frame-options']).toBe('DENY');
    expect((await call(app, '/static/app.css')).statusCode).toBe(200);
    await app.close();
  });

  it('logs in with an HttpOnly, SameSite=Strict session cookie and logs out', async () => {
    const { app } = await portal();
    const wrong = await login(app, 'not the password');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();
    const ok = await login(app);
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['set-cookie']).toMatch(
      new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}; HttpOnly; SameSite=Strict; Path=/`),
    );
    const cookie = cookieOf(ok.headers['set-cookie']);
    expect((await call(app, { url: '/api/me', headers: { cookie } })).json()).toEqual({ user: 'ana' });
    const dash = await call(app, { url: '/api/dashboard?range=1h', headers: { cookie } });
    expect(dash.statusCode).toBe(200);
    expect(dash.json()).toMatchObject({ range: '1h', totals: { records: 0 } });
    expect((await call(app, { url: '/', headers: { cookie } })).statusCode).toBe(200);
    await call(app, { method: 'POST', url: '/api/logout', headers: { cookie } });
    expect((await call(app, { url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
    await app.close();
  });

  it('locks out an address after repeated failures, and refuses cross-origin posts', async () => {
    const { app } = await portal();
    for (let i = 0; i < 3; i += 1) {
      expect((await login(app, 'wrong password!')).statusCode).toBe(401);
    }
    expect((await login(app)).statusCode).toBe(429);
    const { app: other } = await portal();
    const cross = await call(other, {
      method: 'POST',
      url: '/api/login',
      headers: { origin: 'http://evil.example' },
      payload: { username: 'ana', password: PASSWORD },
    });
    expect(cross.statusCode).toBe(403);
    await app.close();
    await other.close();
  });

  it('is read-only: serves only what is listed and has no write endpoint', async () => {
    const { app } = await portal();
    const cookie = cookieOf((await login(app)).headers['set-cookie']);
    for (const [method, url] of [
      ['GET', '/static/..%2F..%2Fpackage.json'],
      ['GET', '/static/nothing.js'],
      ['PUT', '/api/records/x'],
      ['DELETE', '/api/records/x'],
      ['POST', '/api/records'],
    ] as const) {
      expect({
        method,
        url,
        status: (await call(app, { method, url, headers: { cookie } })).statusCode,
      }).toEqual({ method, url, status: 404 });
    }
    await app.close();
  });

  it('verifies a record with every check, and checks a payload hash only', async () => {
    const { app } = await portal();
    const cookie = cookieOf((await login(app)).headers['set-cookie']);
    const result = (
      await call(app, { url: `/api/records/${entry.id}/verify`, headers: { cookie } })
    ).json() as {
      verified: boolean;
      exitCode: number;
      checks: unknown[];
    };
    expect(result).toMatchObject({ verified: true, exitCode: 0 });
    expect(result.checks).toHaveLength(9);
    const missing = (
      await call(app, { url: `/api/records/${'0'.repeat(64)}/verify`, headers: { cookie } })
    ).json() as { exitCode: number };
    expect(missing.exitCode).toBe(10);
    expect((await call(app, { url: '/api/records/xyz/verify', headers: { cookie } })).statusCode).toBe(400);
    const alert = (
      await call(app, { url: `/api/alerts/${'1'.repeat(64)}/verify`, headers: { cookie } })
    ).json() as { exitCode: number };
    expect(alert.exitCode).toBe(10);
    const payload = await call(app, {
      url: `/api/records/${entry.id}/payload?sha256=${entry.record.payloadSha256}`,
      headers: { cookie },
    });
    expect(payload.json()).toMatchObject({ match: true });
    await app.close();
  });

  it('pushes ledger events to the live stream', async () => {
    const { app, hub } = await portal();
    const cookie = cookieOf((await login(app)).headers['set-cookie']);
    const url = urls.get(app)!;
    const received = await new Promise<string>((resolve, reject) => {
      get(`${url}/api/stream`, { headers: { cookie } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes('retry:') && hub.size === 1 && !text.includes('event: alert')) {
            hub.publish({
              kind: 'alert',
              data: { event: { type: 'cityledger.exchange.flagged', recordId: entry.id } },
            });
          }
          if (text.includes('event: alert')) {
            res.destroy();
            resolve(text);
          }
        });
      }).on('error', reject);
    });
    expect(received).toMatch(/event: alert\ndata: \{"event":\{"type":"cityledger.exchange.flagged"/);
    await app.close();
  });
});
