import { Metadata, status } from '@grpc/grpc-js';
import { CommitError, EndorseError, GatewayError } from '@hyperledger/fabric-gateway';
import { CityLedgerError } from '@cityledger/core';
import { toCityLedgerError } from '@cityledger/client';

function serviceError(
  code: status,
  details: string,
): Error & { code: status; details: string; metadata: Metadata } {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new Metadata() });
}

function gatewayError(code: status, message: string, details: string[] = []): GatewayError {
  return new GatewayError({
    code,
    details: details.map((m) => ({ address: 'peer0:7051', mspId: 'TransportMSP', message: m })),
    cause: serviceError(code, message),
    message,
  });
}

describe('toCityLedgerError', () => {
  it('takes the code from the chaincode message inside endorsement details', () => {
    const err = new EndorseError({
      code: status.ABORTED,
      details: [
        {
          address: 'peer0.health:9051',
          mspId: 'HealthMSP',
          message: 'chaincode response 500, POLICY_DENIED: no grant for energy on health/patient-flow',
        },
      ],
      cause: serviceError(status.ABORTED, 'failed to endorse transaction'),
      transactionId: 'tx1',
      message: 'failed to endorse transaction, see attached details for more info',
    });
    const converted = toCityLedgerError(err);
    expect(converted).toBeInstanceOf(CityLedgerError);
    expect(converted.code).toBe('POLICY_DENIED');
    expect(converted.message).toBe('POLICY_DENIED: no grant for energy on health/patient-flow');
    expect(converted.transactionId).toBe('tx1');
    expect(converted.transient).toBe(false);
    expect(converted.cause).toBe(err);
  });

  it('classifies an unavailable peer as transient and keeps the transaction id', () => {
    const converted = toCityLedgerError(
      gatewayError(status.UNAVAILABLE, '14 UNAVAILABLE: connection refused'),
      'tx2',
    );
    expect(converted.code).toBe('UNAVAILABLE');
    expect(converted.transient).toBe(true);
    expect(converted.transactionId).toBe('tx2');
  });

  it('classifies deadlines as transient and non-members as unauthorised', () => {
    const deadline = toCityLedgerError(gatewayError(status.DEADLINE_EXCEEDED, 'deadline exceeded'));
    expect(deadline.code).toBe('DEADLINE_EXCEEDED');
    expect(deadline.transient).toBe(true);
    const denied = toCityLedgerError(gatewayError(status.PERMISSION_DENIED, 'access denied'));
    expect(denied.code).toBe('UNAUTHORIZED');
    const unknownOrg = toCityLedgerError(
      gatewayError(status.UNKNOWN, 'evaluate call to endorser returned error', [
        'error validating proposal: access denied: channel [cityledger] creator org unknown, creator is malformed',
      ]),
    );
    expect(unknownOrg.code).toBe('UNAUTHORIZED');
    expect(unknownOrg.transient).toBe(false);
  });

  it('treats an endorsement plan that the reachable peers cannot satisfy as a transient outage', () => {
    const noPlan = toCityLedgerError(
      gatewayError(
        status.FAILED_PRECONDITION,
        'no combination of peers can be derived which satisfy the endorsement policy: no peer combination can satisfy the endorsement policy',
      ),
      'tx7',
    );
    expect(noPlan.code).toBe('UNAVAILABLE');
    expect(noPlan.transient).toBe(true);
    const otherPrecondition = toCityLedgerError(
      gatewayError(status.FAILED_PRECONDITION, 'chaincode definition for cityledger not found'),
    );
    expect(otherPrecondition.code).toBe('INTERNAL');
    expect(otherPrecondition.transient).toBe(false);
  });

  it('treats endorsers that disagree (different ledger heights) as a transient conflict', () => {
    const differ = toCityLedgerError(
      gatewayError(status.ABORTED, 'failed to collect enough transaction endorsements', [
        'ProposalResponsePayloads do not match',
      ]),
      'tx6',
    );
    expect(differ.code).toBe('MVCC_CONFLICT');
    expect(differ.transient).toBe(true);
    expect(differ.transactionId).toBe('tx6');
  });

  it('maps commit validation codes: MVCC conflicts are transient, policy failures are not', () => {
    const mvcc = toCityLedgerError(new CommitError({ code: 11, transactionId: 'tx3' }));
    expect(mvcc.code).toBe('MVCC_CONFLICT');
    expect(mvcc.transient).toBe(true);
    const policy = toCityLedgerError({ commitCode: 10, transactionId: 'tx4' });
    expect(policy.code).toBe('ENDORSEMENT_FAILURE');
    expect(policy.transactionId).toBe('tx4');
    expect(toCityLedgerError({ commitCode: 5, transactionId: 'tx5' }).code).toBe('INTERNAL');
  });

  it('wraps anything else as INTERNAL and returns CityLedgerErrors unchanged', () => {
    const internal = toCityLedgerError(new TypeError('boom'));
    expect(internal.code).toBe('INTERNAL');
    expect(internal.message).toBe('INTERNAL: boom');
    expect(toCityLedgerError(internal)).toBe(internal);
  });
});
