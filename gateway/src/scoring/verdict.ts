import { type ModelThresholds, type Verdict, verdictFor } from '@cityledger/core';

/**
 * Thresholds of the verdict rule (models/feature-spec.json `verdictRule`): the classifier's
 * registry thresholds, and the anomaly model's single threshold (absent without an anomaly model).
 */
export interface VerdictThresholds {
  readonly classifier: ModelThresholds;
  readonly anomaly?: number;
}

/** What a flow's scores earn under the verdict rule. */
export interface FlowVerdict {
  readonly verdict: Verdict;
  /**
   * The score to record as `threatScore`: the attack probability, raised to the classifier's
   * `suspicious` threshold when only the anomaly clause made the flow suspicious. So
   * `verdictFor(threatScore, thresholds.classifier) === verdict` always holds, which is the check
   * a chain that knows only the classifier's thresholds can make.
   */
  readonly threatScore: number;
}

/**
 * The verdict rule: malicious if attackProbability >= classifier.malicious; else suspicious if
 * attackProbability >= classifier.suspicious or anomalyScore >= anomaly; else benign. The classifier
 * part is core's `verdictFor`; an absent anomaly score or threshold leaves the anomaly clause false.
 * Comparisons are on the float32 values onnxruntime returns, widened to double (as the chain does).
 */
export function combineVerdict(
  attackProbability: number,
  anomalyScore: number | undefined,
  thresholds: VerdictThresholds,
): FlowVerdict {
  const byClassifier = verdictFor(attackProbability, thresholds.classifier);
  const anomalous =
    anomalyScore !== undefined && thresholds.anomaly !== undefined && anomalyScore >= thresholds.anomaly;
  if (byClassifier === 'benign' && anomalous) {
    return { verdict: 'suspicious', threatScore: thresholds.classifier.suspicious };
  }
  return { verdict: byClassifier, threatScore: attackProbability };
}

/** Throws a RangeError unless the thresholds are usable (0 <= suspicious < malicious <= 1, finite anomaly). */
export function checkVerdictThresholds(thresholds: VerdictThresholds): void {
  const { suspicious, malicious } = thresholds.classifier;
  if (!(suspicious >= 0 && suspicious < malicious && malicious <= 1)) {
    throw new RangeError(
      `classifier thresholds must satisfy 0 <= suspicious < malicious <= 1 (got ${suspicious}, ${malicious})`,
    );
  }
  if (thresholds.anomaly !== undefined && !Number.isFinite(thresholds.anomaly)) {
    throw new RangeError(`anomaly threshold must be a finite number (got ${thresholds.anomaly})`);
  }
}
