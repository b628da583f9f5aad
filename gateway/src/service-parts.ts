import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseConnectionProfile } from '@cityledger/client';
import { LIMITS } from '@cityledger/core';
import { type AttestationSigner, KeyFileSigner } from './attestation-signer';
import { BenignLog } from './benign-log';
import { CHAINCODE_FUNCTIONS } from './chaincode-api';
import { type Clock, type Random, systemClock } from './clock';
import type { GatewayConfig } from './config';
import { type Db, openDatabase } from './db';
import { DirLock } from './dir-lock';
import { ExchangeIntake } from './exchange-intake';
import { FailoverLedger } from './failover-ledger';
import { loadModelManifest, type ModelManifest } from './features';
import type { AlertModels } from './flow-alert-build';
import { type AlertWorker, flowAlertTasks } from './flow-alert-task';
import { flowRefSalt } from './flow-alerts';
import { FlowIntake } from './flow-intake';
import type { LedgerPort } from './ledger-port';
import { createLogger, type Logger } from './logger';
import { GatewayMetrics } from './metrics';
import { Outbox } from './outbox';
import type { OutboxKind } from './outbox-state';
import { PolicyCache } from './policy';
import type { PolicySource, Scorer } from './ports';
import { type CitedModel, citedModel, PoolScorer, scoringPoolOptions } from './scorer-adapter';
import { ScoringPool } from './scoring';
import { Submitter, type SubmitterOptions } from './submitter';
import { ThreatBoard } from './threat-board';

/** Replaceable parts: tests and replay give their own; the rest is built from the configuration. */
export interface PartOverrides {
  readonly clock?: Clock;
  readonly random?: Random;
  readonly logger?: Logger;
  readonly signer?: AttestationSigner;
  readonly scorer?: Scorer & { close?(): Promise<void> };
  /** `null`: no ledger at all (offline replay: records stay in the outbox). */
  readonly ledger?: (LedgerPort & { close(): void }) | null;
  readonly policy?: ManagedPolicySource;
  /** The model records cite, with a scorer given here (default: the manifest's classifier). */
  readonly model?: CitedModel;
}

/** A policy source with an optional life cycle (the ledger-synced cache has one). */
export type ManagedPolicySource = PolicySource & {
  start?(): Promise<void>;
  close?(): Promise<void>;
  ready?(): boolean;
};

/** Everything a running gateway is made of. */
export interface GatewayParts {
  readonly config: GatewayConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly lock: DirLock;
  readonly db: Db;
  readonly outbox: Outbox;
  readonly benignLog: BenignLog;
  readonly signer: AttestationSigner;
  readonly threats: ThreatBoard;
  readonly scorer: Scorer & { close?(): Promise<void> };
  readonly ledger: (LedgerPort & { close(): void }) | null;
  readonly policy: ManagedPolicySource;
  readonly exchanges: ExchangeIntake;
  readonly flows: FlowIntake;
  readonly submitter: Submitter | null;
}

/** Denies everything: the policy source of a gateway without a ledger (fail closed). */
const NO_POLICIES: PolicySource = {
  decisionFor: (request) => ({
    allow: false,
    reason: 'no-policy',
    message: `no policy source: ${request.category} denied`,
    policyVersion: undefined,
  }),
};

function connectLedger(config: GatewayConfig, logger: Logger, metrics: GatewayMetrics): FailoverLedger {
  const profile = parseConnectionProfile(
    JSON.parse(readFileSync(config.fabric.profilePath, 'utf8')),
    config.fabric.profilePath,
  );
  const { evaluateMs, endorseMs, submitMs, commitStatusMs } = config.fabric;
  return FailoverLedger.connect(
    profile,
    config.fabric.identity,
    config.fabric.peers,
    { evaluateMs, endorseMs, submitMs, commitStatusMs },
    (from, to) => {
      metrics.errors.inc({ stage: 'failover', code: 'UNAVAILABLE' });
      logger.warn({ from, to }, 'peer unavailable, failing over');
    },
  );
}

function policyCache(
  config: GatewayConfig,
  ledger: FailoverLedger,
  logger: Logger,
): PolicyCache & { ready(): boolean } {
  const cache = PolicyCache.open({
    ledger,
    statePath: path.join(config.dataDir, 'policies.db'),
    categories: config.policy.categories,
    ...(config.policy.maxStaleMs === null ? {} : { maxDisconnectedMs: config.policy.maxStaleMs }),
    onEvent: (event) => {
      if (event.type === 'stream-error' || event.type === 'load-error') {
        // The message only: these repeat with every reconnection attempt while a peer is down.
        const code = (event.error as { code?: unknown }).code;
        logger.warn(
          { event: event.type, code, message: event.error.message.slice(0, 200) },
          'policy sync problem',
        );
      } else if (event.type === 'policy-updated') {
        logger.info(
          { category: event.category, version: event.version, source: event.source },
          'policy updated',
        );
      }
    },
  });
  return Object.assign(cache, { ready: () => cache.status().ready });
}

function submitFunctions(config: GatewayConfig): Partial<Record<OutboxKind, string>> {
  return {
    exchange: CHAINCODE_FUNCTIONS.exchange,
    batch: CHAINCODE_FUNCTIONS.batch,
    'personal-data': CHAINCODE_FUNCTIONS.personalData,
    ...(config.submit.flowAlertFunction === null ? {} : { 'flow-alert': config.submit.flowAlertFunction }),
  };
}

function makeSubmitter(
  config: GatewayConfig,
  parts: Pick<SubmitterOptions, 'outbox' | 'ledger' | 'clock' | 'random' | 'metrics' | 'logger'>,
): Submitter {
  return new Submitter({
    ...parts,
    concurrency: config.submit.concurrency,
    pollMs: config.submit.pollMs,
    backoff: {
      initialMs: config.submit.initialBackoffMs,
      maxMs: config.submit.maxBackoffMs,
      multiplier: config.submit.backoffMultiplier,
      jitter: config.submit.jitter,
    },
    functions: submitFunctions(config),
    ...(config.submit.flowAlertFunction === null || config.submit.alertsPerTransaction <= 1
      ? {}
      : {
          flowAlertBatch: {
            function: config.submit.flowAlertsFunction,
            maxAlerts: config.submit.alertsPerTransaction,
            maxBytes: LIMITS.maxArgumentBytes,
          },
        }),
    personalDataLagMs: config.submit.personalDataLagMs,
    ...(parts.ledger instanceof FailoverLedger && parts.ledger.mspId !== undefined
      ? { ownMspId: parts.ledger.mspId }
      : {}),
  });
}

function models(config: GatewayConfig, o: PartOverrides): { manifest?: ModelManifest; model: CitedModel } {
  if (o.scorer !== undefined && o.model !== undefined) {
    return { model: o.model };
  }
  const manifest = loadModelManifest(config.models.manifestPath);
  return { manifest, model: o.model ?? citedModel(manifest, config.models.anomaly) };
}

/**
 * The scoring pool, whose workers also build and sign flow alerts when the signer's key can be handed
 * to them (flowAlertTasks); then it is the flow intake's alert worker too.
 */
async function poolScorer(
  manifest: ModelManifest | undefined,
  config: GatewayConfig,
  tasks: ReturnType<typeof flowAlertTasks>,
): Promise<{ scorer: PoolScorer; alertWorker: AlertWorker | undefined }> {
  if (manifest === undefined) {
    throw new Error('a scorer needs the model manifest');
  }
  const pool = await ScoringPool.create({
    ...scoringPoolOptions(manifest, config),
    ...(tasks === undefined ? {} : { tasks }),
  });
  return { scorer: new PoolScorer(pool), alertWorker: tasks === undefined ? undefined : pool };
}

function alertModels(model: CitedModel): AlertModels {
  return {
    classifier: { id: model.id, version: model.version },
    ...(model.anomaly === undefined ? {} : { anomaly: model.anomaly }),
  };
}

function ledgerAndPolicy(
  config: GatewayConfig,
  o: PartOverrides,
  logger: Logger,
  metrics: GatewayMetrics,
): { ledger: (LedgerPort & { close(): void }) | null; policy: ManagedPolicySource } {
  if (o.ledger !== undefined) {
    return { ledger: o.ledger, policy: o.policy ?? NO_POLICIES };
  }
  const ledger = connectLedger(config, logger, metrics);
  return { ledger, policy: o.policy ?? policyCache(config, ledger, logger) };
}

/** Builds the gateway from its configuration (nothing listens yet). Closes what it opened on failure. */
export async function buildParts(config: GatewayConfig, o: PartOverrides = {}): Promise<GatewayParts> {
  const clock = o.clock ?? systemClock;
  const random = o.random ?? ((): number => randomInt(0, 2 ** 32) / 2 ** 32);
  const logger = o.logger ?? createLogger({ level: config.logLevel, gatewayId: config.gatewayId });
  const metrics = new GatewayMetrics({ defaultMetrics: true });
  const signer = o.signer ?? KeyFileSigner.fromFile(config.attestationKeyPath);
  const { manifest, model } = models(config, o);
  const lock = DirLock.acquire(config.dataDir);
  const db = openDatabase(config.dataDir);
  const opened: (() => unknown)[] = [
    () => db.close(),
    () => {
      lock.release();
    },
  ];
  try {
    const outbox = new Outbox(db, clock);
    const recovered = outbox.recover();
    if (recovered > 0) {
      logger.warn({ recovered }, 'rows left submitting by the previous process are pending again');
    }
    metrics.setOutboxDepthSource(() => outbox.counts());
    const benignLog = new BenignLog({
      db,
      outbox,
      signer,
      clock,
      gatewayId: config.gatewayId,
      policy: config.batching,
    });
    const alertContext = { gatewayId: config.gatewayId, salt: flowRefSalt(db), models: alertModels(model) };
    const { scorer, alertWorker } =
      o.scorer === undefined
        ? await poolScorer(manifest, config, flowAlertTasks(signer, alertContext))
        : { scorer: o.scorer, alertWorker: undefined };
    opened.unshift(() => scorer.close?.());
    const { ledger, policy } = ledgerAndPolicy(config, o, logger, metrics);
    opened.unshift(() => ledger?.close());
    const threats = new ThreatBoard({
      windowMs: config.exchanges.threatWindowMs,
      thresholds: model.thresholds,
    });
    const submitter =
      ledger === null ? null : makeSubmitter(config, { outbox, ledger, clock, random, metrics, logger });
    const recordContext = {
      gatewayId: config.gatewayId,
      department: config.department,
      modelId: model.id,
      modelVersion: model.version,
    };
    const exchanges = new ExchangeIntake({ ...recordContext, policy, threats, signer, outbox, clock });
    const flows = new FlowIntake({
      scorer,
      db,
      outbox,
      benignLog,
      signer,
      threats,
      clock,
      metrics,
      logger,
      context: recordContext,
      alertModels: alertContext.models,
      ...(alertWorker === undefined ? {} : { alertWorker }),
      chunkSize: config.scoring.microBatchSize,
      maxInFlight: config.scoring.maxQueuedFlows,
      onStored: () => submitter?.notify(),
    });
    return {
      config,
      clock,
      logger,
      metrics,
      lock,
      db,
      outbox,
      benignLog,
      signer,
      threats,
      scorer,
      ledger,
      policy,
      exchanges,
      flows,
      submitter,
    };
  } catch (err) {
    for (const close of opened) {
      await Promise.resolve(close()).catch(() => undefined);
    }
    throw err;
  }
}
