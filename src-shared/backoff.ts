/**
 * The one backoff of the house: exponential from baseMs (times `factor` per failure), capped at maxMs,
 * spread by ±jitter so that many supervised things do not retry in step. A fixed ladder such as
 * 500, 1000, 2000, 4000 ms is base 500, max 4000, jitter 0. Pure.
 */

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** A fraction of the delay: 0.2 spreads it over [0.8, 1.2] times (never above maxMs). */
  jitter: number;
  /** Growth per failure; 2 when omitted. */
  factor?: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 1000, maxMs: 30_000, jitter: 0.2 };

/** The delay before the retry that follows the `failures`-th consecutive failure (1 -> ~1 s, 2 -> ~2 s, 3 -> ~4 s...). */
export function backoffDelay(failures: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, failures - 1), 30);
  const nominal = Math.min(options.maxMs, options.baseMs * Math.max(1, options.factor ?? 2) ** exponent);
  const spread = nominal * Math.max(0, Math.min(1, options.jitter));
  const r = Math.max(0, Math.min(1, random()));
  return Math.round(Math.min(options.maxMs, Math.max(0, nominal - spread + 2 * spread * r)));
}
