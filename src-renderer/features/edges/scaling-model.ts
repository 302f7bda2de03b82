import type { ScalingDecision, ScalingStatus } from '../../../src-shared/contract/index.js';
import { niceScale, type ChartBox } from '../../ui/chart.js';

/** The policy in a sentence: "1 to 4 runners · add when a job waits 30 s · remove after 5 min idle · 2 min between actions". */
export function policyLine(s: Pick<ScalingStatus, 'min' | 'max' | 'queueWaitSeconds' | 'idleSeconds' | 'cooldownSeconds'>): string {
  return [
    `${s.min} to ${s.max} runners`,
    `add when a job waits ${duration(s.queueWaitSeconds)}`,
    `remove after ${duration(s.idleSeconds)} idle`,
    `${duration(s.cooldownSeconds)} between actions`,
  ].join(' · ');
}

/** The edges' policy in a sentence: "0 to 4 edges · add at 400 Mbit/s per core · remove below 200 · drain up to 5 min · 2 min between actions". */
export function edgePolicyLine(s: Pick<ScalingStatus['edges'], 'min' | 'max' | 'targetMbps' | 'drainSeconds'> & { cooldownSeconds: number }): string {
  return [
    `${s.min} to ${s.max} edges`,
    `add at ${s.targetMbps} Mbit/s per core`,
    `remove one when the rest stay below ${s.targetMbps / 2} Mbit/s`,
    `drain up to ${duration(s.drainSeconds)}`,
    `${duration(s.cooldownSeconds)} between actions`,
  ].join(' · ');
}

/** Where its machines come from. */
export function sourcesLine(s: Pick<ScalingStatus, 'poolSize' | 'provider'>): string {
  const pool = s.poolSize > 0 ? `${s.poolSize} machine${s.poolSize === 1 ? '' : 's'} in the SSH pool` : 'no SSH pool';
  return `${pool}, ${s.provider ? 'then the provider command' : 'no provider command'}`;
}

function duration(seconds: number): string {
  if (seconds < 60 || seconds % 60 !== 0) return `${seconds} s`;
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${seconds / 60} min`;
}

export const DECISION_WORDS: Record<ScalingDecision['action'], { label: string; tone: 'accent' | 'ok' | 'warn' | 'bad' | 'muted' }> = {
  add: { label: 'add', tone: 'accent' },
  ready: { label: 'ready', tone: 'ok' },
  remove: { label: 'drain', tone: 'warn' },
  removed: { label: 'removed', tone: 'muted' },
  failed: { label: 'failed', tone: 'bad' },
};

type Sample = ScalingStatus['samples'][number];

/** What each role's chart plots: runners, busy slots plus jobs waiting against slots; edges, traffic against cores x the target (Mbit/s). */
export const CHART_SERIES: Record<'runner' | 'edge', { load: (s: Sample) => number; capacity: (s: Sample, targetMbps: number) => number }> = {
  runner: { load: (s) => s.busy + s.waiting, capacity: (s) => s.slots },
  edge: { load: (s) => s.edgeMbps, capacity: (s, targetMbps) => s.edgeCores * targetMbps },
};

/**
 * The chart of load against capacity: capacity as a step line, load as an area, over the samples'
 * time span; y ticks at round values (whole slots for runners).
 */
export function scalingChart(
  samples: ScalingStatus['samples'],
  box: ChartBox,
  role: 'runner' | 'edge' = 'runner',
  targetMbps = 0,
): { capacity: string; load: string; ticks: { value: number; y: number }[]; spanMin: number } {
  if (samples.length === 0) return { capacity: '', load: '', ticks: [], spanMin: 0 };
  const series = CHART_SERIES[role];
  const cap = (s: Sample): number => series.capacity(s, targetMbps);
  const t0 = samples[0]!.at;
  const t1 = Math.max(samples.at(-1)!.at, t0 + 1);
  const { top: yMax, step } = niceScale(Math.max(1, ...samples.map((s) => Math.max(cap(s), series.load(s)))));
  const x = (at: number): number => box.left + ((at - t0) / (t1 - t0)) * (box.width - box.left - box.right);
  const y = (v: number): number => box.top + (1 - v / yMax) * (box.height - box.top - box.bottom);
  const r = (n: number): string => n.toFixed(1);
  let capacity = '';
  samples.forEach((s, i) => {
    capacity += i === 0 ? `M${r(x(s.at))},${r(y(cap(s)))}` : `H${r(x(s.at))}V${r(y(cap(s)))}`;
  });
  const base = y(0);
  const load = `M${r(x(t0))},${r(base)}${samples.map((s) => `L${r(x(s.at))},${r(y(series.load(s)))}`).join('')}L${r(x(t1))},${r(base)}Z`;
  const ticks = Array.from({ length: yMax / step + 1 }, (_, i) => ({ value: i * step, y: y(i * step) }));
  return { capacity, load, ticks, spanMin: Math.round((t1 - t0) / 60_000) };
}
