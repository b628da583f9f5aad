import { readFileSync } from 'node:fs';
import path from 'node:path';
import { CATEGORY, DATA_DEPARTMENTS, type DataDepartment, LIMITS } from '@cityledger/core';
import { bool, configError, Field, filePath, int, num, oneOf, str, strList } from './config-fields';
import { DEFAULT_MODEL_MANIFEST_PATH } from './features';

/**
 * The gateway's one configuration: a JSON file plus `CITYLEDGER_GW_*` environment overrides, parsed
 * and validated once by `loadConfig` and passed into constructors. Unknown keys (in the file or in
 * the environment) are an error. Relative paths in the file are resolved against its folder.
 *
 * Environment names: `CITYLEDGER_GW_` + the key path in UPPER_SNAKE case, `__` between levels,
 * e.g. `CITYLEDGER_GW_GATEWAY_ID`, `CITYLEDGER_GW_HTTP__PORT`, `CITYLEDGER_GW_FABRIC__PEERS=a,b`.
 * `CITYLEDGER_GW_CONFIG` names the file when none is given.
 */
export interface GatewayConfig {
  readonly gatewayId: string;
  readonly department: DataDepartment;
  readonly zone: string;
  readonly dataDir: string;
  readonly attestationKeyPath: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly fabric: {
    readonly profilePath: string;
    readonly identity: string;
    readonly peers: readonly string[];
    readonly evaluateMs: number;
    readonly endorseMs: number;
    readonly submitMs: number;
    readonly commitStatusMs: number;
  };
  readonly collector: {
    readonly host: string;
    readonly udpPort: number;
    readonly receiveBufferBytes: number;
  };
  readonly http: { readonly host: string; readonly port: number; readonly maxPayloadBytes: number };
  readonly scoring: {
    readonly workers: number;
    readonly microBatchSize: number;
    readonly maxWaitMs: number;
    readonly maxQueuedFlows: number;
  };
  readonly outbox: { readonly maxDepth: number; readonly retryAfterSeconds: number };
  readonly batching: { readonly maxRecords: number; readonly maxWaitMs: number };
  readonly submit: {
    readonly concurrency: number;
    readonly pollMs: number;
    readonly initialBackoffMs: number;
    readonly maxBackoffMs: number;
    readonly backoffMultiplier: number;
    readonly jitter: number;
    readonly flowAlertFunction: string | null;
    readonly flowAlertsFunction: string;
    readonly alertsPerTransaction: number;
    readonly personalDataLagMs: number;
  };
  readonly models: { readonly manifestPath: string; readonly anomaly: boolean };
  readonly exchanges: { readonly threatWindowMs: number };
  readonly policy: { readonly categories: readonly string[]; readonly maxStaleMs: number | null };
  readonly shutdown: { readonly drainMs: number };
}

const SLUG = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const HOST = /^[A-Za-z0-9.:[\]-]{1,255}$/;
const FUNCTION = /^[A-Za-z][A-Za-z0-9_:]{0,63}$/;
const DAY_MS = 86_400_000;

interface Schema {
  readonly [key: string]: Field | Schema;
}

/** Every field, its type, default and meaning. The README's configuration reference is this table. */
export const CONFIG_SCHEMA: Schema = {
  gatewayId: str('Gateway id, as registered on chain by the department steward.', undefined, SLUG),
  department: oneOf(
    'Department this gateway serves (owner of the data it releases).',
    undefined,
    DATA_DEPARTMENTS,
  ),
  zone: str('Site or network zone the gateway watches (registry metadata).', 'default', SLUG),
  dataDir: filePath('Folder of the outbox database (outbox.db); created 0700 if missing.', './data'),
  attestationKeyPath: filePath(
    'PEM file of the ECDSA P-256 attestation key (made by `cityledger-gateway keys`, mode 0600).',
    undefined,
  ),
  logLevel: oneOf('pino log level.', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  fabric: {
    profilePath: filePath(
      'Connection profile of the department org (network/ writes <data>/connections/<org>.json).',
      undefined,
    ),
    identity: str('Identity in the profile to transact as.', 'gateway', NAME),
    peers: strList('Peer names of the profile in failover order; empty = all, in profile order.', [], NAME),
    evaluateMs: int('Deadline of a query (evaluate), ms.', 5_000, 100, 600_000),
    endorseMs: int('Deadline of endorsement, ms.', 15_000, 100, 600_000),
    submitMs: int('Deadline of submission to ordering, ms.', 5_000, 100, 600_000),
    commitStatusMs: int('Deadline of waiting for the commit status, ms.', 60_000, 100, 600_000),
  },
  collector: {
    host: str(
      'Address the NetFlow v9 / IPFIX collector binds (0.0.0.0 to hear remote exporters).',
      '127.0.0.1',
      HOST,
    ),
    udpPort: int('UDP port of the collector; 0 disables it.', 2055, 0, 65_535),
    receiveBufferBytes: int(
      'Socket receive buffer (SO_RCVBUF) asked for, bytes: holds bursts while the pipeline is busy. The kernel caps it at net.core.rmem_max (a warning gives both; /metrics and `status` show what it granted).',
      8 * 1_048_576,
      4_096,
      1_073_741_824,
    ),
  },
  http: {
    host: str('Address the HTTP API binds; keep loopback unless a proxy fronts it.', '127.0.0.1', HOST),
    port: int('HTTP port (0 = any free port).', 8480, 0, 65_535),
    maxPayloadBytes: int(
      'Largest exchange payload (decoded bytes) accepted inline; larger → 413.',
      1_048_576,
      1,
      64 * 1_048_576,
    ),
  },
  scoring: {
    workers: int('Scoring worker threads (onnxruntime sessions).', 1, 1, 64),
    microBatchSize: int('Flows per scoring micro-batch.', 256, 1, 65_536),
    maxWaitMs: int('Longest a flow waits for its micro-batch to fill, ms.', 25, 0, 10_000),
    maxQueuedFlows: int(
      'Flows waiting for scoring before new ones are dropped (and counted); bounds memory.',
      4_096,
      1,
      10_000_000,
    ),
  },
  outbox: {
    maxDepth: int(
      'Unsettled outbox rows (pending + submitting) above which intake answers 503.',
      100_000,
      1,
      100_000_000,
    ),
    retryAfterSeconds: int('Retry-After sent with a 503 when the outbox is over its bound.', 2, 1, 3_600),
  },
  batching: {
    maxRecords: int('Benign flow records per anchored Merkle batch.', 1_024, 1, 1_000_000),
    maxWaitMs: int('Longest a logged record waits before its batch is cut, ms.', 10_000, 10, DAY_MS),
  },
  submit: {
    concurrency: int('Ledger submissions in flight at once.', 8, 1, 256),
    pollMs: int('How often the submitter looks for due rows when idle, ms.', 250, 10, 60_000),
    initialBackoffMs: int('First retry delay after a transient error, ms.', 250, 1, 600_000),
    maxBackoffMs: int('Cap of the retry delay, ms.', 30_000, 1, 3_600_000),
    backoffMultiplier: num('Growth of the retry delay per attempt.', 2, 1, 10),
    jitter: num('Fraction of each delay drawn at random (0 = none, 1 = full jitter).', 0.5, 0, 1),
    flowAlertFunction: str(
      'Chaincode function for flow alerts (suspicious/malicious flows); null keeps them in the outbox, unsent.',
      'exchange:recordFlowAlert',
      FUNCTION,
    ).nullable(),
    flowAlertsFunction: str(
      'Chaincode function that takes several flow alerts in one transaction (a JSON array, a result per alert).',
      'exchange:recordFlowAlerts',
      FUNCTION,
    ),
    alertsPerTransaction: int(
      'Most flow alerts submitted together in one transaction (1: each alone, with flowAlertFunction).',
      32,
      1,
      LIMITS.maxAlertsPerCall,
    ),
    personalDataLagMs: int(
      "How long after its record committed a personal-data row retries the endorsing peers' NOT_FOUND for that record (a peer behind by a block), ms; then it is rejected.",
      120_000,
      0,
      DAY_MS,
    ),
  },
  models: {
    manifestPath: filePath(
      'Model manifest (the local copy of the registry entries: ids, versions, files, sha256, thresholds).',
      DEFAULT_MODEL_MANIFEST_PATH,
    ),
    anomaly: bool("Also run the manifest's anomaly model, when it has one.", true),
  },
  exchanges: {
    threatWindowMs: int(
      "How long a source address's worst flow score counts against its exchanges, ms.",
      300_000,
      0,
      DAY_MS,
    ),
  },
  policy: {
    categories: strList(
      'Categories whose policy is loaded at every start (others arrive by chaincode events).',
      [],
      CATEGORY,
    ),
    maxStaleMs: int(
      'Deny every exchange when policy events have been unreachable this long, ms; null = keep the last known policies.',
      undefined,
      1_000,
      30 * DAY_MS,
    ).nullable(),
  },
  shutdown: {
    drainMs: int(
      'Longest a graceful shutdown waits for in-flight batches and the outbox, ms.',
      10_000,
      0,
      600_000,
    ),
  },
};

export const ENV_PREFIX = 'CITYLEDGER_GW_';
export const ENV_CONFIG_FILE = `${ENV_PREFIX}CONFIG`;

function upperSnake(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Every field with its dotted path and environment name. */
export function configFields(
  schema: Schema = CONFIG_SCHEMA,
  prefix: string[] = [],
): { path: string[]; env: string; field: Field }[] {
  return Object.entries(schema).flatMap(([key, node]) => {
    const p = [...prefix, key];
    if (node instanceof Field) {
      return [{ path: p, env: ENV_PREFIX + p.map(upperSnake).join('__'), field: node }];
    }
    return configFields(node, p);
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkKnownKeys(value: Record<string, unknown>, schema: Schema, where: string): void {
  for (const [key, item] of Object.entries(value)) {
    const node = schema[key];
    const at = where === '' ? key : `${where}.${key}`;
    if (node === undefined) {
      throw configError(at, 'is not a known key');
    }
    if (!(node instanceof Field)) {
      if (!isObject(item)) {
        throw configError(at, 'must be an object');
      }
      checkKnownKeys(item, node, at);
    }
  }
}

function readFile(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw configError(`file ${file}`, `cannot be read as JSON (${(err as Error).message})`);
  }
  if (!isObject(parsed)) {
    throw configError(`file ${file}`, 'must hold a JSON object');
  }
  checkKnownKeys(parsed, CONFIG_SCHEMA, '');
  return parsed;
}

function getPath(value: Record<string, unknown>, p: readonly string[]): unknown {
  let node: unknown = value;
  for (const key of p) {
    node = isObject(node) ? node[key] : undefined;
  }
  return node;
}

function setPath(value: Record<string, unknown>, p: readonly string[], item: unknown): void {
  let node = value;
  for (const key of p.slice(0, -1)) {
    const next = node[key];
    node[key] = isObject(next) ? next : {};
    node = node[key] as Record<string, unknown>;
  }
  node[p[p.length - 1] as string] = item;
}

function checkRules(config: GatewayConfig): void {
  if (config.submit.initialBackoffMs > config.submit.maxBackoffMs) {
    throw configError('submit.initialBackoffMs', 'must not exceed submit.maxBackoffMs');
  }
  if (config.scoring.microBatchSize > config.scoring.maxQueuedFlows) {
    throw configError('scoring.microBatchSize', 'must not exceed scoring.maxQueuedFlows');
  }
}

/**
 * Reads, merges and validates the configuration. `file` defaults to `env.CITYLEDGER_GW_CONFIG`;
 * without either, the environment alone must supply every required key. Throws INVALID_ARGUMENT
 * naming the offending key.
 */
export function loadConfig(env: NodeJS.ProcessEnv, file?: string): GatewayConfig {
  const source = file ?? env[ENV_CONFIG_FILE];
  const merged = source === undefined ? {} : readFile(source);
  const baseDir = source === undefined ? process.cwd() : path.dirname(path.resolve(source));
  const fields = configFields();
  const byEnv = new Map(fields.map((f) => [f.env, f]));
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || name === ENV_CONFIG_FILE || text === undefined) {
      continue;
    }
    const f = byEnv.get(name);
    if (f === undefined) {
      throw configError(`environment ${name}`, 'is not a known key');
    }
    setPath(merged, f.path, f.field.fromEnv(text));
  }
  const config: Record<string, unknown> = {};
  for (const { path: p, field } of fields) {
    const dotted = p.join('.');
    let value = getPath(merged, p);
    if (value === undefined) {
      if (field.required) {
        throw configError(dotted, 'is required');
      }
      value = field.defaultValue;
    }
    setPath(config, p, field.read(value, dotted, baseDir));
  }
  const result = config as unknown as GatewayConfig;
  checkRules(result);
  return result;
}
