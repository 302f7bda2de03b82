import type { LadderPreset, StreamState } from '../../../src-shared/contract/index.js';

export { formatDuration } from '../dashboard/format.js';

/** `850` -> `850 kb/s`; `2500` -> `2.5 Mb/s` (decimal: bitrates are quoted that way everywhere). */
export function formatKbps(kbps: number | null | undefined): string {
  if (kbps === null || kbps === undefined || !Number.isFinite(kbps)) return '—';
  if (kbps >= 1000) return `${(kbps / 1000).toFixed(kbps >= 10_000 ? 0 : 1).replace(/\.0$/, '')} Mb/s`;
  return `${Math.round(kbps)} kb/s`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export const LADDER_WORDS: Record<LadderPreset, { label: string; explain: string }> = {
  passthrough: { label: 'Passthrough', explain: 'Source only, no re-encoding: the least CPU, but one quality for every viewer.' },
  standard: { label: 'Standard', explain: 'Source plus 720p, 480p and 360p: viewers on slow links still play smoothly.' },
  high: { label: 'High', explain: '1080p down to 360p, all re-encoded: the most choice for viewers, the most CPU.' },
};

export const STATE_WORDS: Record<StreamState, string> = {
  idle: 'Waiting for a publisher',
  live: 'Receiving and serving',
  ended: 'The publisher stopped',
  error: 'Failed',
};

/** One command that publishes a file (looped) with 2-second keyframes, for a quick test without OBS. */
export function ffmpegCommand(rtmpUrl: string): string {
  return `ffmpeg -re -stream_loop -1 -i input.mp4 -c:v libx264 -preset veryfast -b:v 4500k -force_key_frames "expr:gte(t,n_forced*2)" -c:a aac -b:a 160k -f flv "${rtmpUrl}"`;
}
