import type { DownloadReport } from '../../../src-shared/contract/index.js';
import { niceScale, type ChartBox } from '../../ui/chart.js';

/** Episodes drawn one colour each, the biggest first; the rest share one grey band. */
export const MAX_SERIES = 6;
export const SERIES_COLORS = ['var(--chart-1)', 'var(--chart-2)', 'var(--chart-3)', 'var(--chart-4)', '#f472b6', '#a3e635'] as const;
export const OTHERS_COLOR = '#5d6678';
export const OTHERS_KEY = '__others';

const DAY_MS = 86_400_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const dayMs = (day: string): number => Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
const dayOf = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Every UTC day from `from` to `to`, both included (at most a year; none when they are the wrong way round). */
export function daysBetween(from: string, to: string): string[] {
  const start = dayMs(from);
  const end = dayMs(to);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return [];
  const days: string[] = [];
  for (let t = start; t <= end && days.length < 366; t += DAY_MS) days.push(dayOf(t));
  return days;
}

/** `2025-03-04` -> `Mar 4`. */
export const dayLabel = (day: string): string => `${MONTHS[Number(day.slice(5, 7)) - 1] ?? '?'} ${Number(day.slice(8, 10))}`;

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
  total: number;
}

export interface DayStack {
  day: string;
  total: number;
  /** Bottom to top, in the order of the series; `y0` is the sum below. */
  parts: { key: string; value: number; y0: number }[];
}

export interface DownloadChart {
  days: string[];
  series: ChartSeries[];
  stacks: DayStack[];
  total: number;
  /** The top of the scale and its step: whole numbers, 1, 2 or 5 times a power of ten. */
  top: number;
  step: number;
}

/**
 * Downloads per day stacked per episode over the report's days, the episodes named from `titles`
 * (`unknown` words the others: deleted episodes keep their downloads), the biggest `MAX_SERIES`
 * apart and the others as one band.
 */
export function downloadChart(report: DownloadReport, titles: Record<string, string>, unknown: (id: string) => string = (id) => id): DownloadChart {
  const title = (id: string): string => titles[id] ?? unknown(id);
  const totals = new Map<string, number>();
  for (const t of report.totals) totals.set(t.episode, t.downloads);
  for (const d of report.days) if (!totals.has(d.episode)) totals.set(d.episode, 0);
  const fromDays = new Map<string, number>();
  for (const d of report.days) fromDays.set(d.episode, (fromDays.get(d.episode) ?? 0) + d.downloads);
  // A report whose totals leave an episode out still counts its days.
  const ranked = [...totals].map(([episode, n]) => ({ episode, total: Math.max(n, fromDays.get(episode) ?? 0) }))
    .filter((e) => e.total > 0)
    .sort((a, b) => b.total - a.total || title(a.episode).localeCompare(title(b.episode)));
  const own = ranked.length > MAX_SERIES ? ranked.slice(0, MAX_SERIES - 1) : ranked;
  const rest = ranked.slice(own.length);
  const series: ChartSeries[] = own.map((e, i) => ({ key: e.episode, label: title(e.episode), color: SERIES_COLORS[i]!, total: e.total }));
  if (rest.length > 0) series.push({ key: OTHERS_KEY, label: `${rest.length} other episodes`, color: OTHERS_COLOR, total: rest.reduce((s, e) => s + e.total, 0) });
  const keyOf = new Map<string, string>(rest.map((e) => [e.episode, OTHERS_KEY]));

  const days = daysBetween(report.from, report.to);
  const counts = new Map<string, Map<string, number>>();
  for (const d of report.days) {
    const key = keyOf.get(d.episode) ?? d.episode;
    const day = counts.get(d.day) ?? new Map<string, number>();
    day.set(key, (day.get(key) ?? 0) + d.downloads);
    counts.set(d.day, day);
  }
  const stacks = days.map((day) => {
    let y0 = 0;
    const parts = series.flatMap(({ key }) => {
      const value = counts.get(day)?.get(key) ?? 0;
      if (value <= 0) return [];
      const part = { key, value, y0 };
      y0 += value;
      return [part];
    });
    return { day, total: y0, parts };
  });
  const { top, step } = niceScale(Math.max(0, ...stacks.map((s) => s.total)));
  return { days, series, stacks, total: series.reduce((s, e) => s + e.total, 0), top, step };
}

export interface Bar {
  key: string;
  day: string;
  value: number;
  color: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

const round = (n: number): number => Math.round(n * 100) / 100;

/** Where each bar segment goes in `box` (SVG units), with the y ticks and a day label about every week. */
export function layoutChart(chart: DownloadChart, box: ChartBox) {
  const plotW = box.width - box.left - box.right;
  const plotH = box.height - box.top - box.bottom;
  const slot = chart.days.length > 0 ? plotW / chart.days.length : plotW;
  const barW = Math.max(1, slot * 0.72);
  const yOf = (v: number) => box.top + plotH - (v / chart.top) * plotH;
  const color = new Map(chart.series.map((s) => [s.key, s.color]));
  const bars: Bar[] = chart.stacks.flatMap((stack, i) =>
    stack.parts.map((p) => ({
      key: p.key,
      day: stack.day,
      value: p.value,
      color: color.get(p.key) ?? OTHERS_COLOR,
      x: round(box.left + i * slot + (slot - barW) / 2),
      y: round(yOf(p.y0 + p.value)),
      w: round(barW),
      h: round(yOf(p.y0) - yOf(p.y0 + p.value)),
    })),
  );
  const ticks: { value: number; y: number }[] = [];
  for (let v = 0; v <= chart.top; v += chart.step) ticks.push({ value: v, y: round(yOf(v)) });
  const every = Math.max(1, Math.ceil(chart.days.length / 5));
  const labels = chart.days
    .map((day, i) => ({ day, i }))
    .filter(({ i }) => (chart.days.length - 1 - i) % every === 0)
    .map(({ day, i }) => ({ text: dayLabel(day), x: round(box.left + i * slot + slot / 2) }));
  return { bars, ticks, labels, slot };
}

const EXCLUDED_WORDS: [keyof DownloadReport['excluded'], string, string][] = [
  ['bots', 'bot', 'bots'],
  ['head', 'HEAD request', 'HEAD requests'],
  ['failed', 'failed request', 'failed requests'],
  ['tooShort', 'under a minute of audio', 'under a minute of audio'],
  ['probes', 'probe', 'probes'],
];

/** The requests the IAB rules left out, in small print: `3 bots · 1 HEAD request · of 40 requests`. */
export function excludedLine(report: Pick<DownloadReport, 'excluded' | 'requests'>): string {
  const parts = EXCLUDED_WORDS.filter(([k]) => report.excluded[k] > 0).map(([k, one, many]) => `${report.excluded[k]} ${report.excluded[k] === 1 ? one : many}`);
  const of = `${report.requests} ${report.requests === 1 ? 'request' : 'requests'} of episode files`;
  return parts.length > 0 ? `Left out: ${parts.join(' · ')} (of ${of})` : `Nothing left out (${of})`;
}
