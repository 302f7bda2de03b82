import { describe, expect, it } from 'vitest';
import type { ObsConnection, ObsStats } from '../../../src-shared/contract/index.js';
import { appendObsSample, connectionWords, EMPTY_OBS_SERIES, formatDuration, pickConnection } from './obs-model.js';

const conn = (over: Partial<ObsConnection>): ObsConnection => ({
  id: 'a',
  label: 'OBS',
  host: '127.0.0.1',
  port: 4455,
  managed: false,
  state: 'connected',
  error: null,
  latencyMs: 2.4,
  nextRetryAt: null,
  retries: 0,
  obsVersion: '5.1.0',
  since: 0,
  createdAt: 1,
  ...over,
});

const sample = (at: number, dropped: number): ObsStats => ({
  connectionId: 'a',
  at,
  fps: 30,
  cpuPercent: 20,
  memoryMb: 300,
  renderSkippedFrames: 0,
  renderTotalFrames: 0,
  outputSkippedFrames: 0,
  outputTotalFrames: 0,
  streamDroppedFrames: dropped,
  streamTotalFrames: 0,
  streamBitrateKbps: 2500,
  streamCongestion: 0,
});

describe('OBS page model', () => {
  it('words each connection state, with latency and the time to the next retry', () => {
    expect(connectionWords(conn({}), 0)).toEqual({ text: 'connected · 2 ms', tone: 'ok' });
    expect(connectionWords(conn({ state: 'disconnected', nextRetryAt: 4_200 }), 1_000)).toEqual({ text: 'disconnected · retry in 4 s', tone: 'bad' });
    expect(connectionWords(conn({ state: 'disconnected', nextRetryAt: 500 }), 1_000).text).toBe('disconnected · retrying');
    expect(connectionWords(conn({ state: 'auth_failed' }), 0)).toEqual({ text: 'wrong password', tone: 'bad' });
  });

  it('plots dropped frames per sample, not the running counter', () => {
    const a = sample(1000, 10);
    const b = sample(2000, 13);
    const s = appendObsSample(appendObsSample(EMPTY_OBS_SERIES, a, null), b, a);
    expect(s.dropped).toEqual([0, 3]);
    expect(s.bitrate).toEqual([2500, 2500]);
    expect(s.t).toEqual([1, 2]);
  });

  it('keeps the chosen connection, else prefers a connected one', () => {
    const list = { a: conn({ id: 'a', state: 'disconnected', createdAt: 1 }), b: conn({ id: 'b', createdAt: 2 }) };
    expect(pickConnection(list, 'a')).toBe('a');
    expect(pickConnection(list, 'gone')).toBe('b');
    expect(pickConnection({}, null)).toBeNull();
  });

  it('formats output durations', () => {
    expect(formatDuration(65_000)).toBe('01:05');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
  });
});
