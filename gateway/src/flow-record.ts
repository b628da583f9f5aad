import {
  type DataDepartment,
  type Verdict,
  canonicalBytes,
  canonicalJson,
  millisToIso,
  sha256Hex,
} from '@cityledger/core';
import type { BiFlow } from './flow/biflow';

/**
 * The record of one scored flow. Suspicious and malicious ones go to the outbox individually (kind
 * `flow-alert`), benign ones to the local log and, through Merkle batches, to the chain.
 *
 * core has no flow record type yet: this one carries what core's batch functions read from a record
 * (`category`, `verdict`, `observedAt`), and its id and leaf bytes follow core's record rules (sha256
 * of the canonical JSON without the signature; the leaf is that canonical JSON).
 */
export interface FlowRecordContent {
  readonly gatewayId: string;
  /** `<department>/network-flows`: the department whose network the gateway watches. */
  readonly category: string;
  /** When the gateway scored the flow (ISO). The flow's own times are in `flow`. */
  readonly observedAt: string;
  readonly verdict: Verdict;
  /** Classifier attack probability in [0, 1]. */
  readonly threatScore: number;
  /** Anomaly model score, when an anomaly model is configured. */
  readonly anomalyScore?: number;
  readonly modelId: string;
  readonly modelVersion: string;
  readonly flow: BiFlow;
}

export interface FlowRecord extends FlowRecordContent {
  readonly signature: string;
}

export interface FlowScore {
  readonly threatScore: number;
  readonly anomalyScore?: number;
  readonly verdict: Verdict;
}

export interface FlowRecordContext {
  readonly gatewayId: string;
  readonly department: DataDepartment;
  readonly modelId: string;
  readonly modelVersion: string;
}

/** The category under which a department's flow records are counted in batches. */
export function flowCategory(department: DataDepartment): string {
  return `${department}/network-flows`;
}

/** Scores must survive canonical JSON: float32 values are finite; anything else is clamped to 0. */
function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}

export function flowRecordContent(
  ctx: FlowRecordContext,
  flow: BiFlow,
  score: FlowScore,
  observedAtMs: number,
): FlowRecordContent {
  return {
    gatewayId: ctx.gatewayId,
    category: flowCategory(ctx.department),
    observedAt: millisToIso(observedAtMs),
    verdict: score.verdict,
    threatScore: Math.min(1, Math.max(0, finite(score.threatScore))),
    ...(score.anomalyScore === undefined ? {} : { anomalyScore: finite(score.anomalyScore) }),
    modelId: ctx.modelId,
    modelVersion: ctx.modelVersion,
    flow: { ...flow },
  };
}

/** The canonical JSON of the content (what a batch leaf is, and what the id hashes). */
export function flowLeafJson(content: FlowRecordContent): string {
  return canonicalJson(content);
}

/** sha256 (hex) of the canonical content: core's record-id rule applied to a flow record. */
export function flowRecordId(content: FlowRecordContent): string {
  return sha256Hex(canonicalBytes(content));
}

/** The id from the leaf JSON already computed (`flowLeafJson`): the same hash, one encoding less. */
export function flowRecordIdOfLeaf(leafJson: string): string {
  return sha256Hex(leafJson);
}
