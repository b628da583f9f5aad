import { flowVerdict, verdictFor } from '@cityledger/core';
import { decideVerdict } from '../../../../gateway/src/features';
import { checkVerdictThresholds, combineVerdict } from '../../../../gateway/src/scoring';

const thresholds = { classifier: { suspicious: 0.4, malicious: 0.8 }, anomaly: 0.1 };

describe('combineVerdict', () => {
  it.each([
    [0.1, -0.2, 'benign'],
    [0.1, 0.1, 'suspicious'], // anomaly clause alone, at the threshold
    [0.4, -0.2, 'suspicious'], // classifier at its suspicious threshold
    [0.79, 0.5, 'suspicious'], // anomaly never makes a flow malicious
    [0.8, -0.2, 'malicious'],
    [0.95, 0.5, 'malicious'],
  ] as const)('p=%d anomaly=%d -> %s', (p, a, verdict) => {
    expect(combineVerdict(p, a, thresholds).verdict).toBe(verdict);
  });

  it('leaves the anomaly clause false without an anomaly score or threshold', () => {
    expect(combineVerdict(0.1, undefined, thresholds).verdict).toBe('benign');
    expect(combineVerdict(0.1, 9, { classifier: thresholds.classifier }).verdict).toBe('benign');
  });

  it("gives a threatScore whose verdict under the classifier's thresholds is the combined verdict", () => {
    for (let p = 0; p <= 1; p += 0.01) {
      for (const a of [-1, 0.0999, 0.1, 2]) {
        const v = combineVerdict(p, a, thresholds);
        expect(verdictFor(v.threatScore, thresholds.classifier)).toBe(v.verdict);
        expect(v.threatScore).toBeGreaterThanOrEqual(p);
      }
    }
    expect(combineVerdict(0.1, 0.5, thresholds).threatScore).toBe(0.4);
    expect(combineVerdict(0.3, -1, thresholds).threatScore).toBe(0.3);
  });

  it('compares float32 scores widened to double', () => {
    const f32 = Math.fround(0.8);
    expect(f32 > 0.8).toBe(true);
    expect(combineVerdict(f32, undefined, thresholds).verdict).toBe('malicious');
  });
});

describe('combineVerdict agrees with the other implementations of the rule', () => {
  it("gives core flowVerdict's and the feature extractor's decideVerdict's verdict on a grid", () => {
    const anomalyThresholds = { suspicious: thresholds.anomaly, malicious: 1 };
    const flat = { ...thresholds.classifier, anomaly: thresholds.anomaly };
    for (let p = 0; p <= 1.0001; p += 0.005) {
      for (let a = -0.5; a <= 0.5; a += 0.025) {
        const mine = combineVerdict(p, a, thresholds).verdict;
        expect(mine).toBe(
          flowVerdict({ threatScore: p, anomalyScore: a }, thresholds.classifier, anomalyThresholds),
        );
        expect(mine).toBe(decideVerdict({ attackProbability: p, anomalyScore: a }, flat));
      }
    }
  });
});

describe('checkVerdictThresholds', () => {
  it('refuses unusable thresholds', () => {
    expect(() => {
      checkVerdictThresholds({ classifier: { suspicious: 0.8, malicious: 0.8 } });
    }).toThrow(RangeError);
    expect(() => {
      checkVerdictThresholds({ classifier: { suspicious: -0.1, malicious: 0.8 } });
    }).toThrow(RangeError);
    expect(() => {
      checkVerdictThresholds({ classifier: { suspicious: 0.1, malicious: 0.8 }, anomaly: Number.NaN });
    }).toThrow(/anomaly threshold/);
    expect(() => {
      checkVerdictThresholds(thresholds);
    }).not.toThrow();
  });
});
