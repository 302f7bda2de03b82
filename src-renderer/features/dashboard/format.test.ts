import { describe, expect, it } from 'vitest';
import type { SystemStats } from '../../../src-shared/contract/index.js';
import { formatBytes, formatDuration, formatPercent, formatRate } from './format.js';
import { appendSample, EMPTY_SERIES } from './series.js';

describe('format', () => {
  it('writes bytes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(8 * 1024 ** 3)).toBe('8 GiB');
    expect(formatBytes(6.25 * 1024 ** 3)).toBe('6.3 GiB');
    expect(formatBytes(816.7 * 1024 ** 2)).toBe('817 MiB');
    expect(formatBytes(undefined)).toBe('—');
    expect(formatRate(2048)).toBe('2 KiB/s');
  });

  it('writes percent and durations', () => {
    expect(formatPercent(12.345)).toBe('12.3 %');
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(65)).toBe('1m 5s');
    expect(formatDuration(3725)).toBe('1h 2m');
    expect(formatDuration(93784)).toBe('1d 2h');
  });
});

function sample(atSec: number, cpu: number): SystemStats {
  return {
    at: atSec * 1000,
    cpu: { loadPercent: cpu, userPercent: 0, systemPercent: 0, cores: [], loadAvg: [0, 0, 0] },
    memory: { totalBytes: 100, usedBytes: cpu * 2, availableBytes: 0, swapTotalBytes: 0, swapUsedBytes: 0 },
    network: { rxBytesPerSec: cpu * 3, txBytesPerSec: cpu * 4, interfaces: [] },
    processes: { all: 0, running: 0, sleeping: 0, blocked: 0 },
    host: { pid: 1, cpuPercent: 0, rssBytes: 0, heapUsedBytes: 0, uptimeSec: 0, children: 0 },
  };
}

describe('appendSample', () => {
  it('appends columns in step', () => {
    const s = appendSample(appendSample(EMPTY_SERIES, sample(1, 10)), sample(3, 20));
    expect(s).toEqual({ t: [1, 3], cpu: [10, 20], memUsed: [20, 40], rx: [30, 60], tx: [40, 80] });
  });

  it('ignores replays and keeps only the window', () => {
    let s = EMPTY_SERIES;
    for (let t = 0; t <= 200; t += 10) s = appendSample(s, sample(t, t));
    expect(appendSample(s, sample(200, 1))).toBe(s);
    expect(s.t[0]).toBe(80);
    expect(s.t.at(-1)).toBe(200);
    expect(s.cpu.length).toBe(s.t.length);
  });
});
