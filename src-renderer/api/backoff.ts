/** Reconnect delay for the n-th attempt (0-based): doubles from `baseMs` up to `maxMs`, with ±20% jitter. */
export function backoffDelay(attempt: number, baseMs = 500, maxMs = 15_000, random: () => number = Math.random): number {
  const raw = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  const jitter = 1 + (random() * 0.4 - 0.2);
  return Math.round(Math.min(maxMs, raw * jitter));
}
