/**
 * Per-viewer send limits, pure (the caller passes `now`): slow mode (one message per `slowModeSec`)
 * and a sliding one-minute window of at most `perMinute` messages. Memory is bounded: a viewer's
 * times older than a minute (or the slow-mode span) are dropped, and the oldest viewers go past `maxKeys`.
 */

export interface RateRules {
  slowModeSec: number;
  perMinute: number;
}

export type RateVerdict = { ok: true } | { ok: false; reason: 'slow-mode' | 'rate'; retryAfterMs: number };

const MINUTE_MS = 60_000;

/** Whether one more message may go now, given the times of the viewer's recent ones (oldest first). */
export function checkRate(recent: readonly number[], now: number, rules: RateRules): RateVerdict {
  const last = recent[recent.length - 1];
  if (rules.slowModeSec > 0 && last !== undefined && now - last < rules.slowModeSec * 1000) {
    return { ok: false, reason: 'slow-mode', retryAfterMs: last + rules.slowModeSec * 1000 - now };
  }
  const inWindow = recent.filter((t) => now - t < MINUTE_MS);
  if (inWindow.length >= rules.perMinute) {
    // The window frees a place when its oldest message is a minute old.
    const oldest = inWindow[inWindow.length - rules.perMinute]!;
    return { ok: false, reason: 'rate', retryAfterMs: oldest + MINUTE_MS - now };
  }
  return { ok: true };
}

export class ChatRateLimits {
  private readonly sent = new Map<string, number[]>();

  constructor(private readonly maxKeys = 50_000) {}

  check(key: string, now: number, rules: RateRules): RateVerdict {
    return checkRate(this.sent.get(key) ?? [], now, rules);
  }

  record(key: string, now: number, rules: RateRules): void {
    const keepMs = Math.max(MINUTE_MS, rules.slowModeSec * 1000);
    const times = (this.sent.get(key) ?? []).filter((t) => now - t < keepMs);
    times.push(now);
    // Re-inserted last: the Map's first key is then the longest quiet viewer, dropped when full.
    this.sent.delete(key);
    this.sent.set(key, times.slice(-Math.max(rules.perMinute, 1)));
    if (this.sent.size > this.maxKeys) this.sent.delete(this.sent.keys().next().value!);
  }

  size(): number {
    return this.sent.size;
  }
}
