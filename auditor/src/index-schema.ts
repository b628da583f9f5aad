/** Schema of the off-chain index. Bump INDEX_VERSION on any change: an older index is rebuilt. */
export const INDEX_VERSION = 3;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
  id TEXT PRIMARY KEY,
  observed_ms INTEGER NOT NULL,
  observed_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  block INTEGER NOT NULL,
  tx_id TEXT NOT NULL,
  gateway TEXT NOT NULL,
  zone TEXT NOT NULL,
  source TEXT NOT NULL,
  consumer TEXT NOT NULL,
  category TEXT NOT NULL,
  purpose TEXT NOT NULL,
  verdict TEXT NOT NULL,
  score REAL NOT NULL,
  decision TEXT NOT NULL,
  deny_reason TEXT,
  policy_version INTEGER NOT NULL,
  model TEXT NOT NULL,
  payload_sha256 TEXT NOT NULL,
  payload_size INTEGER NOT NULL
);
-- Covers the dashboards' aggregates over a time window without reading the table.
CREATE INDEX IF NOT EXISTS records_time ON records (observed_ms, zone, verdict, decision, gateway);
CREATE INDEX IF NOT EXISTS records_zone_time ON records (zone, observed_ms);
CREATE INDEX IF NOT EXISTS records_denied ON records (decision, observed_ms);
CREATE INDEX IF NOT EXISTS records_flagged ON records (verdict, observed_ms);
CREATE TABLE IF NOT EXISTS flow_alerts (
  id TEXT PRIMARY KEY,
  observed_ms INTEGER NOT NULL,
  observed_at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  gateway TEXT NOT NULL,
  zone TEXT NOT NULL,
  department TEXT NOT NULL,
  verdict TEXT NOT NULL,
  score REAL NOT NULL,
  anomaly REAL,
  protocol INTEGER NOT NULL,
  port_bucket TEXT NOT NULL,
  model TEXT NOT NULL,
  tx_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS flow_alerts_time ON flow_alerts (observed_ms, zone, verdict, gateway);
CREATE TABLE IF NOT EXISTS incidents (
  id TEXT PRIMARY KEY,
  detected_at TEXT NOT NULL,
  observed_ms INTEGER NOT NULL,
  gateway TEXT NOT NULL,
  zone TEXT NOT NULL,
  source TEXT NOT NULL,
  consumer TEXT NOT NULL,
  category TEXT NOT NULL,
  policy_version INTEGER NOT NULL,
  gateway_decision TEXT NOT NULL,
  chain_decision TEXT NOT NULL,
  deny_reason TEXT,
  tx_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS batches (
  id TEXT PRIMARY KEY,
  gateway TEXT NOT NULL,
  zone TEXT NOT NULL,
  seq INTEGER NOT NULL,
  anchored_at TEXT NOT NULL,
  to_ms INTEGER NOT NULL,
  count INTEGER NOT NULL,
  benign INTEGER NOT NULL,
  suspicious INTEGER NOT NULL,
  malicious INTEGER NOT NULL,
  root TEXT NOT NULL,
  prev_root TEXT NOT NULL,
  tx_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS batches_time ON batches (to_ms);
CREATE TABLE IF NOT EXISTS gateway_versions (
  id TEXT NOT NULL,
  department TEXT NOT NULL,
  zone TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  at TEXT NOT NULL,
  tx_id TEXT NOT NULL,
  PRIMARY KEY (id, tx_id)
);
CREATE TABLE IF NOT EXISTS model_versions (
  ref TEXT NOT NULL,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  reason TEXT,
  at TEXT NOT NULL,
  tx_id TEXT NOT NULL,
  PRIMARY KEY (ref, tx_id)
);
CREATE TABLE IF NOT EXISTS policies (
  category TEXT NOT NULL,
  version INTEGER NOT NULL,
  owner TEXT NOT NULL,
  created_at TEXT NOT NULL,
  grants TEXT NOT NULL,
  tx_id TEXT NOT NULL,
  PRIMARY KEY (category, version)
);
CREATE TABLE IF NOT EXISTS erasures (
  record_id TEXT PRIMARY KEY,
  department TEXT NOT NULL,
  reason TEXT NOT NULL,
  erased_at TEXT NOT NULL,
  tx_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alerts (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  block INTEGER NOT NULL,
  tx_id TEXT NOT NULL,
  at TEXT NOT NULL,
  type TEXT NOT NULL,
  zone TEXT,
  gateway TEXT,
  record_id TEXT,
  json TEXT NOT NULL,
  UNIQUE (tx_id, type)
);
CREATE INDEX IF NOT EXISTS alerts_at ON alerts (at);
`;
