/**
 * Low-latency windows as the segmenter would hand them to the writers: video at 30 fps in a 90 kHz
 * timescale cut into 200 ms parts, AAC audio (1024-sample frames at 48 kHz) whose segments follow the
 * video's boundaries to the nearest frame. Times are exact so golden outputs stay stable.
 */

import type { LlSample } from '../src-main/servers/hls/ll/ll-stream.js';
import type { LlPart, LlSegment, LlTrackInfo, LlTrackSnapshot } from '../src-main/servers/hls/ll/types.js';

/** 2026-01-01T00:00:00.000Z */
export const T0 = Date.UTC(2026, 0, 1);

export interface LlRunSpec {
  run: string;
  /** Wall clock (Unix ms) of the run's first segment. */
  startMs: number;
  /** Durations (seconds) of the run's complete segments. */
  segments: readonly number[];
  /** Seconds already written of a segment in progress after them (parts only). */
  inProgress?: number;
  /** Decode time (seconds) of the run's first sample; default 0. */
  startDecodeSec?: number;
}

export interface LlTrackSpec {
  index: number;
  kind: 'video' | 'audio';
  firstMsn: number;
  runs: readonly LlRunSpec[];
  discontinuitySequence?: number;
  ended?: boolean;
  partSec?: number;
  /** Segments (from the oldest) whose parts are no longer held; default 0. */
  partsDropped?: number;
  /** The running number of the first segment's first part; default ten per segment before it. */
  firstPart?: number;
}

const VIDEO_TIMESCALE = 90_000;
const AUDIO_RATE = 48_000;
const AAC_FRAME = 1024;

/** Parts of `duration` seconds in `quantum`-second steps, none longer than `partSec`. */
function partsOf(duration: number, partSec: number, quantum: number, kind: 'video' | 'audio'): LlPart[] {
  const step = Math.floor((partSec + 1e-9) / quantum) * quantum;
  const parts: LlPart[] = [];
  let left = duration;
  while (left > 1e-9) {
    const d = Math.min(step, left);
    parts.push({ duration: Number(d.toFixed(9)), independent: kind === 'audio' || parts.length === 0 });
    left -= d;
  }
  return parts;
}

/** A track's window from its runs; audio boundaries snap to AAC frames. */
export function llTrack(spec: LlTrackSpec): LlTrackSnapshot {
  const partSec = spec.partSec ?? 0.2;
  const audio = spec.kind === 'audio';
  const timescale = audio ? AUDIO_RATE : VIDEO_TIMESCALE;
  const quantum = audio ? AAC_FRAME / AUDIO_RATE : 1 / 30;
  const snap = (sec: number): number => (audio ? Math.round((sec * AUDIO_RATE) / AAC_FRAME) * AAC_FRAME : Math.round(sec * VIDEO_TIMESCALE));
  const segments: LlSegment[] = [];
  let msn = spec.firstMsn;
  let part = spec.firstPart ?? spec.firstMsn * 10;
  spec.runs.forEach((run, r) => {
    const base = run.startDecodeSec ?? 0;
    const bounds = [0];
    for (const d of run.segments) bounds.push(bounds.at(-1)! + d);
    const pieces = run.segments.map((_, i) => ({ from: bounds[i]!, to: bounds[i + 1]!, complete: true }));
    if (run.inProgress !== undefined) pieces.push({ from: bounds.at(-1)!, to: bounds.at(-1)! + run.inProgress, complete: false });
    pieces.forEach((piece, i) => {
      const t0 = snap(base + piece.from);
      const duration = (snap(base + piece.to) - t0) / timescale;
      const parts = partsOf(duration, partSec, quantum, spec.kind);
      const dropped = segments.length < (spec.partsDropped ?? 0);
      segments.push({
        msn: msn++,
        run: run.run,
        parts: dropped ? [] : parts,
        firstPart: part,
        partsListed: !dropped,
        duration: Number(duration.toFixed(9)),
        complete: piece.complete,
        programDateTime: run.startMs + Math.round((t0 / timescale - base) * 1000),
        discontinuity: r > 0 && i === 0,
        baseDecodeTime: t0,
      });
      part += parts.length;
    });
  });
  return {
    index: spec.index, kind: spec.kind, timescale, segments,
    discontinuitySequence: spec.discontinuitySequence ?? 0, ended: spec.ended ?? false,
  };
}

/** A 720p and a 360p rendition and stereo AAC, as the master and the MPD describe them. */
export const LL_TRACKS: readonly LlTrackInfo[] = [
  { index: 0, kind: 'video', codec: 'avc1.64001f', bandwidthBps: 2_500_000, width: 1280, height: 720, fps: 30, timescale: VIDEO_TIMESCALE },
  { index: 1, kind: 'video', codec: 'avc1.64001e', bandwidthBps: 800_000, width: 640, height: 360, fps: 30, timescale: VIDEO_TIMESCALE },
  { index: 2, kind: 'audio', codec: 'mp4a.40.2', bandwidthBps: 128_000, sampleRate: AUDIO_RATE, channels: 2, timescale: AUDIO_RATE },
];

/** Track descriptions of an LlStream run's input (`LlStream.startRun`): video at 640x360, 30 fps, and stereo AAC. */
export const LL_VIDEO_INPUT = { info: { index: 0, kind: 'video' as const, bandwidthBps: 1e6, width: 640, height: 360, fps: 30 } };
export const LL_AUDIO_INPUT = { info: { index: 1, kind: 'audio' as const, bandwidthBps: 128e3, sampleRate: 48_000, channels: 2 } };

/** Video samples `from`..`from + count - 1` at 30 fps in 90 kHz, a keyframe every 60 (2 s), each 100 bytes of its number. */
export const llVideoFrames = (from: number, count: number): LlSample[] =>
  Array.from({ length: count }, (_, i) => ({
    dts: (from + i) * 3000, duration: 3000, keyframe: (from + i) % 60 === 0, cto: 0, flags: 0, data: Buffer.alloc(100, from + i),
  }));

/** AAC frames `from`..`from + count - 1` of `samplesPerFrame` samples (in the 48 kHz timescale), 50 bytes each. */
export const llAacFrames = (from: number, count: number, samplesPerFrame = 1024): LlSample[] =>
  Array.from({ length: count }, (_, i) => ({ dts: (from + i) * samplesPerFrame, duration: samplesPerFrame, keyframe: true, cto: 0, flags: 0, data: Buffer.alloc(50) }));
