import { describe, expect, it } from 'vitest';
import { WS_EVENTS_PATH } from '../../src-shared/contract/index.js';
import { extractLoginCode } from './auth.js';
import { backoffDelay } from '../../src-shared/backoff.js';
import { eventsUrl, parseServerMessage, RECONNECT_BACKOFF } from './event-socket.js';

describe('eventsUrl', () => {
  it('follows the page scheme and host', () => {
    expect(eventsUrl({ protocol: 'http:', host: '127.0.0.1:7070' })).toBe(`ws://127.0.0.1:7070${WS_EVENTS_PATH}`);
    expect(eventsUrl({ protocol: 'https:', host: 'studio.example' })).toBe(`wss://studio.example${WS_EVENTS_PATH}`);
  });
});

describe('parseServerMessage', () => {
  it('accepts hello, pong and known events', () => {
    expect(parseServerMessage('{"type":"hello","version":"1","events":[]}')?.type).toBe('hello');
    expect(parseServerMessage('{"type":"pong"}')?.type).toBe('pong');
    expect(parseServerMessage('{"type":"event","event":"host.stopping","data":{"reason":"x"}}')).toEqual({
      type: 'event',
      event: 'host.stopping',
      data: { reason: 'x' },
    });
  });

  it('ignores unknown events, other types and garbage', () => {
    expect(parseServerMessage('{"type":"event","event":"nope","data":{}}')).toBeNull();
    expect(parseServerMessage('{"type":"other"}')).toBeNull();
    expect(parseServerMessage('not json')).toBeNull();
    expect(parseServerMessage(new ArrayBuffer(2))).toBeNull();
  });
});

// The reconnect delay: the house backoff (src-shared/backoff.ts) with the socket's jitter, attempt n after n failures.
const reconnect = (attempt: number, baseMs: number, maxMs: number, random: () => number) => backoffDelay(attempt + 1, { ...RECONNECT_BACKOFF, baseMs, maxMs }, random);

describe('backoffDelay', () => {
  it('doubles up to the cap', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 10].map((n) => reconnect(n, 500, 4000, mid))).toEqual([500, 1000, 2000, 4000, 4000]);
  });

  it('jitters within ±20% and never above the cap', () => {
    expect(reconnect(0, 1000, 10_000, () => 0)).toBe(800);
    expect(reconnect(0, 1000, 10_000, () => 1)).toBe(1200);
    expect(reconnect(9, 1000, 10_000, () => 1)).toBe(10_000);
  });
});

describe('extractLoginCode', () => {
  it('takes the code from a pasted link or the bare code', () => {
    expect(extractLoginCode(' http://127.0.0.1:7070/login?code=AB12-cd \n')).toBe('AB12-cd');
    expect(extractLoginCode('http://h/login?x=1&code=Q%2BZ#top')).toBe('Q+Z');
    expect(extractLoginCode('  XY34 ')).toBe('XY34');
  });
});
