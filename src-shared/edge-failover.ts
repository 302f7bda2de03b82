/**
 * How a viewer's player uses the edges `cdn.playback` lists: the player page (/play, /embed) inlines
 * these functions (`FAILOVER_FUNCTIONS`, like dvr.ts), and the fleet test bed's viewer simulator
 * follows the same rule, so that what the bench measures is what a real viewer does.
 *
 * THE RULE
 * - Start: the server's order stands, except that the leading edges of one region match (at most
 *   `measureCount`) are measured (time to fetch the master playlist, `measureTimeoutMs` each, in
 *   parallel) and the fastest that answered goes first. None answered: the server's order.
 * - Move on from the current source when
 *     a. the player reports a fatal network error (hls.js gave up), or
 *     b. `errorCount` load failures (a playlist or fragment request refused, failed or timed out:
 *        `isLoadFailure`) within `errorWindowMs`, or
 *     c. a stall: the page wants to play and the playhead has not moved for `stallMs` (a source
 *        that has not played yet: `startupMs`).
 *   Media (decode) errors are not a reason: the player recovers those in place; nor is a playlist
 *   that loads but lists no segment yet (a stream starting): another source has no more, so the
 *   player loads the same source again 2 s later.
 * - Move to: the playback order is fetched again (drained or dead edges have left it), and the first
 *   source that did not fail in the last `cooldownMs` is taken, the origin last; when every one
 *   failed lately, the one that failed longest ago. No reload: the same player loads the new URL and
 *   starts near the live edge; the page says `via edge <id>`.
 * - Leave a drained edge: every `recheckMs` (plus up to `recheckJitterMs`, so that viewers do not ask
 *   at once) the page asks the order again; when it no longer lists the edge played from (an operator
 *   or the autoscaler drains it, or it was removed: `leftOrder`), the page moves as above without
 *   counting it a failure, before the edge goes away. That is how a scale-in loses no viewer.
 * With the figures below an edge that dies mid-play is left within about 2.5 s (its next playlist
 * reloads fail at once; a hung edge stalls for 3 s) and the next plays about a second later.
 *
 * Inlined means: each function stands alone (no constant or import of this file inside it).
 */
export interface FailoverRule {
  measureCount: number;
  measureTimeoutMs: number;
  errorCount: number;
  errorWindowMs: number;
  stallMs: number;
  /** A source that has not played yet gets this long before its silence counts as a stall. */
  startupMs: number;
  cooldownMs: number;
  /** How often the page asks the playback order again to leave a drained edge, and the random spread added. */
  recheckMs: number;
  recheckJitterMs: number;
}

export const FAILOVER_RULE: FailoverRule = {
  measureCount: 3,
  measureTimeoutMs: 1500,
  errorCount: 2,
  errorWindowMs: 10_000,
  stallMs: 3000,
  startupMs: 8000,
  cooldownMs: 30_000,
  recheckMs: 20_000,
  recheckJitterMs: 10_000,
};

/** What the player saw on its current source. Times are the page's clock (ms). */
export interface SourceHealth {
  /** The player gave up with a fatal network error. */
  fatal: boolean;
  /** When network errors happened on this source. */
  errorsAt: readonly number[];
  /** The viewer wants playback (not paused by them, not ended). */
  wantsPlay: boolean;
  /** The playhead moved on this source at least once. */
  started: boolean;
  /** Last time the playhead moved, or when this source was started. */
  progressAt: number;
}

/** Why to leave the current source now, or null to stay. */
export function moveOnReason(health: SourceHealth, now: number, rule: FailoverRule): string | null {
  if (health.fatal) return 'fatal network error';
  const recent = health.errorsAt.filter((at) => now - at <= rule.errorWindowMs).length;
  if (recent >= rule.errorCount) return `${recent} network errors in ${Math.round(rule.errorWindowMs / 1000)} s`;
  const allowed = health.started ? rule.stallMs : rule.startupMs;
  if (health.wantsPlay && now - health.progressAt >= allowed) return `stalled ${((now - health.progressAt) / 1000).toFixed(1)} s`;
  return null;
}

/** An hls.js network error that says the source failed to answer (not that its answer was early or empty). */
export function isLoadFailure(details: string): boolean {
  return /Load(Error|TimeOut)$/.test(details);
}

/**
 * Which of the leading candidates to measure: the first, and those right after it with the same
 * region match, up to `count` (a faster edge elsewhere is no reason to leave the viewer's region).
 */
export function measureSet(matches: readonly string[], count: number): number {
  let n = 0;
  while (n < matches.length && n < count && matches[n] === matches[0]) n++;
  return n;
}

/** The server's order with the fastest measured one moved first (`ms` null: did not answer). */
export function afterMeasuring<T>(candidates: readonly T[], ms: readonly (number | null)[]): T[] {
  let best = -1;
  for (let i = 0; i < ms.length; i++) {
    const m = ms[i];
    if (m !== null && m !== undefined && (best < 0 || m < ms[best]!)) best = i;
  }
  if (best <= 0) return [...candidates];
  return [candidates[best]!, ...candidates.slice(0, best), ...candidates.slice(best + 1)];
}

/**
 * The index of the source to play next in `ids` (edges in order, the origin last): the first that did
 * not fail within `cooldownMs`, else the one that failed longest ago; -1 for an empty list.
 */
export function nextSource(ids: readonly string[], failedAt: Readonly<Record<string, number>>, now: number, cooldownMs: number): number {
  let oldest = -1;
  for (let i = 0; i < ids.length; i++) {
    const at = failedAt[ids[i]!];
    if (at === undefined || now - at >= cooldownMs) return i;
    if (oldest < 0 || at < failedAt[ids[oldest]!]!) oldest = i;
  }
  return oldest;
}

/** The order asked again no longer lists the edge played from (drained or removed): leave it, no failure. The origin is never left this way. */
export function leftOrder(currentId: string, freshIds: readonly string[]): boolean {
  return currentId !== 'origin' && !freshIds.includes(currentId);
}

export const FAILOVER_FUNCTIONS = [moveOnReason, isLoadFailure, measureSet, afterMeasuring, nextSource, leftOrder] as const;
