/** Names every component agrees on: departments, roles, MSP ids, attribute names, collections, limits. */

export const DEPARTMENTS = ['transport', 'energy', 'health', 'audit'] as const;
export type Department = (typeof DEPARTMENTS)[number];

/** Departments that own data, run gateways and write policies (every department but audit). */
export const DATA_DEPARTMENTS = ['transport', 'energy', 'health'] as const;
export type DataDepartment = (typeof DATA_DEPARTMENTS)[number];

export const ROLES = ['admin', 'steward', 'gateway', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Certificate attributes (Fabric CA, `ecert: true`) that carry a caller's role and department. */
export const ATTR_ROLE = 'cityledger.role';
export const ATTR_DEPARTMENT = 'cityledger.department';

export const MSP_IDS: Readonly<Record<Department, string>> = {
  transport: 'TransportMSP',
  energy: 'EnergyMSP',
  health: 'HealthMSP',
  audit: 'AuditMSP',
};

/** Private data collection of a data department: `transportPrivate`, `energyPrivate`, `healthPrivate`. */
export function privateCollection(department: DataDepartment): string {
  return `${department}Private`;
}

/** Transient-map key under which `recordExchange` receives a record's PersonalData (canonical JSON). */
export const TRANSIENT_PERSONAL_DATA = 'personalData';

export const VERDICTS = ['benign', 'suspicious', 'malicious'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** benign < suspicious < malicious. */
export function verdictRank(verdict: Verdict): number {
  return VERDICTS.indexOf(verdict);
}

export const DECISIONS = ['allow', 'deny'] as const;
export type Decision = (typeof DECISIONS)[number];

export function isDepartment(value: unknown): value is Department {
  return typeof value === 'string' && (DEPARTMENTS as readonly string[]).includes(value);
}

export function isDataDepartment(value: unknown): value is DataDepartment {
  return typeof value === 'string' && (DATA_DEPARTMENTS as readonly string[]).includes(value);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Size and count limits, checked before any ledger access. */
export const LIMITS = {
  /** Largest JSON argument accepted by any chaincode function, in bytes. */
  maxArgumentBytes: 65_536,
  /** Largest canonical exchange record, in bytes. */
  maxRecordBytes: 4_096,
  /** Largest transient personal-data document, in bytes. */
  maxPersonalDataBytes: 8_192,
  /** Hard cap on a query page. */
  maxPageSize: 200,
  defaultPageSize: 50,
  /** Largest number of index entries one compliance-summary call scans. */
  maxSummaryScan: 5_000,
  maxGrantsPerPolicy: 16,
  maxPurposesPerGrant: 16,
  maxMetricsPerModel: 16,
  /** Most flow alerts one `exchange:recordFlowAlerts` transaction takes (within maxArgumentBytes). */
  maxAlertsPerCall: 64,
  maxCategoriesPerBatch: 64,
  maxRecordsPerBatch: 10_000_000,
  maxPayloadSize: Number.MAX_SAFE_INTEGER,
  maxPemBytes: 1_024,
  maxFabricIdBytes: 1_024,
  maxReasonLength: 256,
  /** A record observed longer ago than this (before the transaction time) is rejected as stale. */
  maxRecordAgeSeconds: 7 * 24 * 3600,
  /** Tolerated clock skew: timestamps up to this far after the transaction time are accepted. */
  maxClockSkewSeconds: 300,
  /** A policy version stays citable this long after its successor was written (propagation to gateways). */
  policyGraceSeconds: 300,
} as const;
