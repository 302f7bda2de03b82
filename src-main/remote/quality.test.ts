import { describe, expect, it } from 'vitest';
import { QUALITY_LEVEL_NAMES } from '../../src-shared/contract/index.js';
import { CLEAN_BEFORE_UP_MS, encodeSettings, LOWEST_LEVEL, QUALITY_LEVELS, QualityController, SETTLE_MS, type NetworkSample } from './quality.js';

/** Feeds one report a second from `from` for `seconds`; returns the level changes with their times. */
function feed(c: QualityController, from: number, seconds: number, sample: Omit<NetworkSample, 'at'>): { at: number; level: number }[] {
  const changes: { at: number; level: number }[] = [];
  for (let s = 0; s < seconds; s++) {
    const at = from + s * 1000;
    const level = c.observe({ at, ...sample });
    if (level !== undefined) changes.push({ at, level });
  }
  return changes;
}

it('names every level for the viewer menu and the host page', () => {
  expect(QUALITY_LEVEL_NAMES).toHaveLength(QUALITY_LEVELS.length);
});

describe('encodeSettings', () => {
  const display = { width: 1280, height: 720, fps: 30 };
  it('keeps the display size and full bitrate at level 0', () => {
    expect(encodeSettings(0, display, 4000)).toEqual({ width: 1280, height: 720, bitrateKbps: 4000, fps: 30 });
  });
  it('lowers bitrate first, then size, then frame rate', () => {
    expect(encodeSettings(1, display, 4000)).toEqual({ width: 1280, height: 720, bitrateKbps: 2400, fps: 30 });
    expect(encodeSettings(2, display, 4000)).toEqual({ width: 960, height: 540, bitrateKbps: 1600, fps: 30 });
    expect(encodeSettings(LOWEST_LEVEL, display, 4000)).toEqual({ width: 640, height: 360, bitrateKbps: 1000, fps: 15 });
  });
  it('gives even sizes and never goes below 160 pixels wide or out of range', () => {
    const odd = encodeSettings(2, { width: 1366, height: 770, fps: 60 }, 4000);
    expect(odd.width % 2).toBe(0);
    expect(odd.height % 2).toBe(0);
    expect(encodeSettings(LOWEST_LEVEL, { width: 200, height: 120, fps: 30 }, 300).width).toBe(160);
    expect(encodeSettings(99, display, 4000)).toEqual(encodeSettings(LOWEST_LEVEL, display, 4000));
    expect(encodeSettings(-1, display, 4000)).toEqual(encodeSettings(0, display, 4000));
  });
});

describe('QualityController', () => {
  it('stays at full quality on a clean network', () => {
    const c = new QualityController();
    expect(feed(c, 0, 60, { lossFraction: 0, rttMs: 2 })).toEqual([]);
    expect(c.level).toBe(0);
  });

  it('ignores a single lossy report, steps down on two within the window', () => {
    const c = new QualityController();
    expect(c.observe({ at: 0, lossFraction: 0.2, rttMs: 5 })).toBeUndefined();
    expect(c.observe({ at: 5000, lossFraction: 0.2, rttMs: 5 })).toBeUndefined();
    expect(c.observe({ at: 6000, lossFraction: 0.1, rttMs: 5 })).toBe(1);
  });

  it('steps down once per settle period under sustained loss, to the lowest level and no further', () => {
    const c = new QualityController();
    const changes = feed(c, 0, 30, { lossFraction: 0.15, rttMs: 5 });
    expect(changes.map((x) => x.level)).toEqual([1, 2, 3]);
    for (let i = 1; i < changes.length; i++) expect(changes[i]!.at - changes[i - 1]!.at).toBeGreaterThanOrEqual(SETTLE_MS);
    expect(c.level).toBe(LOWEST_LEVEL);
  });

  it('treats a rising round trip (queueing) as congestion even without loss', () => {
    const c = new QualityController();
    feed(c, 0, 5, { lossFraction: 0, rttMs: 20 });
    expect(feed(c, 5000, 3, { lossFraction: 0, rttMs: 400 }).map((x) => x.level)).toEqual([1]);
  });

  it('steps back up after a clean stretch, and waits longer after a step up that had to be undone', () => {
    const c = new QualityController();
    feed(c, 0, 3, { lossFraction: 0.3, rttMs: 5 });
    expect(c.level).toBe(1);
    const up = feed(c, 3000, 20, { lossFraction: 0, rttMs: 5 });
    expect(up).toHaveLength(1);
    const firstUp = up[0]!;
    expect(firstUp.level).toBe(0);
    expect(firstUp.at - 3000).toBeGreaterThanOrEqual(CLEAN_BEFORE_UP_MS);
    // Loss again soon after the probe (once the capture has settled): down, and the next probe waits twice as long.
    const down = feed(c, firstUp.at + 1000, 6, { lossFraction: 0.3, rttMs: 5 });
    expect(down.map((x) => x.level)).toEqual([1]);
    const again = feed(c, down[0]!.at + 1000, 40, { lossFraction: 0, rttMs: 5 });
    expect(again[0]!.at - (down[0]!.at + 1000)).toBeGreaterThanOrEqual(2 * CLEAN_BEFORE_UP_MS);
  });

  it('does not step up while reports are only moderately lossy', () => {
    const c = new QualityController();
    feed(c, 0, 3, { lossFraction: 0.3, rttMs: 5 });
    expect(feed(c, 3000, 60, { lossFraction: 0.03, rttMs: 5 })).toEqual([]);
    expect(c.level).toBe(1);
  });
});
