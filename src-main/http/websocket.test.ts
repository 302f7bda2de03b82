import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import { keepAlive } from './websocket.js';

/** The three things keepAlive uses of a ws socket; the real ws sockets run in the API and edge-socket tests. */
class FakeSocket extends EventEmitter {
  pings = 0;
  terminated = false;
  ping(): void {
    this.pings++;
  }
  terminate(): void {
    this.terminated = true;
  }
}

afterEach(() => vi.useRealTimers());

describe('keepAlive', () => {
  it('pings every period, terminates a socket that missed a pong, and stops when the socket closes', () => {
    vi.useFakeTimers();
    const answering = new FakeSocket();
    keepAlive(answering as unknown as WebSocket, 1000);
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(1000);
      answering.emit('pong');
    }
    expect(answering.pings).toBe(3);
    expect(answering.terminated).toBe(false);
    answering.emit('close');
    vi.advanceTimersByTime(5000);
    expect(answering.pings).toBe(3);

    const silent = new FakeSocket();
    keepAlive(silent as unknown as WebSocket, 1000);
    vi.advanceTimersByTime(1000);
    expect(silent.terminated).toBe(false);
    vi.advanceTimersByTime(1000);
    expect(silent.terminated).toBe(true);
  });
});
