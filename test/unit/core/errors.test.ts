import {
  CityLedgerError,
  ERROR_CATALOGUE,
  ERROR_CODES,
  formatError,
  isErrorCode,
  parseErrorCode,
} from '@cityledger/core';

describe('error catalogue', () => {
  it('has the codes clients rely on, each with statuses and a transient flag', () => {
    for (const code of [
      'INVALID_ARGUMENT',
      'UNAUTHORIZED',
      'NOT_FOUND',
      'ALREADY_EXISTS',
      'POLICY_DENIED',
      'POLICY_MISMATCH',
      'GATEWAY_NOT_ACTIVE',
      'BAD_SIGNATURE',
      'MODEL_NOT_APPROVED',
      'PAYLOAD_TOO_LARGE',
      'CONFLICT',
    ]) {
      expect(isErrorCode(code)).toBe(true);
    }
    for (const code of ERROR_CODES) {
      const info = ERROR_CATALOGUE[code];
      expect(Number.isInteger(info.grpc) && info.grpc > 0 && info.grpc <= 16).toBe(true);
      expect(info.http >= 400 && info.http < 600).toBe(true);
      expect(typeof info.transient).toBe('boolean');
      expect(code).toMatch(/^[A-Z][A-Z_]+$/);
    }
  });

  it('marks only retryable failures transient', () => {
    const transient = ERROR_CODES.filter((code) => ERROR_CATALOGUE[code].transient);
    expect(transient.sort()).toEqual(['DEADLINE_EXCEEDED', 'MVCC_CONFLICT', 'UNAVAILABLE']);
  });

  it('formats "CODE: message"', () => {
    expect(formatError('POLICY_DENIED', 'grant expired')).toBe('POLICY_DENIED: grant expired');
  });

  it('recovers the code from plain and Fabric-wrapped messages', () => {
    expect(parseErrorCode('NOT_FOUND: gateway gw-1')).toBe('NOT_FOUND');
    expect(
      parseErrorCode(
        '10 ABORTED: failed to endorse transaction, chaincode response 500, BAD_SIGNATURE: record x',
      ),
    ).toBe('BAD_SIGNATURE');
    expect(parseErrorCode('error: POLICY_MISMATCH: gateway said allow')).toBe('POLICY_MISMATCH');
  });

  it('does not invent a code', () => {
    expect(parseErrorCode('something broke')).toBeUndefined();
    expect(parseErrorCode('NOT_A_CODE: x')).toBeUndefined();
    expect(parseErrorCode('XNOT_FOUND: x')).toBeUndefined();
    expect(parseErrorCode('NOT_FOUND without colon')).toBeUndefined();
  });

  it('builds CityLedgerError with statuses from the catalogue', () => {
    const cause = new Error('low level');
    const error = new CityLedgerError('GATEWAY_NOT_ACTIVE', 'gw-1 is suspended', {
      transactionId: 'tx1',
      cause,
    });
    expect(error.message).toBe('GATEWAY_NOT_ACTIVE: gw-1 is suspended');
    expect(error.detail).toBe('gw-1 is suspended');
    expect(error.grpcStatus).toBe(7);
    expect(error.httpStatus).toBe(403);
    expect(error.transient).toBe(false);
    expect(error.transactionId).toBe('tx1');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
  });

  it('rebuilds an error from a relayed message', () => {
    const error = CityLedgerError.fromMessage('chaincode response 500, CONFLICT: expected version 3');
    expect(error.code).toBe('CONFLICT');
    expect(error.detail).toBe('expected version 3');
    expect(CityLedgerError.fromMessage('socket hang up').code).toBe('INTERNAL');
    expect(new CityLedgerError('MVCC_CONFLICT', 'x').transient).toBe(true);
  });
});
