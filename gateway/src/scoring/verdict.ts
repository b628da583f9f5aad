import { flowVerdict, type ModelThresholds, type Verdict } from '@cityledger/core';

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
   * The score an exchange record cites as `threatScore`: the attack probability, raised to the
   * classifier's `suspicious` threshold when only the anomaly clause made the flow suspicious. So
   * `verdictFor(threatScore, thresholds.classifier) === verdict` always holds, which is what
   * `exchange:recordExchange` checks (it knows only the cited classifier). A flow alert instead cites
   * the raw attack probability and anomaly score: `recordFlowAlert` re-applies the two-model rule.
   */
  readonly threatScore: number;
}

/**
 * The verdict rule: malicious if attackProbability >= classifier.malicious; else suspicious if
 * attackProbability >= classifier.suspicious or anomalyScore >= anomaly; else benign. This is core's
 * `flowVerdict` (what the chain applies to flow alerts), itself built on `verdictFor`; an absent anomaly
 * score or threshold leaves the anomaly clause false. Comparisons are on the float32 values onnxruntime
 * returns, widened to double (as the chain does).
 */
export function combineVerdict(
  attackProbability: number,
  anomalyScore: number | undefined,
  thresholds: VerdictThresholds,
): FlowVerdict {
  const verdict = flowVerdict(
    { threatScore: attackProbability, ...(anomalyScore === undefined ? {} : { anomalyScore }) },
    thresholds.classifier,
    // flowVerdict reads only the anomaly model's `suspicious` threshold: it never makes a flow malicious.
    thresholds.anomaly === undefined
      ? undefined
      : { suspicious: thresholds.anomaly, malicious: Number.POSITIVE_INFINITY },
  );
  const raised = verdict === 'suspicious' && attackProbability < thresholds.classifier.suspicious;
  return { verdict, threatScore: raised ? thresholds.classifier.suspicious : attackProbability };
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
