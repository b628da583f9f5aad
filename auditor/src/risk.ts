import { fitHolt, holtForecast } from './forecast';

/** Flows seen and flows flagged (suspicious or malicious) in one time bucket of one zone. */
export interface RiskBucket {
  /** Bucket start (ISO). */
  readonly start: string;
  readonly total: number;
  readonly flagged: number;
}

export interface RiskSettings {
  /** Rate (0..1) at or above which a forecast raises a flag. */
  readonly threshold: number;
  /** Buckets to forecast ahead. */
  readonly horizon: number;
}

export const DEFAULT_RISK: RiskSettings = { threshold: 0.2, horizon: 3 };

export interface ZoneRisk {
  readonly zone: string;
  readonly buckets: readonly RiskBucket[];
  /** flagged / total per bucket; a bucket without flows carries the previous rate (0 at first). */
  readonly rates: readonly number[];
  /** Forecast rates for the next `horizon` buckets, clamped to [0, 1]. */
  readonly forecast: readonly number[];
  readonly alpha: number;
  readonly beta: number;
  /** Root mean squared one-step-ahead error of the fit (NaN with fewer than three buckets). */
  readonly rmse: number;
  /** True when a forecast rate reaches the threshold. */
  readonly flagged: boolean;
}

/** Suspicious+malicious rate per bucket with Holt's forecast and a threshold flag. */
export function zoneRisk(zone: string, buckets: readonly RiskBucket[], settings: RiskSettings): ZoneRisk {
  const rates: number[] = [];
  let previous = 0;
  for (const b of buckets) {
    previous = b.total > 0 ? b.flagged / b.total : previous;
    rates.push(previous);
  }
  if (rates.length === 0) {
    return { zone, buckets, rates, forecast: [], alpha: 0, beta: 0, rmse: Number.NaN, flagged: false };
  }
  const fit = fitHolt(rates);
  const forecast = holtForecast(fit, settings.horizon).map((r) => Math.min(1, Math.max(0, r)));
  const errors = rates.length - 2;
  return {
    zone,
    buckets,
    rates,
    forecast,
    alpha: fit.alpha,
    beta: fit.beta,
    rmse: errors > 0 ? Math.sqrt(fit.sse / errors) : Number.NaN,
    flagged: forecast.some((r) => r >= settings.threshold),
  };
}
