import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultDataDir, type LedgerClient } from '@cityledger/client';
import {
  type AccessPolicy,
  type ExchangeEntry,
  type ModelSpec,
  type Page,
  type PolicyEntry,
  sha256Hex,
} from '@cityledger/core';
import { loadConfig, type GatewayConfig } from '../../../gateway/src/config';
import { GatewayService } from '../../../gateway/src/service';
import { registerTestGateway, uniqueId } from '../support/gateway-identity';
import { type ClientPool, REPO_ROOT } from '../support/network';

/** A gateway of the transport department registered on the real network, with its files. */
export interface TestGatewaySetup {
  readonly dir: string;
  readonly configFile: string;
  readonly config: GatewayConfig;
  readonly gatewayId: string;
  readonly category: string;
  readonly steward: LedgerClient;
  readonly modelId: string;
}

/**
 * The repository's model manifest with both models under fresh ids (registered on chain by the
 * test), so every run cites models of its own; files stay the real ONNX models.
 */
function testManifest(dir: string): { file: string; specs: ModelSpec[] } {
  const source = path.join(REPO_ROOT, 'models', 'manifest.json');
  const manifest = JSON.parse(readFileSync(source, 'utf8')) as {
    specSha256: string;
    models: {
      id: string;
      kind: string;
      file: string;
      version: string;
      sha256: string;
      thresholds: Record<string, number>;
    }[];
  };
  for (const m of manifest.models) {
    m.file = path.resolve(path.dirname(source), m.file);
    m.id = uniqueId(`itest-${m.kind}`);
  }
  const file = path.join(dir, 'manifest.json');
  writeFileSync(file, JSON.stringify(manifest));
  // The registry keeps two thresholds per model; the anomaly model's one threshold is its `suspicious`.
  const specs = manifest.models.map(
    (m): ModelSpec => ({
      id: m.id,
      version: m.version,
      kind: m.kind === 'anomaly' ? 'anomaly' : 'classifier',
      sha256: m.sha256,
      featureSpecSha256: manifest.specSha256,
      thresholds:
        m.kind === 'anomaly'
          ? { suspicious: m.thresholds.threshold!, malicious: 1 }
          : { suspicious: m.thresholds.suspicious!, malicious: m.thresholds.malicious! },
      metrics: {},
    }),
  );
  return { file, specs };
}

function policy(category: string): AccessPolicy {
  const now = Date.now();
  return {
    category,
    version: 1,
    grants: [
      {
        grantee: 'energy',
        purposes: ['load-forecast'],
        validFrom: new Date(now - 3_600_000).toISOString(),
        validUntil: new Date(now + 2 * 86_400_000).toISOString(),
        maxVerdict: 'suspicious',
      },
    ],
  };
}

/**
 * Registers a fresh transport gateway (the steward binds the `gateway` identity and a new attestation
 * key), a model and a policy category of its own, and writes the gateway's key and configuration.
 */
export async function setUpGateway(
  pool: ClientPool,
  overrides: Record<string, unknown> = {},
): Promise<TestGatewaySetup> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'itest-gateway-'));
  const steward = pool.as('transport', 'steward');
  const gatewayClient = pool.as('transport', 'gateway');
  const { registration, attestationKey } = await registerTestGateway(steward, gatewayClient, 'transport');
  const keyFile = path.join(dir, 'attestation.pem');
  writeFileSync(keyFile, attestationKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const { file: manifestPath, specs } = testManifest(dir);
  for (const spec of specs) {
    await steward.submit('models:registerModel', [JSON.stringify(spec)]);
  }
  const category = uniqueId('transport/itest-gw');
  await steward.submitJson<PolicyEntry>('policies:putPolicy', [JSON.stringify(policy(category))]);
  const configFile = path.join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      gatewayId: registration.id,
      department: 'transport',
      zone: 'itest',
      dataDir: path.join(dir, 'data'),
      attestationKeyPath: keyFile,
      logLevel: 'warn',
      fabric: { profilePath: path.join(defaultDataDir(), 'connections', 'transport.json') },
      http: { port: 0 },
      collector: { udpPort: 0 },
      models: { manifestPath },
      policy: { categories: [category] },
      batching: { maxRecords: 64, maxWaitMs: 1_000 },
      submit: { concurrency: 8, pollMs: 50, initialBackoffMs: 100, maxBackoffMs: 2_000 },
      shutdown: { drainMs: 20_000 },
      ...overrides,
    }),
  );
  return {
    dir,
    configFile,
    config: loadConfig({}, configFile),
    gatewayId: registration.id,
    category,
    steward,
    modelId: specs.find((m) => m.kind === 'classifier')!.id,
  };
}

/** A test gateway's service running in this process (HTTP API, no collector), ready. */
export interface RunningTestGateway {
  readonly setup: TestGatewaySetup;
  readonly service: GatewayService;
  readonly base: string;
}

export async function startTestGateway(pool: ClientPool): Promise<RunningTestGateway> {
  const setup = await setUpGateway(pool);
  const service = await GatewayService.open(setup.config, {}, { http: true, collector: false });
  const base = (await service.start()).http!;
  await waitFor(async () => (await fetch(`${base}/readyz`)).status === 200, 60_000);
  return { setup, service, base };
}

/** Stops the service, closes the pool's clients and removes the gateway's files. */
export async function stopTestGateway(pool: ClientPool, running: RunningTestGateway): Promise<void> {
  await running.service.stop();
  pool.closeAll();
  rmSync(running.setup.dir, { recursive: true, force: true });
}

/** The body of exchange number `i`: its payload hash identifies it on chain. */
export function exchangeBody(category: string, i: number, consumer = 'energy'): Record<string, unknown> {
  return {
    sourceDepartment: 'transport',
    consumerDepartment: consumer,
    category,
    purpose: 'load-forecast',
    payloadSha256: payloadHash(i),
    payloadSize: 1_000 + i,
  };
}

export function payloadHash(i: number): string {
  return sha256Hex(`itest exchange ${i}`);
}

export async function postExchange(
  base: string,
  body: Record<string, unknown>,
): Promise<{ status: number; recordId?: string }> {
  const res = await fetch(`${base}/exchanges`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { recordId?: string };
  return { status: res.status, ...(json.recordId === undefined ? {} : { recordId: json.recordId }) };
}

/** Every record of a gateway on chain (audit:queryRecords by gateway, all pages). */
export async function chainRecords(client: LedgerClient, gatewayId: string): Promise<ExchangeEntry[]> {
  const items: ExchangeEntry[] = [];
  let bookmark = '';
  do {
    const query = {
      by: 'gateway',
      value: gatewayId,
      pageSize: 200,
      ...(bookmark === '' ? {} : { bookmark }),
    };
    const page = await client.evaluateJson<Page<ExchangeEntry>>('audit:queryRecords', [
      JSON.stringify(query),
    ]);
    items.push(...page.items);
    bookmark = page.bookmark;
  } while (bookmark !== '');
  return items;
}

/** Polls `check` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 500,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) {
      return true;
    }
    if (Date.now() > end) {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** The gateway command (`start`, through bin/cityledger-gateway.sh and gateway/dist) as a child process. */
export interface GatewayProcess {
  readonly child: ChildProcess;
  /** The HTTP base URL, once the process said where it listens. */
  readonly base: string;
  readonly exited: Promise<number | null>;
}

export async function startGatewayProcess(
  configFile: string,
  env: NodeJS.ProcessEnv = {},
): Promise<GatewayProcess> {
  // The launcher execs node with gateway/node-options: the child's pid is the gateway's.
  const child = spawn(
    path.join(REPO_ROOT, 'gateway', 'bin', 'cityledger-gateway.sh'),
    ['start', '-c', configFile],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
    },
  );
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      resolve(code);
    }),
  );
  let stderr = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`gateway did not start: ${stderr}`));
    }, 60_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      const m = /http (http:\/\/[^,\s]+)/.exec(stderr);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited with ${code}: ${stderr}`));
    });
  });
  return { child, base, exited };
}
