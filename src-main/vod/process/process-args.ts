import path from 'node:path';
import { fpsModeArgs, MODERN_CAPS, type FfmpegCaps } from '../../encoder/capabilities.js';
import type { LadderSource } from '../../encoder/ladder.js';
import { vodArgs } from '../../recorder/vod-args.js';
import type { VodEncodePlan } from './presets.js';
import type { SpritePlan } from './sprite-plan.js';

/** The ffmpeg command lines of a video's processing, besides the probe. Pure. */

const HEAD = ['-hide_banner', '-nostdin', '-y', '-nostats', '-progress', 'pipe:1'];
const head = (level: 'warning' | 'info' | 'error' = 'warning'): string[] => [...HEAD.slice(0, 3), '-loglevel', `level+${level}`, ...HEAD.slice(3)];

export interface EncodeArgsOptions {
  input: string;
  outDir: string;
  plan: VodEncodePlan;
  source: LadderSource;
  generation: string;
  caps?: FfmpegCaps;
  segmentSeconds?: number;
  /** An audio filter (loudnorm's second pass): the audio is then encoded, never copied. */
  audioFilter?: string | null;
  /** Where x264 keeps each rung's first-pass statistics (`<prefix>-<rung index>`). */
  passLogPrefix: string;
}

const set = (args: string[], option: string, value: string): void => {
  const i = args.indexOf(option);
  if (i === -1 || i + 1 >= args.length) throw new Error(`encode arguments without ${option}`);
  args[i + 1] = value;
};

/**
 * The ladder encode: the recording VOD's recipe (vodArgs: CMAF segments, HLS master and MPD from one
 * dash muxer) with the preset's encoder; for two passes, the first pass (video only, to the null
 * muxer) and the second with a capped VBR of 1.5x the average instead of the live CBR.
 */
export function encodeArgs(o: EncodeArgsOptions): { pass1: string[] | null; main: string[] } {
  const audio = o.plan.audio && o.audioFilter ? { copy: false, bitrateKbps: o.plan.audio.copy ? 128 : o.plan.audio.bitrateKbps } : o.plan.audio;
  const build = (withAudio: boolean): string[] =>
    vodArgs({
      input: o.input,
      outDir: o.outDir,
      plan: { encoder: o.plan.encoder, renditions: o.plan.renditions, audio: withAudio ? audio : null },
      source: o.source,
      generation: o.generation,
      segmentSeconds: o.segmentSeconds,
      caps: o.caps,
    });
  const main = build(true);
  if (audio && o.audioFilter) main.splice(main.indexOf('-c:a'), 0, '-filter:a', o.audioFilter);
  if (!o.plan.twoPass) return { pass1: null, main };

  const passes = (pass: 1 | 2): string[] =>
    o.plan.renditions.flatMap((_, i) => [`-pass:v:${i}`, String(pass), `-passlogfile:v:${i}`, `${o.passLogPrefix}-${i}`]);
  o.plan.renditions.forEach((r, i) => {
    const kbps = Math.max(1, Math.round(r.videoBitrateKbps));
    set(main, `-maxrate:v:${i}`, `${Math.round(kbps * 1.5)}k`);
    set(main, `-bufsize:v:${i}`, `${kbps * 3}k`);
  });
  main.splice(main.indexOf('-max_muxing_queue_size'), 0, ...passes(2));

  const first = build(false);
  o.plan.renditions.forEach((r, i) => {
    const kbps = Math.max(1, Math.round(r.videoBitrateKbps));
    set(first, `-maxrate:v:${i}`, `${Math.round(kbps * 1.5)}k`);
    set(first, `-bufsize:v:${i}`, `${kbps * 3}k`);
  });
  const pass1 = [...first.slice(0, first.indexOf('-max_muxing_queue_size')), ...passes(1), '-f', 'null', '-'];
  return { pass1, main };
}

/** ffmpeg's concat protocol over an fMP4 init segment and its media segments (read as one file). */
export function concatInput(files: readonly string[]): string {
  if (files.length === 0) throw new Error('nothing to concatenate');
  for (const f of files) if (f.includes('|')) throw new Error(`a segment path with "|" cannot be concatenated: ${f}`);
  return `concat:${files.join('|')}`;
}

/**
 * video.mp4 for progressive download: the top rung's segments and the audio's, remuxed (no second
 * encode) with the index up front (faststart) so a browser plays while it downloads.
 */
export function mp4Args(video: readonly string[], audio: readonly string[] | null, output: string): string[] {
  const args = [...head(), '-i', concatInput(video)];
  if (audio) args.push('-i', concatInput(audio));
  args.push('-map', '0:v:0');
  if (audio) args.push('-map', '1:a:0');
  args.push('-c', 'copy', '-movflags', '+faststart', '-f', 'mp4', output);
  return args;
}


/** Thumbnail instants: the middle of each tenth (never the black first frame or the last). */
export function thumbnailTimes(durationSec: number, count = 10): number[] {
  return Array.from({ length: count }, (_, i) => Math.round(((i + 0.5) * durationSec * 1000) / count) / 1000);
}

export const thumbnailFile = (n: number): string => `thumbs/${String(n).padStart(2, '0')}.jpg`;

/**
 * One decode for two results: the sprite sheets (a frame every interval, tiled) and the scene changes
 * (`showinfo` prints a line per frame whose scene score passes the threshold; stderr at info level).
 */
export function analysisArgs(input: string, outDir: string, plan: SpritePlan, caps: FfmpegCaps = MODERN_CAPS, sceneThreshold = 0.4): string[] {
  const graph = [
    '[0:v]split=2[a][b]',
    `[a]fps=1/${plan.intervalSec},scale=w=${plan.tileWidth}:h=${plan.tileHeight},setsar=1,tile=${plan.columns}x${plan.rows}[sprite]`,
    `[b]scale=w=320:h=-2,select='gt(scene\\,${sceneThreshold})',showinfo[scenes]`,
  ].join(';');
  return [
    ...head('info'),
    '-i',
    input,
    '-filter_complex',
    graph,
    '-map',
    '[sprite]',
    ...fpsModeArgs(caps, 'vfr'),
    '-q:v',
    '4',
    path.join(outDir, 'sprite-%d.jpg'),
    '-map',
    '[scenes]',
    '-f',
    'null',
    '-',
  ];
}

export const LOUDNESS = { integrated: -16, truePeak: -1.5, range: 11 } as const;
const target = `I=${LOUDNESS.integrated}:TP=${LOUDNESS.truePeak}:LRA=${LOUDNESS.range}`;

/** EBU R128 first pass: measure the whole audio track. The JSON ends stderr. */
export function loudnessMeasureArgs(input: string): string[] {
  return [...head('info'), '-i', input, '-map', '0:a:0', '-af', `loudnorm=${target}:print_format=json`, '-f', 'null', '-'];
}

export interface LoudnessMeasure {
  inputI: number;
  inputTp: number;
  inputLra: number;
  inputThresh: number;
  targetOffset: number;
}

/** The measurement printed by loudnorm's first pass, or null (no JSON, silence measured as -inf). */
export function parseLoudnorm(stderr: string): LoudnessMeasure | null {
  const start = stderr.lastIndexOf('{');
  const end = stderr.lastIndexOf('}');
  if (start === -1 || end < start) return null;
  let json: Record<string, string>;
  try {
    json = JSON.parse(stderr.slice(start, end + 1)) as Record<string, string>;
  } catch {
    return null;
  }
  const m = {
    inputI: Number(json.input_i),
    inputTp: Number(json.input_tp),
    inputLra: Number(json.input_lra),
    inputThresh: Number(json.input_thresh),
    targetOffset: Number(json.target_offset),
  };
  return Object.values(m).every(Number.isFinite) ? m : null;
}

/**
 * The second pass: linear normalisation with the measured values, back to 48 kHz (loudnorm works at
 * 192); aformat names the layouts again, as resampling loudnorm's output leaves ffmpeg 5.1 none to pick.
 */
export function loudnormFilter(m: LoudnessMeasure): string {
  return (
    `loudnorm=${target}:measured_I=${m.inputI}:measured_TP=${m.inputTp}:measured_LRA=${m.inputLra}` +
    `:measured_thresh=${m.inputThresh}:offset=${m.targetOffset}:linear=true:print_format=none,aresample=48000,aformat=channel_layouts=mono|stereo|5.1|7.1`
  );
}

/** SRT, WebVTT or ASS in, WebVTT out (ffmpeg's subtitle decoders and webvtt muxer). */
export function subtitleArgs(input: string, output: string): string[] {
  return [...head('error').filter((a) => a !== '-progress' && a !== 'pipe:1'), '-i', input, '-map', '0:s:0', '-c:s', 'webvtt', '-f', 'webvtt', output];
}
