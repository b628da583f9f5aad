/**
 * Holt's linear exponential smoothing (double exponential smoothing): a level and a trend, each
 * updated by an exponentially weighted average,
 *
 *     level_t = alpha * y_t + (1 - alpha) * (level_{t-1} + trend_{t-1})
 *     trend_t = beta * (level_t - level_{t-1}) + (1 - beta) * trend_{t-1}
 *     forecast_{t+h} = level_t + h * trend_t
 *
 * initialised with level_0 = y_0 and trend_0 = y_1 - y_0.
 */

export interface HoltParameters {
  readonly alpha: number;
  readonly beta: number;
}

export interface HoltFit extends HoltParameters {
  readonly level: number;
  readonly trend: number;
  /** One-step-ahead predictions: fitted[t] predicts series[t] from series[0..t-1] (NaN for t = 0). */
  readonly fitted: readonly number[];
  /** Sum of squared one-step-ahead errors from t = 2. */
  readonly sse: number;
}

export function holt(series: readonly number[], params: HoltParameters): HoltFit {
  const { alpha, beta } = params;
  if (!(alpha > 0 && alpha <= 1 && beta >= 0 && beta <= 1)) {
    throw new RangeError('alpha must be in (0, 1] and beta in [0, 1]');
  }
  if (series.length === 0) {
    throw new RangeError('Holt smoothing needs at least one observation');
  }
  let level = series[0] as number;
  let trend = series.length > 1 ? (series[1] as number) - level : 0;
  const fitted: number[] = [Number.NaN];
  let sse = 0;
  for (let t = 1; t < series.length; t += 1) {
    const y = series[t] as number;
    const predicted = level + trend;
    fitted.push(predicted);
    if (t >= 2) {
      sse += (y - predicted) ** 2;
    }
    const previousLevel = level;
    level = alpha * y + (1 - alpha) * (level + trend);
    trend = beta * (level - previousLevel) + (1 - beta) * trend;
  }
  return { alpha, beta, level, trend, fitted, sse };
}

/** level + h * trend for h = 1..horizon. */
export function holtForecast(fit: HoltFit, horizon: number): number[] {
  return Array.from({ length: horizon }, (_, i) => fit.level + (i + 1) * fit.trend);
}

const GRID = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
export const DEFAULT_HOLT: HoltParameters = { alpha: 0.5, beta: 0.3 };

/**
 * Picks alpha and beta on a 0.1 grid by least one-step-ahead squared error; with fewer than five
 * observations there is too little to fit and DEFAULT_HOLT is used.
 */
export function fitHolt(series: readonly number[]): HoltFit {
  if (series.length < 5) {
    return holt(series, DEFAULT_HOLT);
  }
  let best: HoltFit | undefined;
  for (const alpha of GRID) {
    for (const beta of GRID) {
      const fit = holt(series, { alpha, beta });
      if (best === undefined || fit.sse < best.sse) {
        best = fit;
      }
    }
  }
  return best as HoltFit;
}
