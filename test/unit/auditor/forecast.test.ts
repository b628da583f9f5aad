import { fitHolt, holt, holtForecast } from '../../../auditor/src/forecast';
import { zoneRisk } from '../../../auditor/src/risk';

describe("Holt's linear smoothing", () => {
  it('matches a hand computation', () => {
    const fit = holt([1, 3, 2], { alpha: 0.5, beta: 0.5 });
    // level0 = 1, trend0 = 2; t=1: predicted 3, level 3, trend 2; t=2: predicted 5, level 3.5, trend 1.25
    expect(fit.fitted).toEqual([Number.NaN, 3, 5]);
    expect(fit.level).toBeCloseTo(3.5, 12);
    expect(fit.trend).toBeCloseTo(1.25, 12);
    expect(fit.sse).toBeCloseTo(9, 12);
    expect(holtForecast(fit, 2)).toEqual([4.75, 6]);
  });

  it('continues an exact line without error, whatever the parameters', () => {
    const line = Array.from({ length: 12 }, (_, t) => 0.1 + 0.02 * t);
    for (const params of [
      { alpha: 0.2, beta: 0.1 },
      { alpha: 0.9, beta: 0.9 },
    ]) {
      const fit = holt(line, params);
      expect(fit.sse).toBeCloseTo(0, 20);
      holtForecast(fit, 3).forEach((f, h) => {
        expect(f).toBeCloseTo(0.1 + 0.02 * (12 + h), 12);
      });
    }
  });

  it('fits parameters by least one-step squared error', () => {
    const noisy = [0.1, 0.3, 0.1, 0.3, 0.1, 0.3, 0.1, 0.3, 0.1, 0.3];
    const fit = fitHolt(noisy);
    const grid = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
    for (const alpha of grid) {
      for (const beta of grid) {
        expect(fit.sse).toBeLessThanOrEqual(holt(noisy, { alpha, beta }).sse + 1e-12);
      }
    }
  });

  it('rejects bad parameters and empty series', () => {
    expect(() => holt([], { alpha: 0.5, beta: 0.5 })).toThrow(RangeError);
    expect(() => holt([1], { alpha: 0, beta: 0.5 })).toThrow(RangeError);
  });
});

describe('zone risk', () => {
  const hours = (rates: readonly (number | null)[]) =>
    rates.map((r, i) => ({
      start: new Date(Date.UTC(2026, 2, 1, i)).toISOString(),
      total: r === null ? 0 : 100,
      flagged: r === null ? 0 : Math.round(r * 100),
    }));

  it('flags a rising rate whose forecast crosses the threshold', () => {
    const risk = zoneRisk('harbour', hours([0.02, 0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.16]), {
      threshold: 0.2,
      horizon: 3,
    });
    expect(risk.forecast[2]).toBeGreaterThanOrEqual(0.2);
    expect(risk.flagged).toBe(true);
  });

  it('does not flag a flat low rate, and clamps forecasts to [0, 1]', () => {
    const flat = zoneRisk('park', hours([0.05, 0.05, 0.05, 0.05, 0.05, 0.05]), {
      threshold: 0.2,
      horizon: 3,
    });
    expect(flat.flagged).toBe(false);
    const falling = zoneRisk('park', hours([0.5, 0.4, 0.3, 0.2, 0.1, 0.0]), { threshold: 0.2, horizon: 5 });
    expect(Math.min(...falling.forecast)).toBe(0);
  });

  it('carries the previous rate over buckets without flows', () => {
    expect(zoneRisk('z', hours([null, 0.1, null, 0.3]), { threshold: 0.5, horizon: 1 }).rates).toEqual([
      0, 0.1, 0.1, 0.3,
    ]);
  });
});
