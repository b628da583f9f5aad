import { decodePacket, TemplateCache } from '../../../../gateway/src/flow';
import { fuzz, seedCorpus } from './support/fuzz';

describe('decoder fuzzing (short run; gateway/scripts/fuzz-flow-decoder.ts runs millions)', () => {
  it('decodes every seed cleanly', () => {
    const cache = new TemplateCache();
    let records = 0;
    for (const seed of seedCorpus()) {
      const r = decodePacket(seed, 'seed:1', cache, 1_700_000_000_000);
      expect(r.issues).toEqual([]);
      records += r.records.length;
    }
    expect(records).toBe(10);
  });

  it('survives 20,000 random and mutated inputs without a throw, a hang or an invalid flow', () => {
    const report = fuzz(20_000, 20_240_601);
    expect(report.failures).toEqual([]);
    expect(report).toMatchObject({ inputs: 20_000, crashes: 0, invalid: 0 });
    // The mutations must reach the record decoder, not only the header checks.
    expect(report.records).toBeGreaterThan(5_000);
    expect(report.issues).toBeGreaterThan(5_000);
  });
});
