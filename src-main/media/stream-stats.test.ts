import { describe, expect, it } from 'vitest';
import type { ViewerStats } from '../../src-shared/contract/index.js';
import { BitrateWindow, liveFigures } from './stream-stats.js';

const viewers = (count: number, bytesOut: number): ViewerStats => ({
  name: 'show',
  at: 0,
  viewers: count,
  byRendition: {},
  byProtocol: {},
  bytesOut,
  renditionSwitches: 0,
  segmentBytes: { peers: 0, http: 0 },
  startupMsP50: null,
  latencyMsP50: {},
});

describe('BitrateWindow', () => {
  it('is 0 before the first sample and when no time has passed', () => {
    const window = new BitrateWindow();
    expect(window.kbps(1_000_000, 1000)).toBe(0);
    window.add(0, 1000);
    expect(window.kbps(1_000_000, 1000)).toBe(0);
  });

  it('averages from the oldest kept sample', () => {
    const window = new BitrateWindow(6000);
    window.add(0, 0);
    window.add(250_000, 1000);
    // 500 kB in 2 s = 2000 kb/s, even though the last second carried more.
    expect(window.kbps(500_000, 2000)).toBe(2000);
  });

  it('forgets samples older than the window, keeping at least one', () => {
    const window = new BitrateWindow(6000);
    window.add(0, 0);
    window.add(1_000_000, 7000);
    // The first sample is 7 s old: dropped, so the rate is measured from 7 s on.
    expect(window.kbps(1_125_000, 8000)).toBe(1000);
    const lone = new BitrateWindow(6000);
    lone.add(0, 0);
    lone.add(0, 60_000);
    lone.add(0, 120_000);
    expect(lone.kbps(750_000, 121_000)).toBe(6000);
  });
});

describe('liveFigures', () => {
  it('rounds uptime and bitrates and reports viewers and drops', () => {
    const out = new BitrateWindow();
    out.add(100_000, 10_000);
    const figures = liveFigures({ since: 10_000, bitrateInBps: 2_499_600, viewers: viewers(3, 350_000), droppedChunks: 2, out }, 12_400);
    expect(figures).toEqual({ uptimeSec: 2, bitrateInKbps: 2500, bitrateOutKbps: 833, viewers: 3, droppedChunks: 2 });
  });

  it('counts an unknown input rate as 0', () => {
    expect(liveFigures({ since: 0, bitrateInBps: undefined, viewers: viewers(0, 0), droppedChunks: 0, out: new BitrateWindow() }, 0).bitrateInKbps).toBe(0);
  });
});
