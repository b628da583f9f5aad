import { decideVerdict, loadModelManifest } from '../../../gateway/src/features';

describe('decideVerdict (feature-spec.json verdictRule)', () => {
  const t = { suspicious: 0.5, malicious: 0.9, anomaly: 0.7 };

  it.each([
    [{ attackProbability: 0.95 }, 'malicious'],
    [{ attackProbability: 0.9 }, 'malicious'],
    [{ attackProbability: 0.95, anomalyScore: 0.1 }, 'malicious'],
    [{ attackProbability: 0.5 }, 'suspicious'],
    [{ attackProbability: 0.1, anomalyScore: 0.7 }, 'suspicious'],
    [{ attackProbability: 0.1, anomalyScore: 0.69 }, 'benign'],
    [{ attackProbability: 0.49999 }, 'benign'],
  ] as const)('%j -> %s', (scores, verdict) => {
    expect(decideVerdict(scores, t)).toBe(verdict);
  });

  it('ignores the anomaly score when no anomaly threshold is deployed', () => {
    expect(
      decideVerdict({ attackProbability: 0.1, anomalyScore: 1 }, { suspicious: 0.5, malicious: 0.9 }),
    ).toBe('benign');
  });

  it('never lets the anomaly score alone make a flow malicious', () => {
    expect(decideVerdict({ attackProbability: 0, anomalyScore: 1 }, t)).toBe('suspicious');
  });

  it('refuses a non-finite attack probability', () => {
    expect(() => decideVerdict({ attackProbability: Number.NaN }, t)).toThrow(RangeError);
  });

  it('uses the thresholds of the committed manifest', () => {
    const { thresholds } = loadModelManifest();
    expect(thresholds.anomaly).toBeDefined();
    expect(decideVerdict({ attackProbability: thresholds.malicious }, thresholds)).toBe('malicious');
    expect(decideVerdict({ attackProbability: thresholds.suspicious }, thresholds)).toBe('suspicious');
    expect(decideVerdict({ attackProbability: 0, anomalyScore: thresholds.anomaly! }, thresholds)).toBe(
      'suspicious',
    );
  });
});
