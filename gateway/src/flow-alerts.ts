import { randomBytes } from 'node:crypto';
import {
  type FlowAlertContent,
  type FlowTuple,
  flowRef,
  millisToIso,
  parseFlowAlertContent,
  portBucket,
} from '@cityledger/core';
import type { Db } from './db';
import type { BiFlow } from './flow/biflow';
import type { Scores } from './ports';

/** The registered models an alert cites: the classifier, and the anomaly model when one scored. */
export interface AlertModels {
  readonly classifier: { readonly id: string; readonly version: string };
  readonly anomaly?: { readonly id: string; readonly version: string };
}

const SALT_KEY = 'flow_ref_salt';

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, Number.isFinite(x) ? x : 0));
}

function counter(x: number): number {
  return Number.isFinite(x) && x > 0 ? Math.round(x) : 0;
}

/**
 * Core's flow alerts from scored flows. An alert is pseudonymous: instead of addresses and ports it
 * carries `flowRef`, an HMAC of the flow's 5-tuple and start under this gateway's secret salt (made
 * once, kept in the database); the gateway keeps the tuple of every alert it raised, so it can show
 * an auditor which flow an alert is about.
 */
export class FlowAlerts {
  readonly #salt: string;
  readonly #remember;
  readonly #tuple;

  constructor(db: Db) {
    const row = db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?').get(SALT_KEY);
    if (row === undefined) {
      this.#salt = randomBytes(32).toString('hex');
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(SALT_KEY, this.#salt);
    } else {
      this.#salt = row.value;
    }
    this.#remember = db.prepare(
      'INSERT INTO flow_refs (alert_id, flow_ref, tuple) VALUES (?, ?, ?) ON CONFLICT (alert_id) DO NOTHING',
    );
    this.#tuple = db.prepare<[string], { tuple: string }>('SELECT tuple FROM flow_refs WHERE alert_id = ?');
  }

  /**
   * The alert content for a flagged flow (validated by core's rules), and the tuple it refers to.
   * Times are the flow's own (`observedAt` = its last packet). Throws INVALID_ARGUMENT for a flow
   * whose addresses or ports cannot be referenced.
   */
  content(
    gatewayId: string,
    flow: BiFlow,
    scores: Scores,
    models: AlertModels,
  ): { content: FlowAlertContent; tuple: FlowTuple } {
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
        gatewayId,
        observedAt: millisToIso(flow.endMs),
        flowStart: tuple.flowStart,
        flowRef: flowRef(this.#salt, tuple),
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

  /** Keeps the tuple of an alert (within the caller's transaction). */
  remember(alertId: string, content: FlowAlertContent, tuple: FlowTuple): void {
    this.#remember.run(alertId, content.flowRef, JSON.stringify(tuple));
  }

  /** The flow an alert of this gateway is about, if it raised it. */
  tupleOf(alertId: string): FlowTuple | undefined {
    const row = this.#tuple.get(alertId);
    return row === undefined ? undefined : (JSON.parse(row.tuple) as FlowTuple);
  }
}
