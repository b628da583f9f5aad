import type { GatewayConfig } from './config';
import { extractFeatures, FEATURE_COUNT, FEATURE_SPEC_SHA256, type ModelManifest } from './features';
import type { BiFlow } from './flow/biflow';
import type { Scorer, Scores } from './ports';
import { ScoringPool, type ScoringPoolOptions } from './scoring';

/** The model that records cite: the classifier (its thresholds give the recorded verdict). */
export interface CitedModel {
  readonly id: string;
  readonly version: string;
  readonly thresholds: { readonly suspicious: number; readonly malicious: number };
}

export function citedModel(manifest: ModelManifest): CitedModel {
  const t = manifest.thresholds;
  return {
    id: manifest.classifier.id,
    version: manifest.classifier.version,
    thresholds: { suspicious: t.suspicious, malicious: t.malicious },
  };
}

/** Scoring pool options from the model manifest and the configuration. */
export function scoringPoolOptions(manifest: ModelManifest, config: GatewayConfig): ScoringPoolOptions {
  const { classifier, anomaly, thresholds } = manifest;
  const useAnomaly = config.models.anomaly && anomaly !== undefined && thresholds.anomaly !== undefined;
  return {
    classifier: {
      path: classifier.file,
      sha256: classifier.sha256,
      featureSpecSha256: classifier.specSha256,
    },
    ...(useAnomaly
      ? { anomaly: { path: anomaly.file, sha256: anomaly.sha256, featureSpecSha256: anomaly.specSha256 } }
      : {}),
    featureSpecSha256: FEATURE_SPEC_SHA256,
    featureCount: FEATURE_COUNT,
    thresholds: {
      classifier: { suspicious: thresholds.suspicious, malicious: thresholds.malicious },
      ...(useAnomaly ? { anomaly: thresholds.anomaly } : {}),
    },
    workers: config.scoring.workers,
    maxBatch: config.scoring.microBatchSize,
    maxWaitMs: config.scoring.maxWaitMs,
    maxQueuedRows: config.scoring.maxQueuedFlows,
  };
}

/** Features per the feature spec, then the ONNX pool in worker threads. */
export class PoolScorer implements Scorer {
  readonly #pool: ScoringPool;

  constructor(pool: ScoringPool) {
    this.#pool = pool;
  }

  get pool(): ScoringPool {
    return this.#pool;
  }

  /** Finishes the rows already queued, then stops the workers. */
  close(): Promise<void> {
    return this.#pool.close({ drain: true });
  }

  async score(flows: readonly BiFlow[]): Promise<Scores[]> {
    const scores = await this.#pool.scoreMany(flows.map((flow) => extractFeatures(flow)));
    return scores.map((s) => ({
      threatScore: s.threatScore,
      verdict: s.verdict,
      ...(s.anomalyScore === undefined ? {} : { anomalyScore: s.anomalyScore }),
    }));
  }
}
