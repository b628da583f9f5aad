import { createHmac } from 'node:crypto';
import { isIP } from 'node:net';
import { SIGNATURE, withoutSignature } from './attestation';
import { canonicalBytes, canonicalJson } from './canonical';
import { type DataDepartment, LIMITS, type Verdict } from './constants';
import { CityLedgerError, type ErrorCode } from './errors';
import { isSha256Hex, sha256Hex } from './hash';
import { MODEL_VERSION, type ModelThresholds, verdictFor } from './model';
import { isIsoTimestamp } from './time';
import { invalid, ObjectReader, SLUG } from './validate';

/**
 * Flow alerts: one suspicious or malicious network flow, scored at the edge and committed on its own
 * (benign flows go into Merkle batches instead). Pseudonymous: no address or exact port goes on chain;
 * `flowRef` lets the gateway, which keeps the mapping, find the flow again.
 */

/** Only flagged flows become alerts; a benign flow is never an individual record. */
export const FLOW_ALERT_VERDICTS = ['suspicious', 'malicious'] as const;
export type FlowAlertVerdict = (typeof FLOW_ALERT_VERDICTS)[number];

/**
 * The responder-port buckets of the feature spec (models/feature-spec.json, features `dport_*`):
 * `none` when the protocol has no ports (not TCP, UDP or SCTP) or the port is outside 1..65535.
 */
export const PORT_BUCKETS = ['none', 'well-known', 'registered', 'dynamic'] as const;
export type PortBucket = (typeof PORT_BUCKETS)[number];

/** Protocols whose responder port is meaningful (feature spec `portProtocols`: TCP, UDP, SCTP). */
export const PORT_PROTOCOLS: readonly number[] = [6, 17, 132];

/** The feature spec's bucket of a responder port. */
export function portBucket(protocol: number, dstPort: number): PortBucket {
  if (!PORT_PROTOCOLS.includes(protocol) || !Number.isInteger(dstPort) || dstPort < 1 || dstPort > 65535) {
    return 'none';
  }
  if (dstPort <= 1023) {
    return 'well-known';
  }
  return dstPort <= 49151 ? 'registered' : 'dynamic';
}

/** One flagged flow, without its signature. */
export interface FlowAlertContent {
  readonly gatewayId: string;
  /** The gateway's registered zone; optional, but when present it must be the registered one. */
  readonly zone?: string;
  /** End of the flow (last packet of either direction). */
  readonly observedAt: string;
  /** Start of the flow (first packet); not after `observedAt`. */
  readonly flowStart: string;
  /** `flowRef(salt, tuple)`: keyed hash of the 5-tuple and start time; the gateway keeps the mapping. */
  readonly flowRef: string;
  /** IANA protocol number. */
  readonly protocol: number;
  /** `portBucket(protocol, dstPort)`; `none` for protocols without ports. */
  readonly dstPortBucket: PortBucket;
  /** Initiator to responder (forward) and back (reverse), IP-layer bytes and packets. */
  readonly fwdBytes: number;
  readonly fwdPackets: number;
  readonly revBytes: number;
  readonly revPackets: number;
  /** Classifier attack probability in [0, 1], as returned by the model (float32 widened to double). */
  readonly threatScore: number;
  /** Anomaly score in [0, 1]; present exactly when `anomalyModelId`/`anomalyModelVersion` are. */
  readonly anomalyScore?: number;
  /** `flowVerdict` of the scores under the registered thresholds of both models. */
  readonly verdict: FlowAlertVerdict;
  /** The classifier (model kind `classifier`). */
  readonly modelId: string;
  readonly modelVersion: string;
  /** The anomaly model (kind `anomaly`), when one scored the flow. */
  readonly anomalyModelId?: string;
  readonly anomalyModelVersion?: string;
}

/** A flow alert as submitted: content plus the gateway's attestation signature. */
export interface FlowAlert extends FlowAlertContent {
  readonly signature: string;
}

/** A flow alert as held on the ledger, with the registry facts the chain indexes it by. */
export interface FlowAlertEntry {
  readonly id: string;
  readonly alert: FlowAlert;
  /** The gateway's department: the department that sees the alert (besides audit). */
  readonly department: DataDepartment;
  /** The gateway's registered zone. */
  readonly zone: string;
  readonly recordedAt: string;
  readonly txId: string;
}

/** What `exchange:recordFlowAlert` returns. */
export interface FlowAlertOutcome {
  /** True when the same alert (same id) was already stored: the stored entry is returned. */
  readonly duplicate: boolean;
  readonly entry: FlowAlertEntry;
}

/** One alert of a `recordFlowAlerts` call: stored (now or before), or refused with a code. */
export type FlowAlertItemResult =
  | { readonly id: string; readonly stored: true; readonly duplicate: boolean }
  | {
      /** The alert's id, when it parsed far enough to have one. */
      readonly id?: string;
      readonly stored: false;
      readonly code: ErrorCode;
      readonly detail: string;
    };

/**
 * What `exchange:recordFlowAlerts` returns: one result per alert, in argument order. An alert that
 * fails a check is refused alone; the others are stored in the same transaction.
 */
export interface FlowAlertsOutcome {
  readonly results: readonly FlowAlertItemResult[];
}

/** What the verdict rule reads: the scores of one flow. */
export interface FlowScores {
  readonly threatScore: number;
  readonly anomalyScore?: number;
}

/**
 * The verdict rule of models/feature-spec.json: malicious if threatScore >= classifier.malicious;
 * else suspicious if threatScore >= classifier.suspicious or anomalyScore >= anomaly.suspicious;
 * else benign. The anomaly model never makes a flow malicious (its registered `malicious` threshold
 * is not used); without an anomaly score or model the anomaly clause is false.
 */
export function flowVerdict(
  scores: FlowScores,
  classifier: ModelThresholds,
  anomaly?: ModelThresholds,
): Verdict {
  const byClassifier = verdictFor(scores.threatScore, classifier);
  if (byClassifier !== 'benign') {
    return byClassifier;
  }
  const anomalous =
    scores.anomalyScore !== undefined && anomaly !== undefined && scores.anomalyScore >= anomaly.suspicious;
  return anomalous ? 'suspicious' : 'benign';
}

function checkAlertRules(content: FlowAlertContent, path: string): void {
  if (content.flowStart > content.observedAt) {
    invalid(`${path}.flowStart`, 'must not be after observedAt (the end of the flow)');
  }
  if (!PORT_PROTOCOLS.includes(content.protocol) && content.dstPortBucket !== 'none') {
    invalid(`${path}.dstPortBucket`, `must be none for protocol ${content.protocol} (no ports)`);
  }
  const anomalyFields = [content.anomalyScore, content.anomalyModelId, content.anomalyModelVersion];
  const present = anomalyFields.filter((f) => f !== undefined).length;
  if (present !== 0 && present !== anomalyFields.length) {
    invalid(`${path}.anomalyScore`, 'anomalyScore, anomalyModelId and anomalyModelVersion go together');
  }
  if (content.anomalyModelId === content.modelId && content.anomalyModelVersion === content.modelVersion) {
    invalid(`${path}.anomalyModelId`, 'must name another model than the classifier');
  }
}

function counter(r: ObjectReader, name: string): number {
  return r.integer(name, 0, Number.MAX_SAFE_INTEGER);
}

function readAnomaly(r: ObjectReader): Partial<FlowAlertContent> {
  const anomalyScore = r.optional('anomalyScore') ? r.number('anomalyScore', 0, 1) : undefined;
  const anomalyModelId = r.optionalString('anomalyModelId', SLUG, 64);
  const anomalyModelVersion = r.optionalString('anomalyModelVersion', MODEL_VERSION, 20);
  return {
    ...(anomalyScore === undefined ? {} : { anomalyScore }),
    ...(anomalyModelId === undefined ? {} : { anomalyModelId }),
    ...(anomalyModelVersion === undefined ? {} : { anomalyModelVersion }),
  };
}

function readContent(r: ObjectReader): FlowAlertContent {
  const zone = r.optionalString('zone', SLUG, 64);
  return {
    gatewayId: r.string('gatewayId', SLUG, 64),
    ...(zone === undefined ? {} : { zone }),
    observedAt: r.timestamp('observedAt'),
    flowStart: r.timestamp('flowStart'),
    flowRef: r.sha256('flowRef'),
    protocol: r.integer('protocol', 0, 255),
    dstPortBucket: r.oneOf('dstPortBucket', PORT_BUCKETS),
    fwdBytes: counter(r, 'fwdBytes'),
    fwdPackets: counter(r, 'fwdPackets'),
    revBytes: counter(r, 'revBytes'),
    revPackets: counter(r, 'revPackets'),
    threatScore: r.number('threatScore', 0, 1),
    verdict: r.oneOf('verdict', FLOW_ALERT_VERDICTS),
    modelId: r.string('modelId', SLUG, 64),
    modelVersion: r.string('modelVersion', MODEL_VERSION, 20),
    ...readAnomaly(r),
  };
}

/** Validates a signed flow alert: types, formats, sizes, unknown fields, cross-field rules. */
export function parseFlowAlert(value: unknown, path = 'alert'): FlowAlert {
  const r = new ObjectReader(value, path);
  const alert: FlowAlert = { ...readContent(r), signature: r.string('signature', SIGNATURE, 88) };
  r.done();
  checkAlertRules(alert, path);
  if (canonicalBytes(alert).length > LIMITS.maxRecordBytes) {
    throw new CityLedgerError('PAYLOAD_TOO_LARGE', `${path} exceeds ${LIMITS.maxRecordBytes} bytes`);
  }
  return alert;
}

/** Validates unsigned flow-alert content (what a gateway is about to sign). */
export function parseFlowAlertContent(value: unknown, path = 'alert'): FlowAlertContent {
  const r = new ObjectReader(value, path);
  const content = readContent(r);
  r.done();
  checkAlertRules(content, path);
  return content;
}

/** The alert without its signature. */
export function flowAlertContent(alert: FlowAlertContent | FlowAlert): FlowAlertContent {
  return withoutSignature(alert as FlowAlert);
}

/** Alert id: sha256 (hex) of the canonical content without the signature. Re-signing keeps the id. */
export function flowAlertId(alert: FlowAlertContent | FlowAlert): string {
  return sha256Hex(canonicalBytes(flowAlertContent(alert)));
}

/** The identity of a flow as the gateway saw it. Never goes on chain. */
export interface FlowTuple {
  readonly protocol: number;
  /** Canonical text: dotted quad, or RFC 5952 for IPv6 (lower case, `::` for the longest zero run). */
  readonly srcAddr: string;
  readonly srcPort: number;
  readonly dstAddr: string;
  readonly dstPort: number;
  /** The flow's first packet (the alert's `flowStart`). */
  readonly flowStart: string;
}

const FLOW_REF_CONTEXT = 'cityledger/flow-ref/v1\n';

function checkTuple(tuple: FlowTuple): void {
  const port = (p: number): boolean => Number.isInteger(p) && p >= 0 && p <= 65535;
  if (!Number.isInteger(tuple.protocol) || tuple.protocol < 0 || tuple.protocol > 255) {
    invalid('tuple.protocol', 'must be an integer from 0 to 255');
  }
  if (isIP(tuple.srcAddr) === 0 || isIP(tuple.dstAddr) === 0) {
    invalid('tuple', 'addresses must be IPv4 or IPv6 text');
  }
  if (!port(tuple.srcPort) || !port(tuple.dstPort)) {
    invalid('tuple', 'ports must be integers from 0 to 65535');
  }
  if (!isIsoTimestamp(tuple.flowStart)) {
    invalid('tuple.flowStart', 'must be an ISO-8601 UTC timestamp');
  }
}

/**
 * The pseudonymous reference of a flow: HMAC-SHA256 keyed with the gateway's secret salt (32 bytes,
 * hex; one per gateway, kept at the edge) over `"cityledger/flow-ref/v1\n" + canonicalJson(tuple)`.
 * Without the salt, nobody can test guessed addresses against it; with it, the gateway (which also
 * keeps the mapping locally) can show an auditor which flow an alert is about.
 */
export function flowRef(saltHex: string, tuple: FlowTuple): string {
  if (!isSha256Hex(saltHex)) {
    invalid('salt', 'must be 32 bytes as 64 lowercase hex characters');
  }
  checkTuple(tuple);
  const canonical = canonicalJson({
    protocol: tuple.protocol,
    srcAddr: tuple.srcAddr,
    srcPort: tuple.srcPort,
    dstAddr: tuple.dstAddr,
    dstPort: tuple.dstPort,
    flowStart: tuple.flowStart,
  });
  return createHmac('sha256', Buffer.from(saltHex, 'hex'))
    .update(FLOW_REF_CONTEXT + canonical, 'utf8')
    .digest('hex');
}
