import { backoffDelay, type BackoffOptions } from '../../src-shared/backoff.js';

/**
 * The restart policy of every supervised child (ffmpeg, Xvfb, nginx...). The decision is pure
 * (decideRestart); the Supervisor holds the failures, the backoff timer, the state and the counters.
 * Spawning and stopping stay in children.ts (ChildRegistry, stopChild): a folder keeps its domain logic.
 */
export interface RestartPolicy {
  /** This many failures (within failureWindowMs, or in a row without one) and it gives up. */
  maxFailures: number;
  /** Failures older than this are forgotten; omitted: they count until a stable run or a reset. */
  failureWindowMs?: number;
  /** Running this long forgets the failures (0: as soon as it runs); omitted: only the window forgets. */
  stableMs?: number;
  backoff: BackoffOptions;
}

export type RestartDecision = { action: 'restart'; failures: number; delayMs: number } | { action: 'give-up'; failures: number };

/** One more failure at `now`: the failures that still count, and whether to restart (after how long) or give up. Pure. */
export function decideRestart(
  failureTimes: readonly number[],
  now: number,
  policy: RestartPolicy,
  random: () => number = Math.random,
): { failureTimes: number[]; decision: RestartDecision } {
  const window = policy.failureWindowMs;
  const kept = [...(window === undefined ? failureTimes : failureTimes.filter((t) => now - t < window)), now];
  const failures = kept.length;
  if (failures >= policy.maxFailures) return { failureTimes: kept, decision: { action: 'give-up', failures } };
  return { failureTimes: kept, decision: { action: 'restart', failures, delayMs: backoffDelay(failures, policy.backoff, random) } };
}

/** How a window of failures reads a given number of seconds (for messages). */
export function describeFailures(failures: number, policy: Pick<RestartPolicy, 'failureWindowMs'>): string {
  return policy.failureWindowMs === undefined
    ? `${failures} failures in a row`
    : `${failures} failures within ${Math.round(policy.failureWindowMs / 1000)} s`;
}

export type SupervisorState = 'idle' | 'starting' | 'running' | 'backoff' | 'failed' | 'stopped';

export interface SupervisorCounters {
  /** Launches (the first one and every restart). */
  starts: number;
  /** Unexpected exits (every one, also those the window has forgotten). */
  failures: number;
  /** Launches after a backoff. */
  restarts: number;
}

export interface SupervisorOptions {
  now?: () => number;
  random?: () => number;
  /** Timers that do not keep the process alive (a child that restarts while the host exits does not matter). */
  unref?: boolean;
}

type StateListener = (state: SupervisorState, previous: SupervisorState) => void;

/**
 * The timing side of supervision: failures counted by the policy, the backoff timer, the stable timer,
 * state-change events and counters. The owner tells it when a launch starts (`starting`), when the
 * child really works (`running`), and when it died unexpectedly (`failed`).
 */
export class Supervisor {
  readonly counters: SupervisorCounters = { starts: 0, failures: 0, restarts: 0 };
  private current: SupervisorState = 'idle';
  private failureTimes: number[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private readonly listeners = new Set<StateListener>();
  private readonly now: () => number;

  constructor(
    readonly policy: RestartPolicy,
    private readonly options: SupervisorOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  get state(): SupervisorState {
    return this.current;
  }

  /** The failures that still count (in the window, or since the last stable run). */
  get failures(): number {
    return this.failureTimes.length;
  }

  /** A restart is waiting for its backoff. */
  get retrying(): boolean {
    return this.retryTimer !== undefined;
  }

  onState(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A launch begins. */
  starting(): void {
    this.counters.starts++;
    this.set('starting');
  }

  /** The child works; after stableMs of it the failures are forgotten (then `onStable`, if any). */
  running(onStable?: () => void): void {
    this.set('running');
    this.clearStable();
    const stableMs = this.policy.stableMs;
    if (stableMs === undefined) return;
    const stable = (): void => {
      this.stableTimer = undefined;
      if (this.current !== 'running') return;
      this.failureTimes = [];
      onStable?.();
    };
    if (stableMs <= 0) {
      stable();
      return;
    }
    this.stableTimer = this.timer(stable, stableMs);
  }

  /**
   * An unexpected exit: counted, then either `relaunch` after the backoff (state backoff) or, past
   * maxFailures, state failed. Without `relaunch` the caller schedules it (retryIn) or not at all.
   */
  failed(relaunch?: () => void): RestartDecision {
    this.clearStable();
    const { failureTimes, decision } = decideRestart(this.failureTimes, this.now(), this.policy, this.options.random);
    this.failureTimes = failureTimes;
    this.counters.failures++;
    if (decision.action === 'give-up') this.giveUp();
    else if (relaunch) this.retryIn(decision.delayMs, relaunch);
    return decision;
  }

  /** Relaunches after `delayMs` (state backoff meanwhile). */
  retryIn(delayMs: number, relaunch: () => void): void {
    this.clearRetry();
    this.set('backoff');
    this.retryTimer = this.timer(() => {
      this.retryTimer = undefined;
      this.counters.restarts++;
      relaunch();
    }, delayMs);
  }

  /** Gives up for good (too many failures, or one that retrying cannot mend). */
  giveUp(): void {
    this.clearTimers();
    this.set('failed');
  }

  /** Stopped on purpose (or ended on its own): no restart is pending any more. A failed one stays failed. */
  stop(): void {
    this.clearTimers();
    if (this.current !== 'failed') this.set('stopped');
  }

  /** Forgets the failures (a fresh start asked for by the user). */
  reset(): void {
    this.failureTimes = [];
  }

  private set(state: SupervisorState): void {
    const previous = this.current;
    if (previous === state) return;
    this.current = state;
    for (const listener of [...this.listeners]) listener(state, previous);
  }

  private timer(fn: () => void, ms: number): NodeJS.Timeout {
    const timer = setTimeout(fn, ms);
    if (this.options.unref) timer.unref();
    return timer;
  }

  private clearStable(): void {
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.stableTimer = undefined;
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private clearTimers(): void {
    this.clearStable();
    this.clearRetry();
  }
}
