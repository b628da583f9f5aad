import { SIGNATURE, withoutSignature } from './attestation';
import { canonicalBytes } from './canonical';
import { CATEGORY, categoryOwner } from './category';
import {
  type DataDepartment,
  type Decision,
  DATA_DEPARTMENTS,
  DECISIONS,
  type Department,
  DEPARTMENTS,
  LIMITS,
  type Verdict,
  VERDICTS,
} from './constants';
import { type DenyReason } from './decide';
import { CityLedgerError } from './errors';
import { sha256Hex } from './hash';
import { MODEL_VERSION } from './model';
import { MAX_POLICY_VERSION, PURPOSE } from './policy';
import { invalid, ObjectReader, SLUG } from './validate';

/** One data exchange carried by a gateway, without its signature. Payloads never go on chain. */
export interface ExchangeContent {
  readonly gatewayId: string;
  readonly sourceDepartment: DataDepartment;
  readonly consumerDepartment: Department;
  /** `<owner>/<name>`; the owner must be the source department. */
  readonly category: string;
  readonly purpose: string;
  readonly payloadSha256: string;
  /** Payload size in bytes. */
  readonly payloadSize: number;
  readonly observedAt: string;
  /** Model score in [0, 1]. */
  readonly threatScore: number;
  /** Must be what the model's thresholds give for `threatScore`. */
  readonly verdict: Verdict;
  readonly modelId: string;
  readonly modelVersion: string;
  /** The policy version the gateway applied. */
  readonly policyVersion: number;
  /** The gateway's decision; the chain recomputes it. */
  readonly decision: Decision;
  /** Pseudonymous data-subject reference (e.g. a keyed hash), never the identity itself. */
  readonly subjectRef?: string;
  /** sha256 of the canonical personal data sent in the transient map (see PersonalData). */
  readonly personalDataSha256?: string;
}

/** An exchange record as submitted: content plus the gateway's attestation signature. */
export interface ExchangeRecord extends ExchangeContent {
  readonly signature: string;
}

/** A record as held on the ledger. */
export interface ExchangeEntry {
  readonly id: string;
  readonly record: ExchangeRecord;
  readonly recordedAt: string;
  readonly txId: string;
  /** The chain's own decision (always equal to the gateway's for a stored record). */
  readonly denyReason?: DenyReason;
}

/** Stored instead of a record whose gateway decision differed from the chain's (a security event). */
export interface MismatchIncident {
  readonly id: string;
  readonly record: ExchangeRecord;
  readonly detectedAt: string;
  readonly txId: string;
  readonly gatewayDecision: Decision;
  readonly chainDecision: Decision;
  readonly denyReason?: DenyReason;
}

/**
 * What `recordExchange` returns: the record's id and what became of it, nothing more (the reply is
 * part of the transaction every orderer and peer stores). The stored `ExchangeEntry` is read with
 * `audit:getRecord(id)`, a `MismatchIncident` with `audit:getIncident(id)`.
 */
export type ExchangeOutcome =
  | { readonly accepted: true; readonly duplicate: boolean; readonly id: string }
  | {
      readonly accepted: false;
      readonly code: 'POLICY_MISMATCH';
      readonly duplicate: boolean;
      readonly id: string;
    };

/** Public trace left when a record's personal data is purged from its private collection. */
export interface ErasureRecord {
  readonly recordId: string;
  readonly department: DataDepartment;
  readonly collection: string;
  /** Reference of the erasure request (no personal data). */
  readonly reason: string;
  readonly erasedAt: string;
  readonly txId: string;
}

/** Personal data for one record, carried in the transient map and kept in a private collection. */
export interface PersonalData {
  /** 32 random bytes (hex) so the on-chain hash cannot be brute-forced. */
  readonly salt: string;
  readonly subject: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

const FREE_TEXT = /^[^\u0000-\u001f]+$/;
const ATTRIBUTE_NAME = /^[a-z][a-z0-9_]{0,31}$/;

function checkRecordRules(content: ExchangeContent, path: string): void {
  if (categoryOwner(content.category) !== content.sourceDepartment) {
    invalid(
      `${path}.sourceDepartment`,
      `must be ${categoryOwner(content.category)}, the owner of ${content.category}`,
    );
  }
  if (content.consumerDepartment === content.sourceDepartment) {
    invalid(`${path}.consumerDepartment`, 'must differ from sourceDepartment');
  }
}

function readContent(r: ObjectReader): ExchangeContent {
  const subjectRef = r.optionalSha256('subjectRef');
  const personalDataSha256 = r.optionalSha256('personalDataSha256');
  return {
    gatewayId: r.string('gatewayId', SLUG, 64),
    sourceDepartment: r.oneOf('sourceDepartment', DATA_DEPARTMENTS),
    consumerDepartment: r.oneOf('consumerDepartment', DEPARTMENTS),
    category: r.string('category', CATEGORY, 80),
    purpose: r.string('purpose', PURPOSE, 64),
    payloadSha256: r.sha256('payloadSha256'),
    payloadSize: r.integer('payloadSize', 0, LIMITS.maxPayloadSize),
    observedAt: r.timestamp('observedAt'),
    threatScore: r.number('threatScore', 0, 1),
    verdict: r.oneOf('verdict', VERDICTS),
    modelId: r.string('modelId', SLUG, 64),
    modelVersion: r.string('modelVersion', MODEL_VERSION, 20),
    policyVersion: r.integer('policyVersion', 1, MAX_POLICY_VERSION),
    decision: r.oneOf('decision', DECISIONS),
    ...(subjectRef === undefined ? {} : { subjectRef }),
    ...(personalDataSha256 === undefined ? {} : { personalDataSha256 }),
  };
}

/** Validates a signed exchange record: types, formats, sizes, unknown fields, cross-field rules. */
export function parseExchangeRecord(value: unknown, path = 'record'): ExchangeRecord {
  const r = new ObjectReader(value, path);
  const record: ExchangeRecord = { ...readContent(r), signature: r.string('signature', SIGNATURE, 88) };
  r.done();
  checkRecordRules(record, path);
  if (canonicalBytes(record).length > LIMITS.maxRecordBytes) {
    throw new CityLedgerError('PAYLOAD_TOO_LARGE', `${path} exceeds ${LIMITS.maxRecordBytes} bytes`);
  }
  return record;
}

/** Validates unsigned content (e.g. a record inside a batch). */
export function parseExchangeContent(value: unknown, path = 'record'): ExchangeContent {
  const r = new ObjectReader(value, path);
  const content = readContent(r);
  r.done();
  checkRecordRules(content, path);
  return content;
}

/** The record without its signature. */
export function recordContent(record: ExchangeContent | ExchangeRecord): ExchangeContent {
  return withoutSignature(record as ExchangeRecord);
}

/** Canonical JSON (RFC 8785) of the record without its signature: what the id hashes and the gateway signs. */
export function recordContentBytes(record: ExchangeContent | ExchangeRecord): Buffer {
  return canonicalBytes(recordContent(record));
}

/** Record id: sha256 (hex) of the canonical content without the signature. Re-signing keeps the id. */
export function recordId(record: ExchangeContent | ExchangeRecord): string {
  return sha256Hex(recordContentBytes(record));
}

export function parsePersonalData(value: unknown, path = 'personalData'): PersonalData {
  const r = new ObjectReader(value, path);
  const salt = r.sha256('salt');
  const subject = r.string('subject', FREE_TEXT, 256);
  let attributes: Record<string, string> | undefined;
  if (r.optional('attributes')) {
    attributes = {};
    for (const [name, item] of r.map('attributes', ATTRIBUTE_NAME, 16)) {
      if (typeof item !== 'string' || item.length > 256 || !FREE_TEXT.test(item)) {
        invalid(`${path}.attributes.${name}`, 'must be a string of 1 to 256 printable characters');
      }
      attributes[name] = item;
    }
  }
  r.done();
  return attributes === undefined ? { salt, subject } : { salt, subject, attributes };
}

/** sha256 (hex) of the canonical personal data: what `personalDataSha256` commits to. */
export function personalDataHash(data: PersonalData): string {
  return sha256Hex(canonicalBytes(data));
}
