import { dayLabel, layoutChart, type DownloadChart } from './downloads-model.js';

/** SVG units; the chart scales to its card's width. */
const BOX = { width: 720, height: 200, left: 34, right: 6, top: 10, bottom: 24 };

/** Downloads per day stacked per episode, in plain SVG: each day's column says its numbers on hover. */
export function DownloadsChart({ chart }: { chart: DownloadChart }) {
  const { bars, ticks, labels, slot } = layoutChart(chart, BOX);
  const label = new Map(chart.series.map((s) => [s.key, s.label]));
  const first = chart.days[0];
  const last = chart.days.at(-1);
  return (
    <svg
      className="downloads-chart"
      viewBox={`0 0 ${BOX.width} ${BOX.height}`}
      role="img"
      aria-label={`Downloads per day${first && last ? `, ${dayLabel(first)} to ${dayLabel(last)}` : ''}: ${chart.total} in all`}
      data-testid="downloads-chart"
    >
      {ticks.map((t) => (
        <g key={t.value}>
          <line className="chart-grid" x1={BOX.left} x2={BOX.width - BOX.right} y1={t.y} y2={t.y} />
          <text className="chart-axis" x={BOX.left - 6} y={t.y} textAnchor="end" dominantBaseline="middle">{t.value}</text>
        </g>
      ))}
      {bars.map((b) => (
        <rect key={`${b.day}/${b.key}`} x={b.x} y={b.y} width={b.w} height={Math.max(0, b.h - 0.5)} rx={1.5} style={{ fill: b.color }} data-day={b.day} data-value={b.value} />
      ))}
      {chart.stacks.map((stack, i) => (
        <rect key={stack.day} className="chart-day" x={BOX.left + i * slot} y={BOX.top} width={slot} height={BOX.height - BOX.top - BOX.bottom}>
          <title>
            {`${dayLabel(stack.day)}: ${stack.total} ${stack.total === 1 ? 'download' : 'downloads'}`}
            {stack.parts.map((p) => `\n${label.get(p.key) ?? p.key}: ${p.value}`).join('')}
          </title>
        </rect>
      ))}
      {labels.map((l) => (
        <text key={l.text} className="chart-axis" x={l.x} y={BOX.height - 6} textAnchor="middle">{l.text}</text>
      ))}
    </svg>
  );
}
