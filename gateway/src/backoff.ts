import type { Random } from './clock';

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  readonly multiplier: number;
  /** Fraction of each delay drawn at random: 0 = fixed delays, 1 = "full jitter". */
  readonly jitter: number;
}

/**
 * Delay before retry number `attempt` (1 = first retry): exponential growth capped at `maxMs`, then
 * the jittered fraction drawn from `random` so that many rows failing together do not retry together.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: Random): number {
  const exponent = Math.max(0, attempt - 1);
  const base = Math.min(policy.maxMs, policy.initialMs * policy.multiplier ** exponent);
  const jittered = base * (1 - policy.jitter) + base * policy.jitter * random();
  return Math.max(1, Math.round(jittered));
}
