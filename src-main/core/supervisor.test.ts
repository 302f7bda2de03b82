import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { decideRestart, describeFailures, Supervisor, type RestartPolicy, type SupervisorState } from './supervisor.js';

const ladder = { baseMs: 500, maxMs: 4000, jitter: 0 };

describe('decideRestart (pure)', () => {
  it('restarts with the backoff of the failure count, and gives up at maxFailures', () => {
    const policy: RestartPolicy = { maxFailures: 3, failureWindowMs: 30_000, backoff: ladder };
    const first = decideRestart([], 1000, policy);
    expect(first.decision).toEqual({ action: 'restart', failures: 1, delayMs: 500 });
    const second = decideRestart(first.failureTimes, 2000, policy);
    expect(second.decision).toEqual({ action: 'restart', failures: 2, delayMs: 1000 });
    expect(decideRestart(second.failureTimes, 3000, policy).decision).toEqual({ action: 'give-up', failures: 3 });
  });

  it('forgets failures older than the window (strictly older: at exactly the window they are gone)', () => {
    const policy: RestartPolicy = { maxFailures: 3, failureWindowMs: 30_000, backoff: ladder };
    const { failureTimes, decision } = decideRestart([0, 15_000], 40_000, policy);
    expect(failureTimes).toEqual([15_000, 40_000]);
    expect(decision).toEqual({ action: 'restart', failures: 2, delayMs: 1000 });
    expect(decideRestart([10_000, 20_000], 40_000, policy).decision.failures).toBe(2);
    expect(decideRestart([10_001, 20_000], 40_000, policy).decision.action).toBe('give-up');
  });

  it('counts in a row when there is no window', () => {
    const policy: RestartPolicy = { maxFailures: 8, backoff: { baseMs: 1000, maxMs: 30_000, jitter: 0.2 } };
    const { decision } = decideRestart([0, 1, 2], 10_000_000, policy, () => 0.5);
    expect(decision).toEqual({ action: 'restart', failures: 4, delayMs: 8000 });
    expect(decideRestart([], 0, policy, () => 0).decision).toEqual({ action: 'restart', failures: 1, delayMs: 800 });
  });

  it('never gives up with maxFailures Infinity', () => {
    const policy: RestartPolicy = { maxFailures: Number.POSITIVE_INFINITY, backoff: { baseMs: 500, maxMs: 10_000, jitter: 0 } };
    const times = Array.from({ length: 100 }, (_, i) => i);
    expect(decideRestart(times, 200, policy).decision).toEqual({ action: 'restart', failures: 101, delayMs: 10_000 });
  });

  it('describes the count for messages', () => {
    expect(describeFailures(3, { failureWindowMs: 30_000 })).toBe('3 failures within 30 s');
    expect(describeFailures(8, {})).toBe('8 failures in a row');
  });
});

describe('Supervisor', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  const watch = (supervisor: Supervisor): SupervisorState[] => {
    const states: SupervisorState[] = [];
    supervisor.onState((state) => states.push(state));
    return states;
  };

  it('relaunches after the backoff, counts, and reports each state change', () => {
    const supervisor = new Supervisor({ maxFailures: 3, failureWindowMs: 30_000, backoff: ladder }, { now: () => Date.now() });
    const states = watch(supervisor);
    const relaunch = vi.fn(() => supervisor.starting());
    supervisor.starting();
    supervisor.running();
    expect(supervisor.failed(relaunch)).toEqual({ action: 'restart', failures: 1, delayMs: 500 });
    expect(supervisor.retrying).toBe(true);
    vi.advanceTimersByTime(499);
    expect(relaunch).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(relaunch).toHaveBeenCalledTimes(1);
    expect(supervisor.failed(relaunch).action).toBe('restart');
    vi.advanceTimersByTime(1000);
    expect(supervisor.failed(relaunch)).toEqual({ action: 'give-up', failures: 3 });
    vi.advanceTimersByTime(10_000);
    expect(relaunch).toHaveBeenCalledTimes(2);
    expect(states).toEqual(['starting', 'running', 'backoff', 'starting', 'backoff', 'starting', 'failed']);
    expect(supervisor.counters).toEqual({ starts: 3, failures: 3, restarts: 2 });
  });

  it('forgets the failures after a stable run', () => {
    const supervisor = new Supervisor({ maxFailures: 2, stableMs: 10_000, backoff: ladder });
    const stable = vi.fn();
    supervisor.starting();
    supervisor.failed();
    expect(supervisor.failures).toBe(1);
    supervisor.running(stable);
    vi.advanceTimersByTime(9_999);
    expect(supervisor.failures).toBe(1);
    vi.advanceTimersByTime(1);
    expect(supervisor.failures).toBe(0);
    expect(stable).toHaveBeenCalledTimes(1);
    expect(supervisor.failed().action).toBe('restart');
  });

  it('a failure before the stable time keeps counting; stableMs 0 forgets at once', () => {
    const counting = new Supervisor({ maxFailures: 2, stableMs: 10_000, backoff: ladder });
    counting.failed();
    counting.running();
    vi.advanceTimersByTime(5000);
    expect(counting.failed().action).toBe('give-up');

    const eager = new Supervisor({ maxFailures: 2, stableMs: 0, backoff: ladder });
    eager.failed();
    eager.running();
    expect(eager.failures).toBe(0);
  });

  it('stop cancels a pending restart', () => {
    const supervisor = new Supervisor({ maxFailures: 5, backoff: ladder });
    const relaunch = vi.fn();
    supervisor.failed(relaunch);
    supervisor.stop();
    vi.advanceTimersByTime(60_000);
    expect(relaunch).not.toHaveBeenCalled();
    expect(supervisor.state).toBe('stopped');
    expect(supervisor.retrying).toBe(false);
  });

  it('reset forgets the failures; giveUp cancels the timers', () => {
    const supervisor = new Supervisor({ maxFailures: 2, backoff: ladder });
    supervisor.failed();
    supervisor.reset();
    expect(supervisor.failed().action).toBe('restart');
    const relaunch = vi.fn();
    supervisor.retryIn(100, relaunch);
    supervisor.giveUp();
    vi.advanceTimersByTime(1000);
    expect(relaunch).not.toHaveBeenCalled();
    expect(supervisor.state).toBe('failed');
  });
});
