import {
  CityLedgerError,
  DATA_DEPARTMENTS,
  type DataDepartment,
  DEPARTMENTS,
  type Department,
  type ExchangeContent,
  type ExchangeRecord,
  LIMITS,
  ObjectReader,
  canonicalJson,
  millisToIso,
  parseExchangeContent,
  parseExchangeRecord,
  parsePersonalData,
  type PersonalData,
  personalDataHash,
  recordId,
  sha256Hex,
} from '@cityledger/core';
import { randomBytes } from 'node:crypto';
import { type AttestationSigner, attest } from './attestation-signer';
import type { Clock } from './clock';
import { type NewOutboxRow, type Outbox, RECORD_LANE_PREFIX } from './outbox';
import type { PolicySource } from './ports';
import type { ThreatBoard } from './threat-board';

/**
 * The version cited by a denial when the gateway knows no policy for the category (fail closed).
 * The chain then answers NOT_FOUND (no policy on chain either: the row is settled as rejected with
 * that code) or re-decides on version 1 (a POLICY_MISMATCH incident if it would have allowed).
 */
export const NO_POLICY_VERSION = 1;

/** A data-exchange event from a department system, validated. */
export interface ExchangeRequest {
  readonly sourceDepartment: DataDepartment;
  readonly consumerDepartment: Department;
  readonly category: string;
  readonly purpose: string;
  readonly payloadSha256: string;
  readonly payloadSize: number;
  readonly subjectRef?: string;
  /** The host whose flows' threat score applies (default: the HTTP client's address). */
  readonly sourceAddress?: string;
  /**
   * Personal data of the exchange (e.g. a data subject's reference), without the salt the gateway
   * adds. Goes only to the source department's private collection, as transient data.
   */
  readonly personalData?: Omit<PersonalData, 'salt'>;
}

export interface ExchangeResult {
  readonly decision: 'allow' | 'deny';
  readonly recordId: string;
  readonly policyVersion: number;
  readonly verdict: ExchangeContent['verdict'];
  readonly threatScore: number;
  readonly reason?: string;
  readonly message?: string;
  /** The same record (same content, same millisecond) was already in the outbox. */
  readonly duplicate: boolean;
  /**
   * With personal data: `queued` (its outbox row, `personalDataId`, submits after the record commits)
   * or `discarded` (the exchange was denied: nothing about the subject is kept or sent).
   */
  readonly personalData?: 'queued' | 'discarded';
  readonly personalDataId?: string;
}

/** Outbox id of a record's personal-data row (64 hex, so GET /records/:id shows its state). */
export function personalDataRowId(recordIdHex: string): string {
  return sha256Hex(`personal-data\n${recordIdHex}`);
}

const NO_SALT = '0'.repeat(64);

/** The request's personal data: core's rules (subject, attributes) without the salt. */
function readPersonalData(value: unknown): Omit<PersonalData, 'salt'> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || 'salt' in value) {
    throw new CityLedgerError(
      'INVALID_ARGUMENT',
      'exchange.personalData must be an object {subject, attributes?} (the gateway adds the salt)',
    );
  }
  const { salt: _salt, ...data } = parsePersonalData({ ...value, salt: NO_SALT }, 'exchange.personalData');
  return data;
}

function randomSalt(): string {
  return randomBytes(32).toString('hex');
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const ANY_TEXT = /^[^\u0000-\u001f]*$/;
const ADDRESS = /^[0-9A-Fa-f.:]{2,45}$/;

function decodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

function readPayload(
  r: ObjectReader,
  maxPayloadBytes: number,
): { payloadSha256: string; payloadSize: number } {
  const inline = r.optional('payload');
  const hashed = r.optional('payloadSha256') || r.optional('payloadSize');
  if (inline === hashed) {
    throw new CityLedgerError(
      'INVALID_ARGUMENT',
      'exchange needs either payload (base64) or payloadSha256 and payloadSize',
    );
  }
  if (hashed) {
    return {
      payloadSha256: r.sha256('payloadSha256'),
      payloadSize: r.integer('payloadSize', 0, LIMITS.maxPayloadSize),
    };
  }
  const text = r.raw('payload');
  if (typeof text !== 'string' || !BASE64.test(text)) {
    throw new CityLedgerError('INVALID_ARGUMENT', 'exchange.payload must be base64 (RFC 4648, padded)');
  }
  if (decodedLength(text) > maxPayloadBytes) {
    throw new CityLedgerError('PAYLOAD_TOO_LARGE', `exchange.payload exceeds ${maxPayloadBytes} bytes`);
  }
  const bytes = Buffer.from(text, 'base64');
  return { payloadSha256: sha256Hex(bytes), payloadSize: bytes.length };
}

/**
 * Validates a request body. Inline payloads are hashed here and dropped: only the hash and size go
 * further. Throws INVALID_ARGUMENT or PAYLOAD_TOO_LARGE.
 */
export function parseExchangeRequest(body: unknown, maxPayloadBytes: number): ExchangeRequest {
  const r = new ObjectReader(body, 'exchange');
  const request = {
    sourceDepartment: r.oneOf('sourceDepartment', DATA_DEPARTMENTS),
    consumerDepartment: r.oneOf('consumerDepartment', DEPARTMENTS),
    category: r.string('category', ANY_TEXT, 80),
    purpose: r.string('purpose', ANY_TEXT, 64),
    ...readPayload(r, maxPayloadBytes),
  };
  const subjectRef = r.optionalSha256('subjectRef');
  const sourceAddress = r.optionalString('sourceAddress', ADDRESS, 45);
  const personalData = r.optional('personalData') ? readPersonalData(r.raw('personalData')) : undefined;
  r.done();
  return {
    ...request,
    ...(subjectRef === undefined ? {} : { subjectRef }),
    ...(sourceAddress === undefined ? {} : { sourceAddress }),
    ...(personalData === undefined ? {} : { personalData }),
  };
}

export interface ExchangeIntakeOptions {
  readonly gatewayId: string;
  readonly department: DataDepartment;
  readonly modelId: string;
  readonly modelVersion: string;
  readonly policy: PolicySource;
  readonly threats: ThreatBoard;
  readonly signer: AttestationSigner;
  readonly outbox: Outbox;
  readonly clock: Clock;
  /** 32 random bytes, hex: the salt of personal data (default crypto.randomBytes). */
  readonly salt?: () => string;
}

/**
 * Turns a data-exchange event into an attested record in the outbox: threat score of the source
 * host, the edge policy decision (fail closed), the record validated by core's rules, signed, and
 * inserted durably. The caller answers only after `handle` resolves.
 */
export class ExchangeIntake {
  readonly #o: ExchangeIntakeOptions;

  constructor(options: ExchangeIntakeOptions) {
    this.#o = options;
  }

  #content(
    request: ExchangeRequest,
    clientAddress: string | undefined,
  ): { content: ExchangeContent; personal?: PersonalData; reason?: string; message?: string } {
    const o = this.#o;
    if (request.sourceDepartment !== o.department) {
      throw new CityLedgerError(
        'INVALID_ARGUMENT',
        `exchange.sourceDepartment must be ${o.department}: this gateway releases ${o.department} data only`,
      );
    }
    const now = o.clock.now();
    const observedAt = millisToIso(now);
    const threat = o.threats.assess(request.sourceAddress ?? clientAddress, now);
    const decision = o.policy.decisionFor(
      {
        category: request.category,
        sourceDepartment: request.sourceDepartment,
        consumerDepartment: request.consumerDepartment,
        purpose: request.purpose,
        verdict: threat.verdict,
      },
      observedAt,
    );
    // Personal data only goes with an allowed exchange; a denied one keeps nothing about the subject.
    const personal =
      decision.allow && request.personalData !== undefined
        ? { salt: (o.salt ?? randomSalt)(), ...request.personalData }
        : undefined;
    const content = parseExchangeContent(
      {
        gatewayId: o.gatewayId,
        sourceDepartment: request.sourceDepartment,
        consumerDepartment: request.consumerDepartment,
        category: request.category,
        purpose: request.purpose,
        payloadSha256: request.payloadSha256,
        payloadSize: request.payloadSize,
        observedAt,
        threatScore: threat.threatScore,
        verdict: threat.verdict,
        modelId: o.modelId,
        modelVersion: o.modelVersion,
        policyVersion: decision.policyVersion ?? NO_POLICY_VERSION,
        decision: decision.allow ? 'allow' : 'deny',
        ...(request.subjectRef === undefined ? {} : { subjectRef: request.subjectRef }),
        ...(personal === undefined ? {} : { personalDataSha256: personalDataHash(personal) }),
      },
      'exchange',
    );
    return decision.allow
      ? { content, ...(personal === undefined ? {} : { personal }) }
      : { content, reason: decision.reason, message: decision.message };
  }

  async handle(request: ExchangeRequest, clientAddress?: string): Promise<ExchangeResult> {
    const { content, personal, reason, message } = this.#content(request, clientAddress);
    const record: ExchangeRecord = parseExchangeRecord(
      { ...content, signature: await attest(this.#o.signer, 'record', content) },
      'exchange',
    );
    const id = recordId(record);
    const rows: NewOutboxRow[] = [{ id, kind: 'exchange', payload: canonicalJson(record) }];
    const personalDataId = personal === undefined ? undefined : personalDataRowId(id);
    if (personal !== undefined && personalDataId !== undefined) {
      // One lane: the personal data goes out only after its record committed. One transaction.
      const lane = `${RECORD_LANE_PREFIX}${id}`;
      rows[0] = { ...(rows[0] as NewOutboxRow), lane, laneSeq: 0 };
      rows.push({
        id: personalDataId,
        kind: 'personal-data',
        payload: id,
        lane,
        laneSeq: 1,
        transient: canonicalJson(personal),
      });
    }
    const [added] = this.#o.outbox.accept(rows);
    return {
      decision: content.decision,
      recordId: id,
      policyVersion: content.policyVersion,
      verdict: content.verdict,
      threatScore: content.threatScore,
      ...(reason === undefined ? {} : { reason, message }),
      duplicate: added !== true,
      ...(request.personalData === undefined
        ? {}
        : personalDataId === undefined
          ? { personalData: 'discarded' as const }
          : { personalData: 'queued' as const, personalDataId }),
    };
  }
}
