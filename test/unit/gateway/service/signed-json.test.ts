import { canonicalJson } from '@cityledger/core';
import { signedJson } from '../../../../gateway/src/signed-json';
import { seededRandom } from './helpers';

const SIGNATURE = 'MEUCIQD+/aZ09x=='.padEnd(88, 'A');

function check(content: object, signature = SIGNATURE): void {
  const encoded = signedJson(content);
  expect(encoded.content).toBe(canonicalJson(content));
  expect(encoded.withSignature(signature)).toBe(canonicalJson({ ...content, signature }));
}

describe('signedJson', () => {
  it('gives the canonical JSON of the content and of the content with its signature', () => {
    check({
      gatewayId: 'g',
      verdict: 'malicious',
      threatScore: 0.93,
      flow: { srcPort: 1, dstAddr: '10.0.0.1' },
    });
    check({ a: 1 }); // signature is the last member
    check({ z: 1 }); // the first
    check({}); // the only one
    check({ Signature: 1, signaturf: 2, signatur: 3, 'sig\u00e9': 4, '\u{1F600}': 5 });
  });

  it('falls back to two encodings when the content has a signature or the placeholder of its own', () => {
    check({ signature: 'old', a: 1 });
    check({ a: '"signature":"~signature~"', b: { signature: '~signature~' } });
    check({ nested: { signature: '~signature~' } });
  });

  it('agrees with canonicalJson on random documents', () => {
    const random = seededRandom(11);
    const keys = [
      'a',
      'b',
      'observedAt',
      'sign',
      'signatures',
      'signaturd',
      'threat',
      'Z',
      'é',
      'flow',
      'x y',
    ];
    const value = (depth: number): unknown => {
      const r = random();
      if (r < 0.25) return Math.round(random() * 1e6) / 1e3;
      if (r < 0.5) return `s${Math.round(random() * 100)}\u00e9"\\`;
      if (r < 0.6) return random() < 0.5;
      if (r < 0.7) return null;
      if (r < 0.8 && depth < 3) return [value(depth + 1), value(depth + 1)];
      if (depth < 3) return doc(depth + 1);
      return 1;
    };
    const doc = (depth: number): Record<string, unknown> =>
      Object.fromEntries(keys.filter(() => random() < 0.5).map((k) => [k, value(depth)]));
    for (let i = 0; i < 500; i += 1) {
      check(doc(0), `sig${i}`);
    }
  });
});
