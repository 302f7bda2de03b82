import type { Recording } from '../../../src-shared/contract/index.js';

export type RecordingState = Recording['state'];

export const RECORDING_BADGE: Record<RecordingState, string> = {
  recording: 'badge-live',
  complete: 'badge-ok',
  interrupted: 'badge-warn',
  failed: 'badge-bad',
};

export const RECORDING_STATE_WORDS: Record<RecordingState, string> = {
  recording: 'Being written now',
  complete: 'Finished cleanly',
  interrupted: 'Cut short (the publisher or the host stopped); what was written plays',
  failed: 'Could not be written',
};

/** `65` -> `01:05`; `3725` -> `1:02:05`: the running clock of a recording. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.floor(Number.isFinite(seconds) ? seconds : 0));
  const two = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const rest = `${two(Math.floor((s % 3600) / 60))}:${two(s % 60)}`;
  return h > 0 ? `${h}:${rest}` : rest;
}

const CHANNEL_WORDS: Record<number, string> = { 1: 'mono', 2: 'stereo' };

/** `h264 · 1920×1080 · aac 48 kHz stereo`, or `—` before the tracks are known. */
export function describeTracks(recording: Pick<Recording, 'video' | 'audio'>): string {
  const parts: string[] = [];
  const { video, audio } = recording;
  if (video) parts.push(video.codec, `${video.width}×${video.height}`);
  if (audio) parts.push(`${audio.codec} ${audio.sampleRate / 1000} kHz ${CHANNEL_WORDS[audio.channels] ?? `${audio.channels} ch`}`);
  return parts.length > 0 ? parts.join(' · ') : '—';
}

/** Seconds recorded so far: counted from the start while it is being written, else as the host measured. */
export function recordedSeconds(recording: Pick<Recording, 'state' | 'startedAt' | 'durationSec'>, now: number): number {
  return recording.state === 'recording' ? Math.max(recording.durationSec, (now - recording.startedAt) / 1000) : recording.durationSec;
}

/** Newest first, as the library lists them. */
export function sortRecordings(recordings: Record<string, Recording>, stream: string | null = null): Recording[] {
  return Object.values(recordings)
    .filter((r) => stream === null || r.stream === stream)
    .sort((a, b) => b.startedAt - a.startedAt || b.id.localeCompare(a.id));
}

/** The recording a stream is writing now, from the stream's own id or, before that arrives, from the events. */
export function activeRecording(recordings: Record<string, Recording>, stream: string, id: string | null): Recording | null {
  const named = id ? recordings[id] : undefined;
  if (named) return named;
  return Object.values(recordings).find((r) => r.stream === stream && r.state === 'recording') ?? null;
}

/** The host may answer a path (`/vod/…`): a URL handed to viewers must be whole. A non-web base (file://) keeps it as is. */
export function absoluteUrl(url: string, base: string): string {
  if (!/^https?:/.test(base)) return url;
  try {
    return new URL(url, base).href;
  } catch {
    return url;
  }
}
