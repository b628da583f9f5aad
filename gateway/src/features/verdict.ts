/**
 * The verdict rule of models/feature-spec.json (verdictRule), shared by training and the gateway:
 * malicious if attackProbability >= classifier.malicious; else suspicious if attackProbability >=
 * classifier.suspicious or anomalyScore >= anomaly.threshold; else benign. Comparisons are in double
 * precision: onnxruntime's float32 scores widen exactly, thresholds are the registered JSON numbers.
 */
export type Verdict = 'benign' | 'suspicious' | 'malicious';

export interface VerdictThresholds {
  readonly suspicious: number;
  readonly malicious: number;
  /** Anomaly-score threshold; absent when no anomaly model is deployed. */
  readonly anomaly?: number;
}

export interface FlowScores {
  readonly attackProbability: number;
  /** Absent when no anomaly model is deployed or it failed for this flow. */
  readonly anomalyScore?: number;
}

export function decideVerdict(scores: FlowScores, thresholds: VerdictThresholds): Verdict {
  if (!Number.isFinite(scores.attackProbability)) {
    throw new RangeError(`decideVerdict: attack probability ${scores.attackProbability} is not finite`);
  }
  if (scores.attackProbability >= thresholds.malicious) {
    return 'malicious';
  }
  const anomalous =
    scores.anomalyScore !== undefined &&
    thresholds.anomaly !== undefined &&
    scores.anomalyScore >= thresholds.anomaly;
  if (scores.attackProbability >= thresholds.suspicious || anomalous) {
    return 'suspicious';
  }
  return 'benign';
}
