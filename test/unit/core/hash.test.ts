import { isSha256Hex, sha256, sha256Hex } from '@cityledger/core';

describe('sha256', () => {
  it('matches FIPS 180-2 / NIST vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(sha256Hex(Buffer.alloc(1_000_000, 'a'))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('hashes strings as UTF-8 and returns bytes or hex', () => {
    expect(sha256('é').toString('hex')).toBe(sha256Hex(Buffer.from([0xc3, 0xa9])));
    expect(sha256('x').length).toBe(32);
  });

  it('recognises lowercase 64-hex digests only', () => {
    expect(isSha256Hex(sha256Hex('x'))).toBe(true);
    expect(isSha256Hex(sha256Hex('x').toUpperCase())).toBe(false);
    expect(isSha256Hex('ab')).toBe(false);
    expect(isSha256Hex(42)).toBe(false);
  });
});
