import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { WINDOW_SEC } from './series.js';

export interface ChartSeries {
  label: string;
  /** A CSS variable name (`--chart-1`) or a colour. */
  color: string;
}

interface TimeChartProps {
  testId: string;
  series: ChartSeries[];
  /** `[t, ...values]`, `t` in Unix seconds. */
  data: uPlot.AlignedData;
  formatValue(value: number): string;
  /** Fixed y range (CPU %); otherwise from 0 to the data's maximum. */
  yMax?: number;
  /** Ticks on binary steps (1, 2, 4 … KiB) instead of decimal ones. */
  byteAxis?: boolean;
  height?: number;
  /** Seconds of history shown (default WINDOW_SEC). */
  windowSec?: number;
}

function cssColor(color: string): string {
  if (!color.startsWith('--')) return color;
  return getComputedStyle(document.documentElement).getPropertyValue(color).trim() || '#888';
}

function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (!hex?.[1]) return color;
  const n = parseInt(hex[1], 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Tick steps for byte axes: 1, 2, 4 … 512 of each binary unit, so ticks land on round values. */
const BYTE_INCRS = [0, 1, 2, 3, 4].flatMap((k) => [1, 2, 4, 8, 16, 32, 64, 128, 256, 512].map((m) => m * 1024 ** k));

function lastValue(u: uPlot, seriesIdx: number): number | null {
  const values = u.data[seriesIdx];
  const v = values ? values[values.length - 1] : null;
  return v ?? null;
}

function buildOptions(props: TimeChartProps, width: number, yMax: { current: number }): uPlot.Options {
  const axisColor = cssColor('--text-muted');
  const gridColor = cssColor('--border-subtle');
  const fmt = (v: number | null | undefined) => (v === null || v === undefined ? '—' : props.formatValue(v));
  const axis = { stroke: axisColor, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 }, font: '11px system-ui, sans-serif' };
  const windowSec = props.windowSec ?? WINDOW_SEC;
  const clock: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
  return {
    width,
    height: props.height ?? 180,
    padding: [12, 28, 0, 0],
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    legend: { live: true },
    scales: {
      // Always show the whole window, so the first samples enter from the right instead of stretching.
      x: { time: true, range: (_u, _min, max) => [max - windowSec, max] },
      y: { range: () => [0, yMax.current] },
    },
    axes: [
      { ...axis, space: 80, values: (_u, splits) => splits.map((s) => new Date(s * 1000).toLocaleTimeString([], clock)) },
      { ...axis, size: 80, ...(props.byteAxis ? { incrs: BYTE_INCRS } : {}), values: (_u, splits) => splits.map((s) => props.formatValue(s)) },
    ],
    series: [
      {},
      ...props.series.map((s) => {
        const stroke = cssColor(s.color);
        return {
          label: s.label,
          stroke,
          width: 2,
          fill: withAlpha(stroke, 0.12),
          points: { show: false },
          // Without a cursor the legend shows the latest value, so it doubles as a readout.
          value: (u: uPlot, v: number | null, seriesIdx: number, idx: number | null) => fmt(idx === null ? lastValue(u, seriesIdx) : v),
        };
      }),
    ],
  };
}

/** The y maximum: the fixed `yMax`, else the data's maximum plus headroom. */
function yMaxOf(props: TimeChartProps): number {
  if (props.yMax !== undefined && props.yMax > 0) return props.yMax;
  let max = 0;
  for (const values of props.data.slice(1)) for (const v of values) if (typeof v === 'number' && v > max) max = v;
  return max > 0 ? max * 1.25 : 1;
}

/** A uPlot line chart over the last WINDOW_SEC seconds; created once, then fed with setData. */
export function TimeChart(props: TimeChartProps) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const yMax = useRef(1);
  const latestProps = useRef(props);
  latestProps.current = props;

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    yMax.current = yMaxOf(latestProps.current);
    const u = new uPlot(buildOptions(latestProps.current, el.clientWidth || 400, yMax), latestProps.current.data, el);
    plot.current = u;
    const observer = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: latestProps.current.height ?? 180 }));
    observer.observe(el);
    return () => {
      observer.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, []);

  useEffect(() => {
    yMax.current = yMaxOf(latestProps.current);
    plot.current?.setData(props.data);
  }, [props.data, props.yMax]);

  return <div className="chart" ref={host} data-testid={props.testId} data-points={props.data[0].length} />;
}
