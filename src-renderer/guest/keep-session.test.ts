import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebRtcSession } from '../studio/output/webrtc-client.js';
import { keepSession, RECONNECT_MS } from './keep-session.js';

/** A session whose connection state the test sets. */
function fakeSession(): WebRtcSession & { set(state: RTCPeerConnectionState): void; closed: boolean } {
  const pc = Object.assign(new EventTarget(), { connectionState: 'new' as RTCPeerConnectionState });
  const s = {
    pc: pc as unknown as RTCPeerConnection,
    location: 'http://host/guest/x/session/y',
    closed: false,
    close: () => void (s.closed = true),
    set: (state: RTCPeerConnectionState) => {
      pc.connectionState = state;
      pc.dispatchEvent(new Event('connectionstatechange'));
    },
  };
  return s;
}

describe('keepSession', () => {
  afterEach(() => void vi.useRealTimers());

  it('opens again at once when the connection fails, and after a while when it stays disconnected', async () => {
    vi.useFakeTimers();
    const made: ReturnType<typeof fakeSession>[] = [];
    const states: string[] = [];
    const kept = keepSession(async () => (made.push(fakeSession()), made.at(-1)!), { state: (s) => states.push(s) });
    await vi.advanceTimersByTimeAsync(0);
    expect(kept.current()).toBe(made[0]);
    made[0]!.set('connected');
    made[0]!.set('failed');
    await vi.advanceTimersByTimeAsync(0);
    expect(made).toHaveLength(2);
    expect(made[0]!.closed).toBe(true);
    // Disconnected and back within RECONNECT_MS: kept.
    made[1]!.set('disconnected');
    await vi.advanceTimersByTimeAsync(RECONNECT_MS - 100);
    made[1]!.set('connected');
    await vi.advanceTimersByTimeAsync(RECONNECT_MS);
    expect(made).toHaveLength(2);
    // Disconnected for good: made again.
    made[1]!.set('disconnected');
    await vi.advanceTimersByTimeAsync(RECONNECT_MS);
    expect(made).toHaveLength(3);
    expect(states).toEqual(['connected', 'failed', 'disconnected', 'connected', 'disconnected']);
    kept.stop();
    expect(made[2]!.closed).toBe(true);
    expect(kept.current()).toBeNull();
  });

  it('tries a refused open again after a while, tells why, and stops for good', async () => {
    vi.useFakeTimers();
    const refusals: unknown[] = [];
    let tries = 0;
    const kept = keepSession(async () => {
      tries += 1;
      throw new Error('GUEST_NOT_ADMITTED: wait');
    }, { refused: (e) => refusals.push(e) });
    await vi.advanceTimersByTimeAsync(0);
    expect(tries).toBe(1);
    await vi.advanceTimersByTimeAsync(RECONNECT_MS);
    expect(tries).toBe(2);
    expect(refusals).toHaveLength(2);
    kept.stop();
    await vi.advanceTimersByTimeAsync(RECONNECT_MS * 3);
    expect(tries).toBe(2);
  });

  it('closes a session that opens after it was stopped', async () => {
    vi.useFakeTimers();
    const s = fakeSession();
    let answer: (v: WebRtcSession) => void = () => undefined;
    const kept = keepSession(() => new Promise((r) => (answer = r)));
    kept.stop();
    answer(s);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.closed).toBe(true);
    expect(kept.current()).toBeNull();
  });
});
