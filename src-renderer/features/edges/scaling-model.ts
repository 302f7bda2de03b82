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

/**
 * The chart of load against capacity: capacity (runner slots) as a step line, load (busy slots plus
 * jobs waiting) as an area, over the samples' time span; y ticks at whole slots.
 */
export function scalingChart(samples: ScalingStatus['samples'], box: ChartBox): { capacity: string; load: string; ticks: { value: number; y: number }[]; spanMin: number } {
  if (samples.length === 0) return { capacity: '', load: '', ticks: [], spanMin: 0 };
  const t0 = samples[0]!.at;
  const t1 = Math.max(samples.at(-1)!.at, t0 + 1);
  const { top: yMax, step } = niceScale(Math.max(1, ...samples.map((s) => Math.max(s.slots, s.busy + s.waiting))));
  const x = (at: number): number => box.left + ((at - t0) / (t1 - t0)) * (box.width - box.left - box.right);
  const y = (v: number): number => box.top + (1 - v / yMax) * (box.height - box.top - box.bottom);
  const r = (n: number): string => n.toFixed(1);
  let capacity = '';
  samples.forEach((s, i) => {
    capacity += i === 0 ? `M${r(x(s.at))},${r(y(s.slots))}` : `H${r(x(s.at))}V${r(y(s.slots))}`;
  });
  const base = y(0);
  const load = `M${r(x(t0))},${r(base)}${samples.map((s) => `L${r(x(s.at))},${r(y(s.busy + s.waiting))}`).join('')}L${r(x(t1))},${r(base)}Z`;
  const ticks = Array.from({ length: yMax / step + 1 }, (_, i) => ({ value: i * step, y: y(i * step) }));
  return { capacity, load, ticks, spanMin: Math.round((t1 - t0) / 60_000) };
}
