import { Metadata, status } from '@grpc/grpc-js';
import { CommitError, EndorseError, GatewayError } from '@hyperledger/fabric-gateway';
import { CLIENT_CODES, LedgerError, toLedgerError } from '@cityledger/client';

function serviceError(
  code: status,
  details: string,
): Error & { code: status; details: string; metadata: Metadata } {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: new Metadata() });
}

describe('toLedgerError', () => {
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
    const converted = toLedgerError(err);
    expect(converted).toBeInstanceOf(LedgerError);
    expect(converted.code).toBe('POLICY_DENIED');
    expect(converted.message).toBe('POLICY_DENIED: no grant for energy on health/patient-flow');
    expect(converted.transactionId).toBe('tx1');
    expect(converted.transient).toBe(false);
    expect(converted.cause).toBe(err);
  });

  it('classifies an unavailable peer as transient', () => {
    const err = new GatewayError({
      code: status.UNAVAILABLE,
      details: [],
      cause: serviceError(status.UNAVAILABLE, 'connection refused'),
      message: '14 UNAVAILABLE: connection refused',
    });
    const converted = toLedgerError(err, 'tx2');
    expect(converted.code).toBe(CLIENT_CODES.unavailable);
    expect(converted.transient).toBe(true);
    expect(converted.transactionId).toBe('tx2');
  });

  it('classifies deadlines as transient and permission errors as unauthorised', () => {
    const deadline = new GatewayError({
      code: status.DEADLINE_EXCEEDED,
      details: [],
      cause: serviceError(status.DEADLINE_EXCEEDED, 'deadline'),
    });
    expect(toLedgerError(deadline).code).toBe(CLIENT_CODES.deadline);
    expect(toLedgerError(deadline).transient).toBe(true);
    const denied = new GatewayError({
      code: status.PERMISSION_DENIED,
      details: [],
      cause: serviceError(status.PERMISSION_DENIED, 'access denied'),
      message: 'access denied',
    });
    expect(toLedgerError(denied).code).toBe(CLIENT_CODES.unauthorized);
    expect(toLedgerError(denied).transient).toBe(false);
  });

  it('maps commit validation codes: MVCC conflicts are transient, policy failures are not', () => {
    const mvcc = toLedgerError(new CommitError({ code: 11, transactionId: 'tx3' }));
    expect(mvcc.code).toBe(CLIENT_CODES.conflict);
    expect(mvcc.transient).toBe(true);
    const policy = toLedgerError({ commitCode: 10, transactionId: 'tx4' });
    expect(policy.code).toBe(CLIENT_CODES.endorsementPolicy);
    expect(policy.transactionId).toBe('tx4');
    expect(toLedgerError({ commitCode: 5, transactionId: 'tx5' }).code).toBe(CLIENT_CODES.invalidTransaction);
  });

  it('wraps anything else as INTERNAL and returns LedgerErrors unchanged', () => {
    const internal = toLedgerError(new TypeError('boom'));
    expect(internal.code).toBe(CLIENT_CODES.internal);
    expect(toLedgerError(internal)).toBe(internal);
  });
});
