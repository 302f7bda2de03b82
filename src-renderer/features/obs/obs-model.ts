import type { ObsConnection, ObsStats } from '../../../src-shared/contract/index.js';
import { appendWindowed, type TimeSeries } from '../../ui/time-series.js';

export type ObsSeries = TimeSeries<'fps' | 'bitrate' | 'dropped' | 'cpu'>;
export const OBS_WINDOW_SEC = 120;
export const EMPTY_OBS_SERIES: ObsSeries = { t: [], fps: [], bitrate: [], dropped: [], cpu: [] };

/** One stats sample into the chart series; dropped frames are plotted per sample (the counter's step). Pure. */
export function appendObsSample(series: ObsSeries, sample: ObsStats, previous: ObsStats | null): ObsSeries {
  const dropped = previous && sample.streamDroppedFrames >= previous.streamDroppedFrames ? sample.streamDroppedFrames - previous.streamDroppedFrames : 0;
  return appendWindowed(series, sample.at, { fps: sample.fps, bitrate: sample.streamBitrateKbps, dropped, cpu: sample.cpuPercent }, OBS_WINDOW_SEC);
}

/** What the badge of a connection says, e.g. "connected · 3 ms" or "retry in 4 s". Pure. */
export function connectionWords(c: ObsConnection, now: number): { text: string; tone: 'ok' | 'warn' | 'bad' | 'idle' } {
  switch (c.state) {
    case 'connected':
      return { text: c.latencyMs !== null ? `connected · ${Math.max(1, Math.round(c.latencyMs))} ms` : 'connected', tone: 'ok' };
    case 'connecting':
      return { text: 'connecting…', tone: 'warn' };
    case 'auth_failed':
      return { text: 'wrong password', tone: 'bad' };
    case 'disconnected': {
      if (c.nextRetryAt === null) return { text: 'disconnected', tone: 'idle' };
      const sec = Math.max(0, Math.ceil((c.nextRetryAt - now) / 1000));
      return { text: sec > 0 ? `disconnected · retry in ${sec} s` : 'disconnected · retrying', tone: 'bad' };
    }
  }
}

/** The connection to show: the chosen one if it still exists, else the first connected, else the first. Pure. */
export function pickConnection(connections: Record<string, ObsConnection>, chosen: string | null): string | null {
  if (chosen && connections[chosen]) return chosen;
  const list = Object.values(connections).sort((a, b) => a.createdAt - b.createdAt);
  return (list.find((c) => c.state === 'connected') ?? list[0])?.id ?? null;
}

export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${pad(m)}:${pad(s % 60)}`;
}
