import type { LadderPreset, LatencyMode, StreamState } from '../../../src-shared/contract/index.js';

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

export const LATENCY_WORDS: Record<LatencyMode, { label: string; explain: string }> = {
  low: { label: 'Low', explain: 'About 1–2 s behind live: LL-HLS parts and chunked LL-DASH, and a DVR window viewers can rewind in.' },
  standard: { label: 'Standard', explain: 'About 6–8 s behind live: whole segments every player handles; viewers seek only in the short live window.' },
};

/** A DVR window: `0` -> `off`, `45` -> `45 min`, `90` -> `1 h 30 min`. */
export function formatDvrMinutes(minutes: number): string {
  if (!Number.isFinite(minutes) || minutes <= 0) return 'off';
  const h = Math.floor(minutes / 60);
  const m = Math.round(minutes % 60);
  return h === 0 ? `${m} min` : m === 0 ? `${h} h` : `${h} h ${m} min`;
}

const PROTOCOL_NAMES: Record<string, string> = { hls: 'HLS', dash: 'DASH', webrtc: 'WebRTC' };

/**
 * The median latency players measured, per protocol: `HLS 1.4 s · DASH 1.6 s · WebRTC 0.05 s`
 * (hundredths below 0.1 s, where WebRTC lives), or null when none has been measured.
 */
export function formatMeasuredLatency(latencyMsP50: Record<string, number> | undefined): string | null {
  const order = Object.keys(PROTOCOL_NAMES);
  const entries = Object.entries(latencyMsP50 ?? {})
    .filter(([, ms]) => Number.isFinite(ms))
    .sort(([a], [b]) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99));
  if (entries.length === 0) return null;
  return entries.map(([protocol, ms]) => `${PROTOCOL_NAMES[protocol] ?? protocol} ${(ms / 1000).toFixed(ms < 100 ? 2 : 1)} s`).join(' · ');
}

/** Whether players need a credential in the URL: a private stream, or one that takes JWTs only. */
export const needsCredential = (stream: { private: boolean; playAuth: string }): boolean => stream.private || stream.playAuth === 'jwt';
