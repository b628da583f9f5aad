import Database from 'better-sqlite3';
import {
  EVENTS,
  isoToMillis,
  type BatchEntry,
  type CityLedgerEvent,
  type ErasureRecord,
  type ExchangeEntry,
  type FlowAlertEntry,
  type GatewayEntry,
  type MismatchIncident,
  type ModelEntry,
  type PolicyEntry,
} from '@cityledger/core';
import type { ParsedBlock, ParsedTransaction } from './block-parser';
import { INDEX_VERSION, SCHEMA } from './index-schema';
import { ledgerEvents, ledgerObjects, type LedgerObject } from './ledger-objects';

/** A chaincode event as the index keeps it and the portal pushes it. */
export interface IndexedEvent {
  readonly block: number;
  readonly zone?: string;
  readonly event: CityLedgerEvent;
}

type Db = Database.Database;

/**
 * The off-chain index the portal's dashboards read: an SQLite file fed block by block, with the
 * next block to read stored in the same transaction as the block's rows (a crash never skips or
 * repeats a block). It can be deleted and rebuilt from block 0 at any time; verification never
 * reads it.
 */
export class LedgerIndex {
  readonly db: Db;
  readonly #zones = new Map<string, string>();
  readonly #insert: Record<LedgerObject['kind'] | 'event' | 'checkpoint', Database.Statement>;

  private constructor(db: Db) {
    this.db = db;
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    this.#migrate();
    this.#insert = {
      record:
        db.prepare(`INSERT OR REPLACE INTO records VALUES (@id, @observed_ms, @observed_at, @recorded_at, @block, @tx_id,
        @gateway, @zone, @source, @consumer, @category, @purpose, @verdict, @score, @decision, @deny_reason, @policy_version,
        @model, @payload_sha256, @payload_size)`),
      flowAlert:
        db.prepare(`INSERT OR REPLACE INTO flow_alerts VALUES (@id, @observed_ms, @observed_at, @recorded_at,
        @gateway, @zone, @department, @verdict, @score, @anomaly, @protocol, @port_bucket, @model, @tx_id)`),
      incident:
        db.prepare(`INSERT OR REPLACE INTO incidents VALUES (@id, @detected_at, @observed_ms, @gateway, @zone, @source,
        @consumer, @category, @policy_version, @gateway_decision, @chain_decision, @deny_reason, @tx_id)`),
      batch:
        db.prepare(`INSERT OR REPLACE INTO batches VALUES (@id, @gateway, @zone, @seq, @anchored_at, @to_ms, @count,
        @benign, @suspicious, @malicious, @root, @prev_root, @tx_id)`),
      gateway: db.prepare(
        `INSERT OR REPLACE INTO gateway_versions VALUES (@id, @department, @zone, @status, @reason, @at, @tx_id)`,
      ),
      model: db.prepare(
        `INSERT OR REPLACE INTO model_versions VALUES (@ref, @kind, @status, @reason, @at, @tx_id)`,
      ),
      policy: db.prepare(
        `INSERT OR REPLACE INTO policies VALUES (@category, @version, @owner, @created_at, @grants, @tx_id)`,
      ),
      erasure: db.prepare(
        `INSERT OR REPLACE INTO erasures VALUES (@record_id, @department, @reason, @erased_at, @tx_id)`,
      ),
      event: db.prepare(`INSERT OR IGNORE INTO alerts (block, tx_id, at, type, zone, gateway, record_id, json)
        VALUES (@block, @tx_id, @at, @type, @zone, @gateway, @record_id, @json)`),
      checkpoint: db.prepare(`INSERT OR REPLACE INTO meta VALUES ('next_block', @next)`),
    };
    for (const row of db.prepare('SELECT id, zone FROM gateway_versions ORDER BY at').all() as {
      id: string;
      zone: string;
    }[]) {
      this.#zones.set(row.id, row.zone);
    }
  }

  /** Opens (creating if needed) the index at `file`; ':memory:' for a throwaway one. */
  static open(file: string): LedgerIndex {
    return new LedgerIndex(new Database(file));
  }

  #migrate(): void {
    const hasMeta = this.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'meta'")
      .get();
    const version =
      hasMeta === undefined
        ? undefined
        : (this.db.prepare("SELECT value FROM meta WHERE key = 'version'").get() as
            | { value: string }
            | undefined);
    if (version !== undefined && version.value !== String(INDEX_VERSION)) {
      this.#dropAll();
    }
    this.db.exec(SCHEMA);
    this.db.prepare("INSERT OR REPLACE INTO meta VALUES ('version', ?)").run(String(INDEX_VERSION));
  }

  #dropAll(): void {
    const tables = this.db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .all() as { name: string }[];
    for (const { name } of tables) {
      this.db.exec(`DROP TABLE IF EXISTS "${name}"`);
    }
  }

  /** Empties the index; the next sync starts again from block 0. */
  reset(): void {
    this.db.transaction(() => {
      this.#dropAll();
      this.db.exec(SCHEMA);
      this.db.prepare("INSERT OR REPLACE INTO meta VALUES ('version', ?)").run(String(INDEX_VERSION));
    })();
    this.#zones.clear();
  }

  /** The next block to read (0 for an empty index). */
  nextBlock(): bigint {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'next_block'").get() as
      | { value: string }
      | undefined;
    return row === undefined ? 0n : BigInt(row.value);
  }

  /** The data hash of the last block applied ('' when unknown). */
  lastDataHash(): string {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'last_data_hash'").get() as
      | { value: string }
      | undefined;
    return row?.value ?? '';
  }

  zoneOf(gatewayId: string): string {
    return this.#zones.get(gatewayId) ?? 'unknown';
  }

  /** Adds a block's objects and events and moves the checkpoint past it, atomically. */
  apply(block: ParsedBlock): IndexedEvent[] {
    const events: IndexedEvent[] = [];
    this.db.transaction(() => {
      for (const tx of block.transactions) {
        for (const object of ledgerObjects(tx)) {
          this.#put(object, tx, Number(block.number));
        }
        for (const event of ledgerEvents(tx)) {
          const gateway = eventGateway(event);
          const zone = gateway === undefined ? undefined : this.zoneOf(gateway);
          const info = this.#insert.event.run({
            block: Number(block.number),
            tx_id: tx.txId,
            at: event.at,
            type: event.type,
            zone: zone ?? null,
            gateway: gateway ?? null,
            record_id: 'recordId' in event ? event.recordId : null,
            json: JSON.stringify(event),
          });
          if (info.changes > 0) {
            events.push({ block: Number(block.number), ...(zone === undefined ? {} : { zone }), event });
          }
        }
      }
      this.#insert.checkpoint.run({ next: (block.number + 1n).toString() });
      this.db.prepare("INSERT OR REPLACE INTO meta VALUES ('last_data_hash', ?)").run(block.dataHash ?? '');
    })();
    return events;
  }

  #put(object: LedgerObject, tx: ParsedTransaction, block: number): void {
    switch (object.kind) {
      case 'record':
        this.#insert.record.run(this.#recordRow(object.value, block));
        return;
      case 'incident':
        this.#insert.incident.run(this.#incidentRow(object.value));
        return;
      case 'flowAlert':
        this.#insert.flowAlert.run(flowAlertRow(object.value));
        return;
      case 'batch':
        this.#insert.batch.run(this.#batchRow(object.value));
        return;
      case 'gateway':
        this.#putGateway(object.value, tx);
        return;
      case 'model':
        this.#insert.model.run(modelRow(object.value, tx));
        return;
      case 'policy':
        this.#insert.policy.run(policyRow(object.value));
        return;
      case 'erasure':
        this.#insert.erasure.run(erasureRow(object.value));
        return;
    }
  }

  #putGateway(g: GatewayEntry, tx: ParsedTransaction): void {
    this.#zones.set(g.id, g.zone);
    this.#insert.gateway.run({
      id: g.id,
      department: g.department,
      zone: g.zone,
      status: g.status,
      reason: g.statusReason ?? null,
      at: tx.timestamp,
      tx_id: tx.txId,
    });
  }

  #recordRow(e: ExchangeEntry, block: number): Record<string, unknown> {
    const r = e.record;
    return {
      id: e.id,
      observed_ms: isoToMillis(r.observedAt),
      observed_at: r.observedAt,
      recorded_at: e.recordedAt,
      block,
      tx_id: e.txId,
      gateway: r.gatewayId,
      zone: this.zoneOf(r.gatewayId),
      source: r.sourceDepartment,
      consumer: r.consumerDepartment,
      category: r.category,
      purpose: r.purpose,
      verdict: r.verdict,
      score: r.threatScore,
      decision: r.decision,
      deny_reason: e.denyReason ?? null,
      policy_version: r.policyVersion,
      model: `${r.modelId}@${r.modelVersion}`,
      payload_sha256: r.payloadSha256,
      payload_size: r.payloadSize,
    };
  }

  #incidentRow(i: MismatchIncident): Record<string, unknown> {
    const r = i.record;
    return {
      id: i.id,
      detected_at: i.detectedAt,
      observed_ms: isoToMillis(r.observedAt),
      gateway: r.gatewayId,
      zone: this.zoneOf(r.gatewayId),
      source: r.sourceDepartment,
      consumer: r.consumerDepartment,
      category: r.category,
      policy_version: r.policyVersion,
      gateway_decision: i.gatewayDecision,
      chain_decision: i.chainDecision,
      deny_reason: i.denyReason ?? null,
      tx_id: i.txId,
    };
  }

  #batchRow(b: BatchEntry): Record<string, unknown> {
    return {
      id: b.id,
      gateway: b.batch.gatewayId,
      zone: this.zoneOf(b.batch.gatewayId),
      seq: b.seq,
      anchored_at: b.anchoredAt,
      to_ms: isoToMillis(b.batch.toTime),
      count: b.batch.count,
      benign: b.batch.verdictCounts.benign,
      suspicious: b.batch.verdictCounts.suspicious,
      malicious: b.batch.verdictCounts.malicious,
      root: b.batch.root,
      prev_root: b.batch.prevRoot,
      tx_id: b.txId,
    };
  }

  close(): void {
    this.db.close();
  }
}

function flowAlertRow(e: FlowAlertEntry): Record<string, unknown> {
  const a = e.alert;
  return {
    id: e.id,
    observed_ms: isoToMillis(a.observedAt),
    observed_at: a.observedAt,
    recorded_at: e.recordedAt,
    gateway: a.gatewayId,
    zone: e.zone,
    department: e.department,
    verdict: a.verdict,
    score: a.threatScore,
    anomaly: a.anomalyScore ?? null,
    protocol: a.protocol,
    port_bucket: a.dstPortBucket,
    model: `${a.modelId}@${a.modelVersion}`,
    tx_id: e.txId,
  };
}

function modelRow(m: ModelEntry, tx: ParsedTransaction): Record<string, unknown> {
  return {
    ref: `${m.id}@${m.version}`,
    kind: m.kind,
    status: m.status,
    reason: m.retiredReason ?? null,
    at: tx.timestamp,
    tx_id: tx.txId,
  };
}

function policyRow(p: PolicyEntry): Record<string, unknown> {
  return {
    category: p.category,
    version: p.version,
    owner: p.owner,
    created_at: p.createdAt,
    grants: JSON.stringify(p.grants),
    tx_id: p.txId,
  };
}

function erasureRow(e: ErasureRecord): Record<string, unknown> {
  return {
    record_id: e.recordId,
    department: e.department,
    reason: e.reason,
    erased_at: e.erasedAt,
    tx_id: e.txId,
  };
}

/** The gateway an event is about: its own field, or for a flow-alerts event that of its alerts. */
function eventGateway(event: CityLedgerEvent): string | undefined {
  if ('gatewayId' in event) {
    return event.gatewayId;
  }
  return event.type === EVENTS.flowAlerts ? event.alerts[0]?.gatewayId : undefined;
}
