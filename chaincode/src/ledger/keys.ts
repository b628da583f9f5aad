/**
 * Key layout. Simple keys with `~` separators; every component is validated beforehand and cannot
 * contain `~` (slugs, categories, departments, hex ids, ISO timestamps). Simple keys rather than
 * `createCompositeKey` because the shim refuses range scans over the composite-key namespace, and the
 * time-ordered indexes need range scans with `from`/`to` bounds.
 */

/** Versions and sequence numbers are zero-padded so they sort as strings. */
export function pad(n: number, width: number): string {
  return n.toString().padStart(width, '0');
}

export const keys = {
  gateway: (id: string): string => `gateway~${id}`,
  model: (id: string, version: string): string => `model~${id}~${version}`,
  /** The models approved for scoring now (majority endorsement); every record and alert reads it. */
  modelSet: (): string => 'modelset',
  /** Models retired from the set above (majority endorsement); read only to list models. */
  retiredModels: (): string => 'modelset~retired',
  policy: (category: string, version: number): string => `policy~${category}~${pad(version, 9)}`,
  policyPrefix: (category: string): string => `policy~${category}~`,
  policyHead: (category: string): string => `policyhead~${category}`,
  /** Touched by every policy write of a department, so even a new category needs the owner's peer. */
  policyRoot: (department: string): string => `policyroot~${department}`,
  record: (id: string): string => `record~${id}`,
  incident: (id: string): string => `incident~${id}`,
  erasure: (recordId: string): string => `erasure~${recordId}`,
  batch: (gatewayId: string, seq: number): string => `batch~${gatewayId}~${pad(seq, 10)}`,
  batchPrefix: (gatewayId: string): string => `batch~${gatewayId}~`,
  batchHead: (gatewayId: string): string => `batchhead~${gatewayId}`,
  batchById: (batchId: string): string => `batchid~${batchId}`,
  /** Private collection key of a record's personal data. */
  personal: (recordId: string): string => `personal~${recordId}`,
  /** Index prefix: `ix~<viewer>~<dimension>~<value>~`, followed by `<observedAt>~<recordId>`. */
  indexPrefix: (viewer: string, dimension: string, value: string): string =>
    `ix~${viewer}~${dimension}~${value}~`,
  flowAlert: (id: string): string => `flowalert~${id}`,
  /** Flow-alert index prefix: `fx~<viewer>~<dimension>~<value>~`, then `<observedAt>~<alertId>`. */
  flowIndexPrefix: (viewer: string, dimension: string, value: string): string =>
    `fx~${viewer}~${dimension}~${value}~`,
  /** Benchmark-only writes of BaselineContract; no other key starts with `baseline~`. */
  baseline: (key: string): string => `baseline~${key}`,
} as const;

/** Upper bound for a range over keys that extend `prefix` with printable ASCII. */
export const RANGE_END = '\u007f';
