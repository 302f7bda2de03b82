import { describe, expect, it } from 'vitest';
import type { DownloadReport } from '../../../src-shared/contract/index.js';
import { niceScale } from '../../ui/chart.js';
import { dayLabel, daysBetween, downloadChart, excludedLine, layoutChart, OTHERS_KEY } from './downloads-model.js';

const NONE = { bots: 0, head: 0, failed: 0, tooShort: 0, probes: 0 };

function report(over: Partial<DownloadReport> = {}): DownloadReport {
  return { from: '2025-03-01', to: '2025-03-04', days: [], totals: [], excluded: NONE, requests: 0, ...over };
}

describe('downloads chart model', () => {
  it('lists the days of the period, across month ends, both ends included', () => {
    expect(daysBetween('2025-02-27', '2025-03-02')).toEqual(['2025-02-27', '2025-02-28', '2025-03-01', '2025-03-02']);
    expect(daysBetween('2025-03-02', '2025-03-01')).toEqual([]);
    expect(daysBetween('2024-04-11', '2024-05-10')).toHaveLength(30);
    expect(dayLabel('2025-03-04')).toBe('Mar 4');
  });

  it('stacks each day per episode, the biggest episode at the bottom, with totals per episode', () => {
    const chart = downloadChart(
      report({
        days: [
          { day: '2025-03-01', episode: 'ep_a', downloads: 2 },
          { day: '2025-03-01', episode: 'ep_b', downloads: 5 },
          { day: '2025-03-03', episode: 'ep_a', downloads: 1 },
        ],
        totals: [{ episode: 'ep_a', downloads: 3 }, { episode: 'ep_b', downloads: 5 }, { episode: 'ep_c', downloads: 0 }],
      }),
      { ep_a: 'Pilot', ep_b: 'Second' },
    );
    expect(chart.series.map((s) => [s.key, s.label, s.total])).toEqual([['ep_b', 'Second', 5], ['ep_a', 'Pilot', 3]]);
    expect(chart.days).toEqual(['2025-03-01', '2025-03-02', '2025-03-03', '2025-03-04']);
    expect(chart.stacks[0]).toEqual({ day: '2025-03-01', total: 7, parts: [{ key: 'ep_b', value: 5, y0: 0 }, { key: 'ep_a', value: 2, y0: 5 }] });
    expect(chart.stacks[1]).toEqual({ day: '2025-03-02', total: 0, parts: [] });
    expect(chart).toMatchObject({ total: 8, top: 8, step: 2 });
    // An episode no longer listed (deleted) keeps its downloads, under the words given for it.
    const gone = downloadChart(report({ days: [{ day: '2025-03-02', episode: 'ep_x', downloads: 1 }] }), {}, () => 'A deleted episode');
    expect(gone.series).toEqual([{ key: 'ep_x', label: 'A deleted episode', color: 'var(--chart-1)', total: 1 }]);
  });

  it('keeps five episodes apart and the rest as one band', () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const chart = downloadChart(report({ days: ids.map((id, i) => ({ day: '2025-03-02', episode: id, downloads: 10 - i })) }), {});
    expect(chart.series.map((s) => s.key)).toEqual(['a', 'b', 'c', 'd', 'e', OTHERS_KEY]);
    expect(chart.series.at(-1)).toMatchObject({ label: '2 other episodes', total: 5 + 4 });
    expect(chart.stacks[1]!.parts.at(-1)).toEqual({ key: OTHERS_KEY, value: 9, y0: 10 + 9 + 8 + 7 + 6 });
  });

  it('picks round scales', () => {
    expect([0, 1, 3, 7, 9, 42, 130, 999].map((m) => niceScale(m))).toEqual([
      { top: 1, step: 1 }, { top: 1, step: 1 }, { top: 3, step: 1 }, { top: 8, step: 2 }, { top: 10, step: 5 }, { top: 60, step: 20 }, { top: 150, step: 50 }, { top: 1000, step: 500 },
    ]);
  });

  it('lays the bars out in the box, stacked from the baseline', () => {
    const chart = downloadChart(report({ days: [{ day: '2025-03-01', episode: 'a', downloads: 4 }, { day: '2025-03-01', episode: 'b', downloads: 4 }] }), {});
    const { bars, ticks, labels } = layoutChart(chart, { width: 140, height: 120, left: 20, right: 0, top: 10, bottom: 30 });
    // 4 days in 120 units: 30 per day, bars 72 % of it; the scale tops at 8 so each half is 40 high.
    expect(bars).toEqual([
      { key: 'a', day: '2025-03-01', value: 4, color: 'var(--chart-1)', x: 20 + 4.2, y: 50, w: 21.6, h: 40 },
      { key: 'b', day: '2025-03-01', value: 4, color: 'var(--chart-2)', x: 20 + 4.2, y: 10, w: 21.6, h: 40 },
    ]);
    expect(ticks.map((t) => [t.value, t.y])).toEqual([[0, 90], [2, 70], [4, 50], [6, 30], [8, 10]]);
    expect(labels.map((l) => l.text)).toEqual(['Mar 1', 'Mar 2', 'Mar 3', 'Mar 4']);
  });

  it('says what the IAB rules left out, in small print', () => {
    expect(excludedLine(report({ excluded: { ...NONE, bots: 3, head: 1, tooShort: 2 }, requests: 40 }))).toBe(
      'Left out: 3 bots · 1 HEAD request · 2 under a minute of audio (of 40 requests of episode files)',
    );
    expect(excludedLine(report({ requests: 1 }))).toBe('Nothing left out (1 request of episode files)');
  });
});
