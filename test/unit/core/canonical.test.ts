import { canonicalBytes, canonicalJson, sha256Hex } from '@cityledger/core';

/** Reads an IEEE 754 double from its 16 hex digit bit pattern. */
function double(bits: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${bits}`));
  return view.getFloat64(0);
}

describe('canonicalJson (RFC 8785)', () => {
  it('matches the RFC 8785 section 3.2.2 example', () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    const expected = String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`;
    expect(canonicalJson(JSON.parse(input))).toBe(expected);
  });

  it('sorts properties by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Object.keys would list "1" first (integer-like keys), so compare the text itself.
    expect(canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it('serializes numbers as in RFC 8785 appendix B', () => {
    const vectors: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, text] of vectors) {
      expect(canonicalJson(double(bits))).toBe(text);
    }
  });

  it('is stable across key orders and nesting', () => {
    const a = { b: [1, { y: 2, x: 1 }], a: 'é', c: { z: null, m: true } };
    const b = { c: { m: true, z: null }, a: 'é', b: [1, { x: 1, y: 2 }] };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":"é","b":[1,{"x":1,"y":2}],"c":{"m":true,"z":null}}');
    expect(sha256Hex(canonicalBytes(a))).toBe(sha256Hex(canonicalBytes(b)));
  });

  it('encodes non-ASCII as UTF-8 bytes, not escapes', () => {
    expect(canonicalBytes({ k: '€' }).toString('hex')).toBe(Buffer.from('{"k":"€"}', 'utf8').toString('hex'));
    expect(canonicalBytes('😀').length).toBe(6);
  });

  it.each([
    ['NaN', NaN],
    ['Infinity', Infinity],
    ['undefined member', { a: undefined }],
    ['undefined in array', [1, undefined]],
    ['function', () => 1],
    ['bigint', BigInt(1)],
    ['symbol', Symbol('s')],
    ['Date', new Date(0)],
    ['Map', new Map()],
    ['lone high surrogate', 'a\ud800b'],
    ['lone low surrogate key', { '\udc00': 1 }],
  ])('rejects %s with INVALID_ARGUMENT', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(/^INVALID_ARGUMENT: /);
  });

  it('rejects absurd nesting', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 40; i += 1) {
      deep = [deep];
    }
    expect(() => canonicalJson(deep)).toThrow(/^INVALID_ARGUMENT: .*nesting/);
  });
});
