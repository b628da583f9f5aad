import type Database from 'better-sqlite3';
import { VERDICTS, type Verdict } from '@cityledger/core';
import { zoneRisk, type RiskBucket, type RiskSettings, type ZoneRisk } from './risk';

/** A time window cut into equal buckets. */
export interface Window {
  readonly fromMs: number;
  readonly toMs: number;
  readonly bucketMs: number;
}

export function bucketCount(w: Window): number {
  return Math.max(1, Math.ceil((w.toMs - w.fromMs) / w.bucketMs));
}

export function bucketStarts(w: Window): string[] {
  return Array.from({ length: bucketCount(w) }, (_, i) => new Date(w.fromMs + i * w.bucketMs).toISOString());
}

export interface Volume {
  readonly buckets: readonly string[];
  /** Individually recorded exchanges per verdict per bucket. */
  readonly records: Readonly<Record<Verdict, number[]>>;
  readonly denied: readonly number[];
  /** Flows anchored in batches per verdict per bucket (by the batch's last observation). */
  readonly batched: Readonly<Record<Verdict, number[]>>;
  /** Flagged flows committed one by one as flow alerts, per verdict per bucket. */
  readonly alerts: Readonly<Record<Verdict, number[]>>;
}

export interface Totals {
  readonly records: number;
  readonly allowed: number;
  readonly denied: number;
  readonly benign: number;
  readonly suspicious: number;
  readonly malicious: number;
  readonly incidents: number;
  readonly batches: number;
  readonly batchedFlows: number;
  readonly flowAlerts: number;
  readonly alertsSuspicious: number;
  readonly alertsMalicious: number;
  readonly erasures: number;
}

export interface ZoneTimeline {
  readonly zone: string;
  readonly gateways: readonly string[];
  readonly suspicious: readonly number[];
  readonly malicious: readonly number[];
}

function zeros(n: number): number[] {
  return new Array<number>(n).fill(0);
}

function perVerdict(n: number): Record<Verdict, number[]> {
  return { benign: zeros(n), suspicious: zeros(n), malicious: zeros(n) };
}

type Row = Record<string, unknown>;

/** The dashboards' read side of the index. Every query is bounded by a window or a limit. */
export class IndexQueries {
  readonly #db: Database.Database;

  constructor(db: Database.Database) {
    this.#db = db;
  }

  #all(sql: string, ...params: unknown[]): Row[] {
    return this.#db.prepare(sql).all(...params) as Row[];
  }

  volume(w: Window): Volume {
    const n = bucketCount(w);
    const records = perVerdict(n);
    const denied = zeros(n);
    const batched = perVerdict(n);
    const rows = this.#all(
      `SELECT CAST((observed_ms - ?) / ? AS INTEGER) AS b, verdict, decision, COUNT(*) AS n FROM records
       WHERE observed_ms >= ? AND observed_ms < ? GROUP BY b, verdict, decision`,
      w.fromMs,
      w.bucketMs,
      w.fromMs,
      w.toMs,
    );
    for (const r of rows) {
      const b = r.b as number;
      records[r.verdict as Verdict][b] = (records[r.verdict as Verdict][b] ?? 0) + (r.n as number);
      if (r.decision === 'deny') {
        denied[b] = (denied[b] ?? 0) + (r.n as number);
      }
    }
    const batchRows = this.#all(
      `SELECT CAST((to_ms - ?) / ? AS INTEGER) AS b, SUM(benign) AS benign, SUM(suspicious) AS suspicious, SUM(malicious) AS malicious
       FROM batches WHERE to_ms >= ? AND to_ms < ? GROUP BY b`,
      w.fromMs,
      w.bucketMs,
      w.fromMs,
      w.toMs,
    );
    for (const r of batchRows) {
      for (const v of VERDICTS) {
        batched[v][r.b as number] = r[v] as number;
      }
    }
    const alerts = perVerdict(n);
    for (const r of this.#all(
      `SELECT CAST((observed_ms - ?) / ? AS INTEGER) AS b, verdict, COUNT(*) AS n FROM flow_alerts
       WHERE observed_ms >= ? AND observed_ms < ? GROUP BY b, verdict`,
      w.fromMs,
      w.bucketMs,
      w.fromMs,
      w.toMs,
    )) {
      alerts[r.verdict as Verdict][r.b as number] = r.n as number;
    }
    return { buckets: bucketStarts(w), records, denied, batched, alerts };
  }

  totals(w: Window): Totals {
    const fromIso = new Date(w.fromMs).toISOString();
    const toIso = new Date(w.toMs).toISOString();
    const r = this.#db
      .prepare(
        `SELECT COUNT(*) AS records, SUM(decision = 'deny') AS denied, SUM(verdict = 'benign') AS benign,
         SUM(verdict = 'suspicious') AS suspicious, SUM(verdict = 'malicious') AS malicious
         FROM records WHERE observed_ms >= ? AND observed_ms < ?`,
      )
      .get(w.fromMs, w.toMs) as Row;
    const b = this.#db
      .prepare(
        'SELECT COUNT(*) AS batches, COALESCE(SUM(count), 0) AS flows FROM batches WHERE to_ms >= ? AND to_ms < ?',
      )
      .get(w.fromMs, w.toMs) as Row;
    const one = (sql: string, ...p: unknown[]): number =>
      (this.#db.prepare(sql).get(...p) as { n: number }).n;
    const fa = this.#db
      .prepare(
        `SELECT COUNT(*) AS n, SUM(verdict = 'suspicious') AS s, SUM(verdict = 'malicious') AS m FROM flow_alerts
         WHERE observed_ms >= ? AND observed_ms < ?`,
      )
      .get(w.fromMs, w.toMs) as Row;
    const records = r.records as number;
    const denied = (r.denied as number | null) ?? 0;
    return {
      records,
      allowed: records - denied,
      denied,
      benign: (r.benign as number | null) ?? 0,
      suspicious: (r.suspicious as number | null) ?? 0,
      malicious: (r.malicious as number | null) ?? 0,
      incidents: one(
        'SELECT COUNT(*) AS n FROM incidents WHERE observed_ms >= ? AND observed_ms < ?',
        w.fromMs,
        w.toMs,
      ),
      batches: b.batches as number,
      batchedFlows: b.flows as number,
      flowAlerts: fa.n as number,
      alertsSuspicious: (fa.s as number | null) ?? 0,
      alertsMalicious: (fa.m as number | null) ?? 0,
      erasures: one(
        'SELECT COUNT(*) AS n FROM erasures WHERE erased_at >= ? AND erased_at < ?',
        fromIso,
        toIso,
      ),
    };
  }

  /** Suspicious and malicious records per zone per bucket. */
  threatTimeline(w: Window): ZoneTimeline[] {
    const n = bucketCount(w);
    const zones = new Map<string, { gateways: Set<string>; suspicious: number[]; malicious: number[] }>();
    const rows = this.#all(
      `SELECT zone, gateway, CAST((observed_ms - ?) / ? AS INTEGER) AS b, verdict, COUNT(*) AS n FROM (
         SELECT zone, gateway, observed_ms, verdict FROM records
         WHERE verdict IN ('suspicious', 'malicious') AND observed_ms >= ? AND observed_ms < ?
         UNION ALL
         SELECT zone, gateway, observed_ms, verdict FROM flow_alerts WHERE observed_ms >= ? AND observed_ms < ?)
       GROUP BY zone, gateway, b, verdict`,
      w.fromMs,
      w.bucketMs,
      w.fromMs,
      w.toMs,
      w.fromMs,
      w.toMs,
    );
    for (const r of rows) {
      const zone = r.zone as string;
      const z = zones.get(zone) ?? { gateways: new Set<string>(), suspicious: zeros(n), malicious: zeros(n) };
      z.gateways.add(r.gateway as string);
      const series = r.verdict === 'malicious' ? z.malicious : z.suspicious;
      series[r.b as number] = (series[r.b as number] ?? 0) + (r.n as number);
      zones.set(zone, z);
    }
    return [...zones]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([zone, z]) => ({
        zone,
        gateways: [...z.gateways].sort(),
        suspicious: z.suspicious,
        malicious: z.malicious,
      }));
  }

  /** Per-zone flows and flagged flows per bucket (records and batches), with Holt's forecast. */
  risk(w: Window, settings: RiskSettings): ZoneRisk[] {
    const n = bucketCount(w);
    const zones = new Map<string, { total: number[]; flagged: number[] }>();
    const add = (zone: string, b: number, total: number, flagged: number): void => {
      const z = zones.get(zone) ?? { total: zeros(n), flagged: zeros(n) };
      z.total[b] = (z.total[b] ?? 0) + total;
      z.flagged[b] = (z.flagged[b] ?? 0) + flagged;
      zones.set(zone, z);
    };
    for (const r of this.#all(
      `SELECT zone, CAST((observed_ms - ?) / ? AS INTEGER) AS b, COUNT(*) AS total, SUM(verdict != 'benign') AS flagged FROM records
       WHERE observed_ms >= ? AND observed_ms < ? GROUP BY zone, b`,
      w.fromMs,
      w.bucketMs,
      w.fromMs,
      w.toMs,
    )) {
      add(r.zone as string, r.b as number, r.total as number, r.flagged as number);
    }
    for (const r of this.#all(
      `SELECT zone, CAST((to_ms - ?) / ? AS INTEGER) AS b, SUM(count) AS total, SUM(suspicious + malicious) AS flagged FROM batches
       WHERE to_ms >= ? AND to_ms < ? GROUP BY zone, b`,
      w.fromMs,
      w.bucketMs,
      w.fromMs,
      w.toMs,
    )) {
      add(r.zone as string, r.b as number, r.total as number, r.flagged as number);
    }
    // Flow alerts are flagged flows by definition: benign flows go into batches.
    for (const r of this.#all(
      `SELECT zone, CAST((observed_ms - ?) / ? AS INTEGER) AS b, COUNT(*) AS n FROM flow_alerts
       WHERE observed_ms >= ? AND observed_ms < ? GROUP BY zone, b`,
      w.fromMs,
      w.bucketMs,
      w.fromMs,
      w.toMs,
    )) {
      add(r.zone as string, r.b as number, r.n as number, r.n as number);
    }
    const starts = bucketStarts(w);
    return [...zones]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([zone, z]) => {
        const buckets: RiskBucket[] = starts.map((start, i) => ({
          start,
          total: z.total[i] ?? 0,
          flagged: z.flagged[i] ?? 0,
        }));
        return zoneRisk(zone, buckets, settings);
      });
  }

  denials(limit: number): Row[] {
    return this.#all(
      `SELECT id, observed_at, gateway, zone, source, consumer, category, purpose, verdict, deny_reason, policy_version
       FROM records WHERE decision = 'deny' ORDER BY observed_ms DESC LIMIT ?`,
      limit,
    );
  }

  incidents(limit: number): Row[] {
    return this.#all('SELECT * FROM incidents ORDER BY detected_at DESC LIMIT ?', limit);
  }

  flagged(limit: number): Row[] {
    return this.#all(
      `SELECT id, observed_at, gateway, zone, source, consumer, category, verdict, score, decision
       FROM records WHERE verdict IN ('suspicious', 'malicious') ORDER BY observed_ms DESC LIMIT ?`,
      limit,
    );
  }

  policyChanges(limit: number): Row[] {
    return this.#all(
      'SELECT category, version, owner, created_at, grants, tx_id FROM policies ORDER BY created_at DESC LIMIT ?',
      limit,
    ).map((r) => ({ ...r, grants: JSON.parse(r.grants as string) as unknown }));
  }

  /** Latest version of each gateway, with its number of versions. */
  gateways(): Row[] {
    return this.#all(
      `SELECT g.id, g.department, g.zone, g.status, g.reason, g.at, (SELECT COUNT(*) FROM gateway_versions v WHERE v.id = g.id) AS versions
       FROM gateway_versions g WHERE g.at = (SELECT MAX(at) FROM gateway_versions v WHERE v.id = g.id) ORDER BY g.at DESC, g.id`,
    );
  }

  models(): Row[] {
    return this.#all(
      `SELECT m.ref, m.kind, m.status, m.reason, m.at FROM model_versions m
       WHERE m.at = (SELECT MAX(at) FROM model_versions v WHERE v.ref = m.ref) ORDER BY m.at DESC, m.ref`,
    );
  }

  /** The latest events, newest first. */
  alerts(limit: number): Row[] {
    return this.#all(
      'SELECT seq, block, at, type, zone, gateway, record_id, json FROM alerts ORDER BY seq DESC LIMIT ?',
      limit,
    ).map((r) => ({ ...r, event: JSON.parse(r.json as string) as unknown, json: undefined }));
  }

  /** The latest flow alerts, newest first. */
  flowAlerts(limit: number): Row[] {
    return this.#all(
      `SELECT id, observed_at, gateway, zone, verdict, score, anomaly, protocol, port_bucket, model
       FROM flow_alerts ORDER BY observed_ms DESC LIMIT ?`,
      limit,
    );
  }

  recordById(id: string): Row | undefined {
    return this.#db.prepare('SELECT * FROM records WHERE id = ?').get(id) as Row | undefined;
  }

  /** Records whose id starts with a prefix (the portal's search box), newest first. */
  searchRecords(prefix: string, limit: number): Row[] {
    return this.#all(
      `SELECT id, observed_at, gateway, category, verdict, decision FROM records WHERE id >= ? AND id < ? ORDER BY observed_ms DESC LIMIT ?`,
      prefix,
      `${prefix}\u007f`,
      limit,
    );
  }

  counts(): { records: number; flowAlerts: number; batches: number; alerts: number } {
    const n = (t: string): number =>
      (this.#db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n;
    return {
      records: n('records'),
      flowAlerts: n('flow_alerts'),
      batches: n('batches'),
      alerts: n('alerts'),
    };
  }
}
