import fs from 'node:fs';
import type { ChildRegistry } from '../core/children.js';
import { pickErrorLine } from '../encoder/progress.js';
import { packetTimesArgs, probeArgs, thumbnailArgs, thumbnailTime } from './recorder-args.js';

/** What ffprobe tells about a recorded file. */
export interface MediaInfo {
  /** 0 when unknown. */
  durationSec: number;
  sizeBytes: number;
  video: { codec: string; width: number; height: number; fps: number; bitrateKbps: number } | null;
  audio: { codec: string; sampleRate: number; channels: number; bitrateKbps: number } | null;
}

export type Runner = Pick<ChildRegistry, 'run'>;

interface ProbeStream {
  codec_type?: string;
  codec_name?: string;
  width?: number;
  height?: number;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  bit_rate?: string;
  sample_rate?: string;
  channels?: number;
  duration?: string;
  disposition?: { attached_pic?: number };
}

interface ProbeJson {
  format?: { duration?: string; size?: string; bit_rate?: string };
  streams?: ProbeStream[];
}

const num = (value: string | number | undefined): number => {
  const n = typeof value === 'number' ? value : Number.parseFloat(value ?? '');
  return Number.isFinite(n) ? n : 0;
};

/** `30000/1001` -> 29.97; `0/0` -> 0. */
export function frameRate(text: string | undefined): number {
  if (!text) return 0;
  const [a, b] = text.split('/');
  const n = num(a);
  const d = b === undefined ? 1 : num(b);
  return d > 0 ? Math.round((n / d) * 1000) / 1000 : 0;
}

/** ffprobe's `-show_format -show_streams` JSON into MediaInfo. Pure. */
export function parseProbe(text: string): MediaInfo {
  const json = JSON.parse(text) as ProbeJson;
  const streams = (json.streams ?? []).filter((s) => s.disposition?.attached_pic !== 1);
  const v = streams.find((s) => s.codec_type === 'video');
  const a = streams.find((s) => s.codec_type === 'audio');
  const streamDuration = Math.max(0, ...streams.map((s) => num(s.duration)));
  return {
    durationSec: num(json.format?.duration) || streamDuration,
    sizeBytes: num(json.format?.size),
    video: v
      ? {
          codec: v.codec_name ?? 'unknown',
          width: num(v.width),
          height: num(v.height),
          fps: frameRate(v.avg_frame_rate) || frameRate(v.r_frame_rate),
          bitrateKbps: Math.round(num(v.bit_rate) / 1000),
        }
      : null,
    audio: a
      ? { codec: a.codec_name ?? 'unknown', sampleRate: num(a.sample_rate), channels: num(a.channels), bitrateKbps: Math.round(num(a.bit_rate) / 1000) }
      : null,
  };
}

/** The latest packet end (pts + duration) in lines of `pts_time,duration_time`. Pure. */
export function lastPacketEnd(csv: string): number {
  let end = 0;
  for (const line of csv.split('\n')) {
    const [pts, duration] = line.trim().split(',');
    const t = num(pts);
    if (t > 0) end = Math.max(end, t + num(duration));
  }
  return Math.round(end * 1000) / 1000;
}

/**
 * Probes a file. A file cut off by a crash may have no duration in its header (Matroska): then the
 * packets are read and the last one's end is the duration. Throws with ffprobe's error line.
 */
export async function probeMedia(runner: Runner, ffprobe: string, file: string, timeoutMs = 60_000): Promise<MediaInfo> {
  const result = await runner.run(ffprobe, probeArgs(file), { timeoutMs, maxOutput: 1024 * 1024 });
  if (result.code !== 0) {
    throw new Error(result.timedOut ? 'ffprobe timed out' : (pickErrorLine(result.stderr) ?? `ffprobe exited with code ${result.code ?? '?'}`));
  }
  const info = parseProbe(result.stdout);
  if (info.sizeBytes === 0) info.sizeBytes = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
  if (info.durationSec > 0) return info;
  const packets = await runner.run(ffprobe, packetTimesArgs(file), { timeoutMs, maxOutput: 8 * 1024 });
  info.durationSec = lastPacketEnd(packets.stdout);
  return info;
}

/** Writes a JPEG thumbnail of the file; false when ffmpeg made none (no video, unreadable file). */
export async function makeThumbnail(runner: Runner, ffmpeg: string, input: string, output: string, durationSec: number): Promise<boolean> {
  const result = await runner.run(ffmpeg, thumbnailArgs(input, output, thumbnailTime(durationSec)), { timeoutMs: 30_000, maxOutput: 8 * 1024 });
  const size = fs.statSync(output, { throwIfNoEntry: false })?.size ?? 0;
  return result.code === 0 && size > 0;
}
