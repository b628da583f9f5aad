import { status as GrpcStatus } from '@grpc/grpc-js';
import { CommitError, CommitStatusError, EndorseError, GatewayError } from '@hyperledger/fabric-gateway';
import { CityLedgerError, parseErrorCode, type ErrorCode } from '@cityledger/core';

/** Transaction validation codes (fabric-protos peer.TxValidationCode) the client classifies. */
const TX_ENDORSEMENT_POLICY_FAILURE = 10;
const TX_MVCC_READ_CONFLICT = 11;
const TX_PHANTOM_READ_CONFLICT = 12;

/** A commit that came back invalid, before conversion. */
export interface CommitFailure {
  readonly commitCode: number;
  readonly transactionId: string;
}

/**
 * The one place where Fabric and gRPC errors become CityLedgerErrors: the catalogue code from
 * the chaincode's message when it gave one, else one classified from the gRPC status or the
 * commit's validation code. The original error stays as `cause`.
 */
export function toCityLedgerError(err: unknown, transactionId?: string): CityLedgerError {
  if (err instanceof CityLedgerError) {
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
  return new CityLedgerError('INTERNAL', message, { transactionId, cause: err });
}

function fromGatewayError(err: GatewayError, transactionId: string | undefined): CityLedgerError {
  const texts = [...err.details.map((d) => d.message), err.message];
  for (const text of texts) {
    if (parseErrorCode(text) !== undefined) {
      return CityLedgerError.fromMessage(text, { transactionId, cause: err });
    }
  }
  return new CityLedgerError(codeFor(err.code, texts), texts.join('; '), { transactionId, cause: err });
}

/** Peer messages that mean "this identity is not a member of the channel". */
const NOT_A_MEMBER =
  /creator org unknown|access denied|not a member|certificate signed by unknown authority/i;

/**
 * Endorsers answered with different results: they simulated against different ledger heights
 * (one had not yet committed the latest block). Endorsing again later agrees, like an MVCC
 * conflict.
 */
const ENDORSEMENTS_DIFFER = /ProposalResponsePayloads do not match|responses? (?:do not|don't) match/i;

/**
 * The peer's gateway could not plan an endorsement with the peers it knows to be up (FAILED_PRECONDITION
 * from Fabric's gateway service), e.g. while a department's peer is down or gossip has not yet seen it
 * come back: the same call succeeds once enough peers are reachable again, so it is an outage.
 */
const NO_ENDORSERS_NOW =
  /no combination of peers can be derived which satisfy the endorsement policy|no peers available to evaluate/i;

function codeFor(status: number, texts: readonly string[]): ErrorCode {
  if (texts.some((t) => NOT_A_MEMBER.test(t))) {
    return 'UNAUTHORIZED';
  }
  if (texts.some((t) => ENDORSEMENTS_DIFFER.test(t))) {
    return 'MVCC_CONFLICT';
  }
  if (status === (GrpcStatus.FAILED_PRECONDITION as number) && texts.some((t) => NO_ENDORSERS_NOW.test(t))) {
    return 'UNAVAILABLE';
  }
  switch (status as GrpcStatus) {
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return 'UNAVAILABLE';
    case GrpcStatus.DEADLINE_EXCEEDED:
    case GrpcStatus.CANCELLED:
      return 'DEADLINE_EXCEEDED';
    case GrpcStatus.PERMISSION_DENIED:
    case GrpcStatus.UNAUTHENTICATED:
      return 'UNAUTHORIZED';
    default:
      return 'INTERNAL';
  }
}

function fromCommitCode(code: number, transactionId: string, cause: unknown): CityLedgerError {
  const options = { transactionId, cause };
  if (code === TX_MVCC_READ_CONFLICT || code === TX_PHANTOM_READ_CONFLICT) {
    return new CityLedgerError('MVCC_CONFLICT', `read conflict at commit (validation code ${code})`, options);
  }
  if (code === TX_ENDORSEMENT_POLICY_FAILURE) {
    return new CityLedgerError(
      'ENDORSEMENT_FAILURE',
      'the endorsements do not satisfy the endorsement policy of the keys written',
      options,
    );
  }
  return new CityLedgerError(
    'INTERNAL',
    `transaction invalidated at commit (validation code ${code})`,
    options,
  );
}

function isCommitFailure(value: unknown): value is CommitFailure {
  return typeof value === 'object' && value !== null && 'commitCode' in value && 'transactionId' in value;
}
