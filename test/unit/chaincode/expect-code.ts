import { type ErrorCode, parseErrorCode } from '@cityledger/core';

/** Awaits a call that must fail with `code` at the start of its message (as the chaincode promises). */
export async function expectCode(call: Promise<unknown>, code: ErrorCode, detail?: RegExp): Promise<void> {
  let error: unknown;
  try {
    await call;
  } catch (e) {
    error = e;
  }
  if (!(error instanceof Error)) {
    throw new Error(`expected ${code}, but the call succeeded`);
  }
  expect(error.message.startsWith(`${code}: `) ? code : error.message).toBe(code);
  expect(parseErrorCode(error.message)).toBe(code);
  if (detail !== undefined) {
    expect(error.message).toMatch(detail);
  }
}
