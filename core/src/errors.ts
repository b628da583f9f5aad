/**
 * The error-code catalogue. Every error the chaincode throws starts with one of these codes and a colon
 * ("POLICY_DENIED: grant for energy expired"), so clients recover the code without parsing prose.
 */

/** gRPC status codes used by the catalogue (numeric values from grpc/status.proto). */
export const GrpcStatus = {
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export interface ErrorCodeInfo {
  /** gRPC status a service should answer with. */
  readonly grpc: number;
  /** HTTP status a web API should answer with. */
  readonly http: number;
  /** True when retrying the same request later may succeed. */
  readonly transient: boolean;
  /** What the code means, for humans. */
  readonly description: string;
}

function entry(grpc: number, http: number, transient: boolean, description: string): ErrorCodeInfo {
  return { grpc, http, transient, description };
}

const S = GrpcStatus;

export const ERROR_CATALOGUE = {
  INVALID_ARGUMENT: entry(S.INVALID_ARGUMENT, 400, false, 'An argument is malformed or breaks a rule'),
  PAYLOAD_TOO_LARGE: entry(S.INVALID_ARGUMENT, 413, false, 'An argument exceeds its size limit'),
  UNAUTHORIZED: entry(S.PERMISSION_DENIED, 403, false, 'The caller may not perform this operation'),
  NOT_FOUND: entry(S.NOT_FOUND, 404, false, 'The referenced object does not exist'),
  ALREADY_EXISTS: entry(S.ALREADY_EXISTS, 409, false, 'An object with this id already exists'),
  CONFLICT: entry(S.FAILED_PRECONDITION, 409, false, 'The ledger state does not match the expected state'),
  POLICY_DENIED: entry(S.PERMISSION_DENIED, 403, false, 'The access policy does not allow this exchange'),
  POLICY_MISMATCH: entry(
    S.FAILED_PRECONDITION,
    409,
    false,
    "The gateway's decision differs from the chain's",
  ),
  POLICY_NOT_IN_FORCE: entry(S.FAILED_PRECONDITION, 409, false, 'The cited policy version was not in force'),
  GATEWAY_NOT_ACTIVE: entry(S.PERMISSION_DENIED, 403, false, 'The gateway is not registered or not active'),
  BAD_SIGNATURE: entry(S.UNAUTHENTICATED, 401, false, 'The attestation signature does not verify'),
  MODEL_NOT_APPROVED: entry(S.FAILED_PRECONDITION, 422, false, 'The model is not registered or is retired'),
  VERDICT_MISMATCH: entry(
    S.INVALID_ARGUMENT,
    422,
    false,
    "The verdict does not follow from the model's thresholds",
  ),
  TIMESTAMP_OUT_OF_WINDOW: entry(
    S.FAILED_PRECONDITION,
    422,
    false,
    'A timestamp is too old or in the future',
  ),
  ENDORSEMENT_FAILURE: entry(
    S.PERMISSION_DENIED,
    403,
    false,
    'The transaction did not satisfy its endorsement policy',
  ),
  MVCC_CONFLICT: entry(S.ABORTED, 409, true, 'A concurrent transaction changed the data read; retry'),
  UNAVAILABLE: entry(S.UNAVAILABLE, 503, true, 'A peer or orderer is unreachable; retry'),
  DEADLINE_EXCEEDED: entry(S.DEADLINE_EXCEEDED, 504, true, 'The call did not complete in time; retry'),
  INTERNAL: entry(S.INTERNAL, 500, false, 'An unexpected failure; report it'),
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as readonly ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, value);
}

/** The wire form of an error message: "CODE: message". */
export function formatError(code: ErrorCode, message: string): string {
  return `${code}: ${message}`;
}

const CODE_PATTERN = new RegExp(`(?:^|[^A-Z_])(${ERROR_CODES.join('|')}): `);

/**
 * Recovers the catalogue code from a message, including one wrapped by Fabric
 * ("... chaincode response 500, POLICY_DENIED: ..."). The first code followed by ": " wins.
 */
export function parseErrorCode(message: string): ErrorCode | undefined {
  const match = CODE_PATTERN.exec(message);
  const code = match?.[1];
  return isErrorCode(code) ? code : undefined;
}

export interface CityLedgerErrorOptions {
  readonly transactionId?: string;
  readonly cause?: unknown;
}

/** An error with a catalogue code. `message` is always "CODE: detail". */
export class CityLedgerError extends Error {
  readonly code: ErrorCode;
  readonly detail: string;
  readonly transactionId: string | undefined;

  constructor(code: ErrorCode, detail: string, options: CityLedgerErrorOptions = {}) {
    super(formatError(code, detail), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CityLedgerError';
    this.code = code;
    this.detail = detail;
    this.transactionId = options.transactionId;
  }

  get grpcStatus(): number {
    return ERROR_CATALOGUE[this.code].grpc;
  }

  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].http;
  }

  get transient(): boolean {
    return ERROR_CATALOGUE[this.code].transient;
  }

  /**
   * Rebuilds an error from a message that carries a code (e.g. a chaincode error relayed by Fabric).
   * A message without a code becomes INTERNAL with the whole message as detail.
   */
  static fromMessage(message: string, options: CityLedgerErrorOptions = {}): CityLedgerError {
    const code = parseErrorCode(message);
    if (code === undefined) {
      return new CityLedgerError('INTERNAL', message, options);
    }
    const start = message.indexOf(`${code}: `);
    return new CityLedgerError(code, message.slice(start + code.length + 2), options);
  }
}

export function isCityLedgerError(value: unknown): value is CityLedgerError {
  return value instanceof CityLedgerError;
}
