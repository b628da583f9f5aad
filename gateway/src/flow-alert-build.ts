import {
  ATTESTATION_CONTEXT,
  CityLedgerError,
  type FlowAlertContent,
  type FlowTuple,
  LIMITS,
  flowRef,
  millisToIso,
  parseFlowAlertContent,
  portBucket,
  sha256Hex,
} from '@cityledger/core';
import type { BiFlow } from './flow/biflow';
import type { Scores } from './ports';
import { signedJson } from './signed-json';

// What a flagged flow becomes, from its flow and scores to the outbox row's parts: the same code on the
// main thread and in the scoring worker (flow-alert-task.ts). Imports only core and ./signed-json at run
// time (the rest are types), so the worker can load it from gateway/dist and from the sources.

/** The registered models an alert cites: the classifier, and the anomaly model when one scored. */
export interface AlertModels {
  readonly classifier: { readonly id: string; readonly version: string };
  readonly anomaly?: { readonly id: string; readonly version: string };
}

/** What every alert of this gateway shares. `salt` is the flow-reference salt (flow-alerts.ts). */
export interface AlertContext {
  readonly gatewayId: string;
  readonly salt: string;
  readonly models: AlertModels;
}

/** The fields of a flow an alert reads. */
export type AlertFlow = Pick<
  BiFlow,
  | 'startMs'
  | 'endMs'
  | 'protocol'
  | 'srcAddr'
  | 'srcPort'
  | 'dstAddr'
  | 'dstPort'
  | 'fwdBytes'
  | 'fwdPackets'
  | 'revBytes'
  | 'revPackets'
>;

/** The scores an alert reads. */
export type AlertScores = Pick<Scores, 'attackProbability' | 'anomalyScore' | 'verdict'>;

/** A flow alert ready for the outbox: the row's id and payload, and the flow reference kept at the edge. */
export interface BuiltAlert {
  /** sha256 of the canonical content (core's flowAlertId). */
  readonly id: string;
  /** Canonical JSON of the signed alert. */
  readonly payload: string;
  /** Malicious alerts go out before anything else queued (outbox priority). */
  readonly urgent: boolean;
  readonly flowRef: string;
  /** JSON of the FlowTuple behind flowRef, as the gateway keeps it. */
  readonly tuple: string;
}

/** An alert between its content and its signature. */
export interface UnsignedAlert {
  readonly content: FlowAlertContent;
  readonly tuple: FlowTuple;
  /** The bytes to sign: core's attestation message (context line, canonical content). */
  readonly message: Buffer;
  /** Completes the alert with the signature of `message`. Throws PAYLOAD_TOO_LARGE past core's limit. */
  readonly sign: (signature: string) => BuiltAlert;
}

const ALERT_CONTEXT_LINE = Buffer.from(`${ATTESTATION_CONTEXT.flowAlert}\n`, 'utf8');

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0));
}

function counter(x: number): number {
  return Number.isFinite(x) && x > 0 ? Math.round(x) : 0;
}

/**
 * The alert content for a flagged flow (validated by core's rules), and the tuple it refers to.
 * Times are the flow's own (`observedAt` = its last packet). Throws INVALID_ARGUMENT for a flow whose
 * addresses or ports cannot be referenced.
 */
export function alertContent(
  ctx: AlertContext,
  flow: AlertFlow,
  scores: AlertScores,
): { content: FlowAlertContent; tuple: FlowTuple } {
  const { models } = ctx;
  const start = Math.min(flow.startMs, flow.endMs);
  const tuple: FlowTuple = {
    protocol: flow.protocol,
    srcAddr: flow.srcAddr,
    srcPort: flow.srcPort,
    dstAddr: flow.dstAddr,
    dstPort: flow.dstPort,
    flowStart: millisToIso(start),
  };
  const anomaly =
    models.anomaly !== undefined && scores.anomalyScore !== undefined
      ? {
          // Scores above 1 are clamped: the rule compares with a registered threshold <= 1, so the verdict is the same.
          anomalyScore: clamp01(scores.anomalyScore),
          anomalyModelId: models.anomaly.id,
          anomalyModelVersion: models.anomaly.version,
        }
      : {};
  const content = parseFlowAlertContent(
    {
      gatewayId: ctx.gatewayId,
      observedAt: millisToIso(flow.endMs),
      flowStart: tuple.flowStart,
      flowRef: flowRef(ctx.salt, tuple),
      protocol: flow.protocol,
      dstPortBucket: portBucket(flow.protocol, flow.dstPort),
      fwdBytes: counter(flow.fwdBytes),
      fwdPackets: counter(flow.fwdPackets),
      revBytes: counter(flow.revBytes),
      revPackets: counter(flow.revPackets),
      threatScore: clamp01(scores.attackProbability),
      verdict: scores.verdict,
      modelId: models.classifier.id,
      modelVersion: models.classifier.version,
      ...anomaly,
    },
    'alert',
  );
  return { content, tuple };
}

/**
 * A flagged flow's alert up to its signature. The content was validated by parseFlowAlertContent; one
 * canonical encoding gives its bytes, which serve as the id (core's flowAlertId) and, behind the
 * context line, as the signed message, and the payload with the signature.
 */
export function unsignedAlert(ctx: AlertContext, flow: AlertFlow, scores: AlertScores): UnsignedAlert {
  const { content, tuple } = alertContent(ctx, flow, scores);
  const encoded = signedJson(content);
  const bytes = Buffer.from(encoded.content, 'utf8');
  return {
    content,
    tuple,
    message: Buffer.concat([ALERT_CONTEXT_LINE, bytes]),
    sign: (signature) => {
      const payload = encoded.withSignature(signature);
      if (Buffer.byteLength(payload) > LIMITS.maxRecordBytes) {
        throw new CityLedgerError('PAYLOAD_TOO_LARGE', `flow alert exceeds ${LIMITS.maxRecordBytes} bytes`);
      }
      return {
        id: sha256Hex(bytes),
        payload,
        urgent: content.verdict === 'malicious',
        flowRef: content.flowRef,
        tuple: JSON.stringify(tuple),
      };
    },
  };
}
