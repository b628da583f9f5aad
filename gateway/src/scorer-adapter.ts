import type { GatewayConfig } from './config';
import { extractFeatures, FlowContextTracker, type ModelManifest } from './features';
import type { BiFlow } from './flow/biflow';
import type { Scorer, Scores } from './ports';
import { ScoringPool, type ScoringPoolOptions, scoringModelsFromManifest } from './scoring';

/**
 * The models records cite: the classifier (its thresholds give the verdict of exchange records) and,
 * when it runs, the anomaly model (flow alerts cite it too).
 */
export interface CitedModel {
  readonly id: string;
  readonly version: string;
  readonly thresholds: { readonly suspicious: number; readonly malicious: number };
  readonly anomaly?: { readonly id: string; readonly version: string };
}

export function citedModel(manifest: ModelManifest, useAnomaly = true): CitedModel {
  const t = manifest.thresholds;
  const anomaly = useAnomaly ? manifest.anomaly : undefined;
  return {
    id: manifest.classifier.id,
    version: manifest.classifier.version,
    thresholds: { suspicious: t.suspicious, malicious: t.malicious },
    ...(anomaly === undefined ? {} : { anomaly: { id: anomaly.id, version: anomaly.version } }),
  };
}

/** Scoring pool options from the model manifest (scoring's own mapping) and the configuration. */
export function scoringPoolOptions(manifest: ModelManifest, config: GatewayConfig): ScoringPoolOptions {
  const models = scoringModelsFromManifest(manifest);
  const { anomaly: _anomalyModel, ...withoutAnomaly } = models;
  const { anomaly: _anomalyThreshold, ...classifierOnly } = models.thresholds;
  return {
    ...(config.models.anomaly ? models : { ...withoutAnomaly, thresholds: classifierOnly }),
    workers: config.scoring.workers,
    maxBatch: config.scoring.microBatchSize,
    maxWaitMs: config.scoring.maxWaitMs,
    maxQueuedRows: config.scoring.maxQueuedFlows,
  };
}

/**
 * Features per the feature spec (host context from the flows scored before, in arrival order), then the
 * ONNX pool in worker threads.
 */
export class PoolScorer implements Scorer {
  readonly #pool: ScoringPool;
  readonly #context: FlowContextTracker;

  constructor(pool: ScoringPool, context: FlowContextTracker = new FlowContextTracker()) {
    this.#pool = pool;
    this.#context = context;
  }

  get pool(): ScoringPool {
    return this.#pool;
  }

  /** Finishes the rows already queued, then stops the workers. */
  close(): Promise<void> {
    return this.#pool.close({ drain: true });
  }

  async score(flows: readonly BiFlow[]): Promise<Scores[]> {
    const scores = await this.#pool.scoreMany(
      flows.map((flow) => extractFeatures(flow, this.#context.observe(flow))),
    );
    return scores.map((s) => ({
      attackProbability: s.attackProbability,
      threatScore: s.threatScore,
      verdict: s.verdict,
      ...(s.anomalyScore === undefined ? {} : { anomalyScore: s.anomalyScore }),
    }));
  }
}
