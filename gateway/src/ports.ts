import type { AccessRequest, Verdict } from '@cityledger/core';
import type { BiFlow } from './flow/biflow';

/**
 * The small interfaces the service is wired against. The libraries of gateway/src/policy,
 * gateway/src/scoring and gateway/src/flow satisfy them (service.ts adapts them); tests can give
 * simpler implementations.
 */

/** An access decision on the policy synced from the ledger; fails closed when none is known. */
export type EdgeDecision =
  | { readonly allow: true; readonly policyVersion: number }
  | {
      readonly allow: false;
      readonly reason: string;
      readonly message: string;
      /** The version decided on; undefined when no policy is known for the category. */
      readonly policyVersion: number | undefined;
    };

export interface PolicySource {
  decisionFor(request: AccessRequest, at: string): EdgeDecision;
}

/** Scores of one flow: classifier probability, optional anomaly score, and the verdict rule's result. */
export interface Scores {
  /** The classifier's attack probability, as the model returned it (what flow alerts carry). */
  readonly attackProbability: number;
  /** The anomaly model's score, when one ran. */
  readonly anomalyScore?: number;
  /** The verdict rule over both scores (models/feature-spec.json, core's flowVerdict). */
  readonly verdict: Verdict;
  /**
   * A classifier-only score whose `verdictFor` is `verdict` (raised to the suspicious threshold when
   * only the anomaly clause flagged the flow): what exchange records and benign records carry.
   */
  readonly threatScore: number;
}

export interface Scorer {
  /** Scores the flows, results in the same order. Rejects as a whole (e.g. when overloaded). */
  score(flows: readonly BiFlow[]): Promise<Scores[]>;
}

/** Where flows come from (the NetFlow/IPFIX collector, or a file for replay). */
export interface FlowSource {
  /** Starts delivering flows; resolves once listening. */
  start(onFlows: (flows: readonly BiFlow[]) => void): Promise<void>;
  /** Stops delivering and flushes what it holds (e.g. unpaired flows). */
  stop(): Promise<void>;
}
