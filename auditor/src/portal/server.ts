import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from 'pino';
import type { ExchangeEntry, FlowAlertEntry } from '@cityledger/core';
import { isSha256Hex } from '@cityledger/core';
import { exitCodeFor, verified, type CheckResult } from '../checks';
import type { IndexQueries } from '../index-queries';
import type { RiskSettings } from '../risk';
import { checkPassword, type AccountFile } from './accounts';
import type { EventHub } from './event-hub';
import { parseCookies, type LoginThrottle, type SessionStore } from './sessions';
import type { StaticFile } from './static-files';
import { isRangeName, windowFor, type RangeName } from './windows';

/** What the record page shows: the record as on chain and every verification check. */
export interface RecordVerification {
  readonly entry?: ExchangeEntry;
  readonly erased?: boolean;
  readonly checks: readonly CheckResult[];
}

/** What the alert page shows: the flow alert as on chain and every verification check. */
export interface AlertVerification {
  readonly entry?: FlowAlertEntry;
  readonly checks: readonly CheckResult[];
}

export interface PortalDeps {
  readonly queries: IndexQueries;
  readonly status: () => Record<string, unknown>;
  /** Verifies a record against the chain (never the index). */
  readonly verifyRecord: (id: string) => Promise<RecordVerification>;
  /** Verifies a flow alert against the chain. */
  readonly verifyAlert: (id: string) => Promise<AlertVerification>;
  /** The chaincode's own answer to "does the record commit to this payload hash?". */
  readonly payloadCheck: (
    id: string,
    sha256: string,
  ) => Promise<{ match: boolean; payloadSha256: string } | undefined>;
  readonly hub: EventHub;
  readonly accounts: () => AccountFile;
  readonly sessions: SessionStore;
  readonly throttle: LoginThrottle;
  readonly risk: RiskSettings;
  readonly files: ReadonlyMap<string, StaticFile>;
  readonly logger: Logger;
  readonly now?: () => number;
  /** SSE heartbeat period (ms). */
  readonly heartbeatMs?: number;
}

export const SESSION_COOKIE = 'cl_session';

const PUBLIC = new Set([
  'GET /login',
  'GET /static/login.js',
  'GET /static/app.css',
  'GET /static/favicon.svg',
  'POST /api/login',
]);

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-store',
};

function sendFile(reply: FastifyReply, files: ReadonlyMap<string, StaticFile>, name: string): FastifyReply {
  const file = files.get(name);
  if (file === undefined) {
    return reply.status(404).send({ error: 'not found' });
  }
  return reply.type(file.type).send(file.body);
}

function sessionToken(request: FastifyRequest): string | undefined {
  return parseCookies(request.headers.cookie).get(SESSION_COOKIE);
}

function rangeOf(query: unknown): RangeName {
  const range = (query as { range?: unknown }).range;
  return isRangeName(range) ? range : '24h';
}

function numberParam(query: unknown, name: string, min: number, max: number, fallback: number): number {
  const raw = (query as Record<string, unknown>)[name];
  const n = typeof raw === 'string' ? Number(raw) : Number.NaN;
  return Number.isFinite(n) && n >= min && n <= max ? n : fallback;
}

function stringParam(query: unknown, name: string): string {
  const raw = (query as Record<string, unknown>)[name];
  return typeof raw === 'string' ? raw : '';
}

function registerAuth(app: FastifyInstance, deps: PortalDeps): void {
  app.addHook('onRequest', async (request, reply) => {
    const route = `${request.method} ${request.url.split('?')[0] ?? ''}`;
    if (request.method === 'POST') {
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== `http://${request.headers.host ?? ''}`) {
        return reply.status(403).send({ error: 'cross-origin request refused' });
      }
    }
    if (PUBLIC.has(route)) {
      return;
    }
    const user = deps.sessions.user(sessionToken(request));
    if (user === undefined) {
      return request.url.startsWith('/api/')
        ? reply.status(401).send({ error: 'login required' })
        : reply.redirect('/login');
    }
    (request as FastifyRequest & { user?: string }).user = user;
  });
  app.post('/api/login', async (request, reply) => {
    const body = (request.body ?? {}) as { username?: unknown; password?: unknown };
    const address = request.ip;
    if (deps.throttle.blocked(address)) {
      return reply
        .status(429)
        .header('retry-after', '300')
        .send({ error: 'too many failed logins; wait five minutes' });
    }
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    if (!(await checkPassword(deps.accounts(), username, password))) {
      deps.throttle.failed(address);
      request.log.warn({ user: username.slice(0, 32), address }, 'portal login failed');
      return reply.status(401).send({ error: 'unknown user or wrong password' });
    }
    deps.throttle.succeeded(address);
    request.log.info({ user: username }, 'portal login');
    const token = deps.sessions.create(username);
    return reply
      .header('set-cookie', `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=28800`)
      .send({ user: username });
  });
  app.post('/api/logout', async (request, reply) => {
    deps.sessions.destroy(sessionToken(request));
    return reply
      .header('set-cookie', `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`)
      .send({});
  });
}

function registerPages(app: FastifyInstance, deps: PortalDeps): void {
  app.get('/login', async (_request, reply) => sendFile(reply, deps.files, 'login.html'));
  app.get('/', async (_request, reply) => sendFile(reply, deps.files, 'index.html'));
  app.get('/risk', async (_request, reply) => sendFile(reply, deps.files, 'risk.html'));
  app.get('/records/:id', async (_request, reply) => sendFile(reply, deps.files, 'record.html'));
  app.get('/alerts/:id', async (_request, reply) => sendFile(reply, deps.files, 'record.html'));
  app.get('/static/:name', async (request, reply) =>
    sendFile(reply, deps.files, (request.params as { name: string }).name),
  );
}

function registerApi(app: FastifyInstance, deps: PortalDeps): void {
  const now = deps.now ?? Date.now;
  const q = deps.queries;
  app.get('/api/me', (request, reply) =>
    reply.send({ user: (request as FastifyRequest & { user?: string }).user }),
  );
  app.get('/api/status', (_request, reply) => reply.send({ ...deps.status(), ...q.counts() }));
  app.get('/api/dashboard', (request, reply) => {
    const range = rangeOf(request.query);
    const w = windowFor(range, now());
    return reply.send({
      range,
      window: {
        from: new Date(w.fromMs).toISOString(),
        to: new Date(w.toMs).toISOString(),
        bucketMs: w.bucketMs,
      },
      totals: q.totals(w),
      volume: q.volume(w),
      timeline: q.threatTimeline(w),
      denials: q.denials(25),
      incidents: q.incidents(25),
      flagged: q.flagged(25),
      flowAlerts: q.flowAlerts(25),
      policies: q.policyChanges(25),
      gateways: q.gateways(),
      models: q.models(),
      alerts: q.alerts(30),
    });
  });
  app.get('/api/risk', (request, reply) => {
    const range = rangeOf(request.query);
    const w = windowFor(range, now());
    const settings: RiskSettings = {
      threshold: numberParam(request.query, 'threshold', 0.001, 1, deps.risk.threshold),
      horizon: numberParam(request.query, 'horizon', 1, 24, deps.risk.horizon),
    };
    return reply.send({
      range,
      window: {
        from: new Date(w.fromMs).toISOString(),
        to: new Date(w.toMs).toISOString(),
        bucketMs: w.bucketMs,
      },
      settings,
      zones: q.risk(w, settings),
    });
  });
  app.get('/api/search', (request, reply) => {
    const text = stringParam(request.query, 'q').toLowerCase();
    return reply.send({ items: /^[0-9a-f]{4,64}$/.test(text) ? q.searchRecords(text, 20) : [] });
  });
  app.get('/api/records/:id/verify', async (request, reply) => {
    const id = (request.params as { id: string }).id;
    if (!isSha256Hex(id)) {
      return reply.status(400).send({ error: 'a record id is 64 lowercase hex characters' });
    }
    const result = await deps.verifyRecord(id);
    return { id, ...result, verified: verified(result.checks), exitCode: exitCodeFor(result.checks) };
  });
  app.get('/api/alerts/:id/verify', async (request, reply) => {
    const id = (request.params as { id: string }).id;
    if (!isSha256Hex(id)) {
      return reply.status(400).send({ error: 'an alert id is 64 lowercase hex characters' });
    }
    const result = await deps.verifyAlert(id);
    return { id, ...result, verified: verified(result.checks), exitCode: exitCodeFor(result.checks) };
  });
  app.get('/api/records/:id/payload', async (request, reply) => {
    const id = (request.params as { id: string }).id;
    const sha256 = stringParam(request.query, 'sha256');
    if (!isSha256Hex(id) || !isSha256Hex(sha256)) {
      return reply.status(400).send({ error: 'id and sha256 are 64 lowercase hex characters' });
    }
    const answer = await deps.payloadCheck(id, sha256);
    return answer === undefined ? reply.status(404).send({ error: `no record ${id}` }) : answer;
  });
}

function registerStream(app: FastifyInstance, deps: PortalDeps): void {
  app.get('/api/stream', (request, reply) => {
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
    });
    raw.write('retry: 3000\n\n');
    const unsubscribe = deps.hub.subscribe((message) => {
      raw.write(`event: ${message.kind}\ndata: ${JSON.stringify(message.data)}\n\n`);
    });
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), deps.heartbeatMs ?? 15_000);
    request.raw.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });
}

/** The read-only portal: pages, JSON API over the index, verification against the chain, SSE. */
export function buildPortal(deps: PortalDeps): FastifyInstance {
  const app: FastifyInstance = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    bodyLimit: 16 * 1024,
    disableRequestLogging: true,
    forceCloseConnections: true,
  });
  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
      reply.header(name, value);
    }
    return payload;
  });
  app.setErrorHandler((err: { message?: string; statusCode?: number }, request, reply) => {
    const message = err.message ?? 'unknown error';
    request.log.error({ err: message }, 'portal request failed');
    const status = typeof err.statusCode === 'number' && err.statusCode < 500 ? err.statusCode : 502;
    void reply
      .status(status)
      .send({ error: status === 502 ? `the ledger could not be read: ${message}` : message });
  });
  registerAuth(app, deps);
  registerPages(app, deps);
  registerApi(app, deps);
  registerStream(app, deps);
  return app;
}
