import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  CommitError,
  CommitStatusError,
  EndorseError,
  GatewayError,
  type ErrorDetail,
} from '@hyperledger/fabric-gateway';

/** Transaction validation codes (fabric-protos peer.TxValidationCode) the client classifies. */
const TX_ENDORSEMENT_POLICY_FAILURE = 10;
const TX_MVCC_READ_CONFLICT = 11;
const TX_PHANTOM_READ_CONFLICT = 12;

/** Codes the client itself assigns when the chaincode did not give one. */
export const CLIENT_CODES = {
  unavailable: 'UNAVAILABLE',
  deadline: 'DEADLINE_EXCEEDED',
  conflict: 'CONFLICT',
  endorsementPolicy: 'ENDORSEMENT_POLICY_FAILURE',
  invalidTransaction: 'INVALID_TRANSACTION',
  unauthorized: 'UNAUTHORIZED',
  internal: 'INTERNAL',
} as const;

const TRANSIENT = new Set<string>([CLIENT_CODES.unavailable, CLIENT_CODES.deadline, CLIENT_CODES.conflict]);

/** A chaincode message starts with its catalogue code: "POLICY_DENIED: ...". */
const CHAINCODE_CODE = /(?:^|[\s:,])([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+|[A-Z]{4,}): /;

/**
 * Every failed Fabric call leaves the client as a LedgerError: a stable `code` (from the
 * chaincode's message when it gave one, else classified from the gRPC status or the commit's
 * validation code), whether a retry can help, the transaction id when there was one, and the
 * original error as `cause`.
 */
export class LedgerError extends Error {
  override readonly name = 'LedgerError';
  readonly code: string;
  readonly transient: boolean;
  readonly transactionId: string | undefined;
  readonly grpcStatus: number | undefined;

  constructor(
    properties: Readonly<{
      code: string;
      message: string;
      transactionId?: string | undefined;
      grpcStatus?: number | undefined;
      cause?: unknown;
    }>,
  ) {
    super(`${properties.code}: ${properties.message}`, { cause: properties.cause });
    this.code = properties.code;
    this.transient = TRANSIENT.has(properties.code);
    this.transactionId = properties.transactionId;
    this.grpcStatus = properties.grpcStatus;
  }
}

/** The one place where Fabric and gRPC errors are converted. */
export function toLedgerError(err: unknown, transactionId?: string): LedgerError {
  if (err instanceof LedgerError) {
    return err;
  }
  if (isCommitFailure(err)) {
    return fromCommitCode(err.commitCode, err.transactionId, err);
  }
  if (err instanceof CommitError) {
    return fromCommitCode(err.code, err.transactionId, err);
  }
  if (err instanceof GatewayError) {
    const txId =
      err instanceof EndorseError || err instanceof CommitStatusError ? err.transactionId : transactionId;
    return fromGatewayError(err, txId);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new LedgerError({ code: CLIENT_CODES.internal, message, transactionId, cause: err });
}

function fromGatewayError(err: GatewayError, transactionId: string | undefined): LedgerError {
  const texts = [...err.details.map((d: ErrorDetail) => d.message), err.message];
  for (const text of texts) {
    const match = CHAINCODE_CODE.exec(text);
    if (match?.[1] !== undefined) {
      const code = match[1];
      const rest = text.slice(match.index + match[0].length);
      return new LedgerError({ code, message: rest, transactionId, grpcStatus: err.code, cause: err });
    }
  }
  const detail = texts.join('; ');
  return new LedgerError({
    code: codeForGrpcStatus(err.code),
    message: detail,
    transactionId,
    grpcStatus: err.code,
    cause: err,
  });
}

function codeForGrpcStatus(code: number): string {
  switch (code as GrpcStatus) {
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.RESOURCE_EXHAUSTED:
    case GrpcStatus.ABORTED:
      return CLIENT_CODES.unavailable;
    case GrpcStatus.DEADLINE_EXCEEDED:
    case GrpcStatus.CANCELLED:
      return CLIENT_CODES.deadline;
    case GrpcStatus.PERMISSION_DENIED:
    case GrpcStatus.UNAUTHENTICATED:
      return CLIENT_CODES.unauthorized;
    default:
      return CLIENT_CODES.internal;
  }
}

function fromCommitCode(code: number, transactionId: string, cause: unknown): LedgerError {
  if (code === TX_MVCC_READ_CONFLICT || code === TX_PHANTOM_READ_CONFLICT) {
    return new LedgerError({
      code: CLIENT_CODES.conflict,
      message: `read conflict (validation code ${code})`,
      transactionId,
      cause,
    });
  }
  if (code === TX_ENDORSEMENT_POLICY_FAILURE) {
    return new LedgerError({
      code: CLIENT_CODES.endorsementPolicy,
      message: 'the endorsements do not satisfy the endorsement policy of the keys written',
      transactionId,
      cause,
    });
  }
  return new LedgerError({
    code: CLIENT_CODES.invalidTransaction,
    message: `transaction invalidated at commit (validation code ${code})`,
    transactionId,
    cause,
  });
}

interface CommitFailure {
  readonly commitCode: number;
  readonly transactionId: string;
}

function isCommitFailure(value: unknown): value is CommitFailure {
  return typeof value === 'object' && value !== null && 'commitCode' in value && 'transactionId' in value;
}
