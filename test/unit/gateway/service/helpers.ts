import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Committed } from '@cityledger/client';
import { canonicalJson, CityLedgerError, sha256Hex } from '@cityledger/core';
import type { Clock } from '../../../../gateway/src/clock';
import type { LedgerPort, SubmitOptions } from '../../../../gateway/src/ledger-port';
import { createLogger, type Logger } from '../../../../gateway/src/logger';

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(public ms = Date.parse('2026-03-01T10:00:00.000Z')) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Deterministic uniform numbers (mulberry32), so jittered delays are reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function tempDir(prefix = 'cl-gw-'): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A logger writing JSON lines into memory, for assertions on what was logged. */
export function memoryLogger(level = 'debug'): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = createLogger({ level, gatewayId: 'test-gw', destination: destination as never });
  return {
    logger,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.length > 0)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export interface LedgerCall {
  readonly fn: string;
  readonly args: readonly string[];
  readonly options?: SubmitOptions;
}

/**
 * A fake of the Fabric transport: answers each submit with what `respond` returns or throws.
 * The default behaves like an idempotent chaincode keyed by the payload.
 */
export class FakeLedger implements LedgerPort {
  readonly calls: LedgerCall[] = [];
  readonly stored = new Map<string, string>();
  #tx = 0;
  respond: (call: LedgerCall, n: number) => Committed | Promise<Committed> = (call) => this.store(call);

  store(call: LedgerCall): Committed {
    if (call.fn.endsWith('recordFlowAlerts')) {
      return this.storeMany(call);
    }
    const key = call.args[0] ?? '';
    const duplicate = this.stored.has(key);
    if (!duplicate) {
      this.stored.set(key, call.fn);
    }
    return this.committed({ accepted: true, duplicate });
  }

  /**
   * Several flow alerts, answered as recordFlowAlerts does: a result per alert (its id is core's
   * flowAlertId, i.e. the sha256 of its canonical content, as the outbox row id).
   */
  storeMany(call: LedgerCall): Committed {
    const alerts = JSON.parse(call.args[0] ?? '[]') as Record<string, unknown>[];
    const results = alerts.map((alert) => {
      const payload = canonicalJson(alert);
      const duplicate = this.stored.has(payload);
      if (!duplicate) {
        this.stored.set(payload, call.fn);
      }
      const { signature: _signature, ...content } = alert;
      return { id: sha256Hex(canonicalJson(content)), stored: true, duplicate };
    });
    return this.committed({ results });
  }

  committed(result: unknown): Committed {
    this.#tx += 1;
    return {
      result: Buffer.from(JSON.stringify(result)),
      transactionId: `tx${this.#tx}`,
      blockNumber: BigInt(100 + this.#tx),
    };
  }

  submit(fn: string, args: readonly string[], options?: SubmitOptions): Promise<Committed> {
    const call = { fn, args: [...args], ...(options === undefined ? {} : { options }) };
    this.calls.push(call);
    try {
      return Promise.resolve(this.respond(call, this.calls.length));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }
}

export function ledgerError(code: CityLedgerError['code'], detail = 'injected'): CityLedgerError {
  return new CityLedgerError(code, detail);
}

export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- typed view of the body for assertions
  json<T = Record<string, unknown>>(): T;
}

/**
 * Sends a request to a fastify app over real loopback HTTP. (fastify.inject needs light-my-request,
 * whose ESM-only `cookie` dependency Jest's module system cannot load.)
 */
export async function httpRequest(
  app: {
    listen(o: { host: string; port: number }): Promise<string>;
    server: { listening: boolean; address(): unknown };
  },
  options: { method: string; url: string; payload?: unknown; headers?: Record<string, string> },
): Promise<HttpResponse> {
  if (!app.server.listening) {
    await app.listen({ host: '127.0.0.1', port: 0 });
  }
  const { port } = app.server.address() as { port: number };
  const raw = options.payload === undefined || typeof options.payload === 'string';
  const res = await fetch(`http://127.0.0.1:${port}${options.url}`, {
    method: options.method,
    headers: {
      ...(options.payload === undefined || raw ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.payload === undefined
      ? {}
      : { body: raw ? (options.payload as string) : JSON.stringify(options.payload) }),
  });
  const body = await res.text();
  return {
    statusCode: res.status,
    headers: Object.fromEntries(res.headers.entries()),
    body,
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- as above
    json: <T>() => JSON.parse(body) as T,
  };
}
