import type { LadderPreset, Rendition } from '../../src-shared/contract/streams.js';
import type { EncoderProbe, FfmpegInfo } from '../../src-shared/contract/system.js';
import { HARDWARE_H264, runsOn, X264, type LadderProfileOptions, type VideoEncoderRow } from './encoders.js';

/**
 * The adaptive ladder: which renditions a live stream gets, and which H.264 encoder of the one table
 * (encoders.ts, its `ladder` profile) makes them.
 * Pure: the packager turns the result into ffmpeg arguments (packager-args.ts).
 *
 * Decisions:
 * - `passthrough`: the source alone, copied (any codec): about 1% of a core.
 * - `standard`: the source (copied when it is H.264, else encoded at its own size) + 720p/480p/360p
 *   below it (a 720p H.264 source: source + 480p/360p, not the same picture encoded a second time).
 * - `high`: 1080p/720p/480p/360p, all encoded (aligned GOPs, predictable bitrates), plus the source
 *   copied on top when it is H.264 and taller than 1080p (a 1440p/4K source keeps its full quality
 *   without a 4K encode). A non-H.264 source above 1080p gets an encoded source rung only with a
 *   hardware encoder: re-encoding it at full size is out of reach of a software one.
 * - Never upscale: rungs taller than the source are dropped.
 * - Sizes keep the source's aspect exactly with even dimensions (the dash muxer refuses an adaptation
 *   set whose renditions differ in aspect): 16:9 at 480 lines is 832x468. Where no exact size lies
 *   within 10% of the target, the rung keeps the target height and packager-args sets a compensating
 *   sample aspect ratio.
 * - Bitrates: 1080p 4500, 720p 2500, 480p 1200, 360p 700 kbps, each capped at the source's bitrate
 *   (when known: 0 means unknown and caps nothing).
 * - Audio: one AAC track shared by every rendition; the source's AAC is copied, anything else is
 *   encoded at 128 kbps.
 */

export interface LadderSource {
  width: number;
  height: number;
  fps: number;
  /** 0 when unknown. */
  videoBitrateKbps: number;
  /** As the FLV tags name it: h264, hevc, av1... */
  videoCodec: string;
  /** Null or undefined when the stream has no audio. */
  audioCodec?: string | null;
  /** 0 or undefined when unknown. */
  audioBitrateKbps?: number;
}

export type X264Preset = 'ultrafast' | 'superfast' | 'veryfast' | 'faster' | 'fast' | 'medium';

/** An H.264 encoder and how to feed it. */
export interface EncoderChoice {
  /** ffmpeg encoder name: h264_nvenc, libx264... */
  name: string;
  vendor: EncoderProbe['vendor'];
  hardware: boolean;
  /** Global options before the input: opening the hardware device. */
  inputArgs: string[];
  /** Filters after scale+setsar: the pixel format, and the upload to the device where one is needed. */
  uploadFilter: string;
  /** Options of each encoded stream, as [option, value]: packager-args adds the stream specifier. */
  streamOptions: Array<[string, string]>;
}

export interface AudioPlan {
  copy: boolean;
  bitrateKbps: number;
}

export const AUDIO_BITRATE_KBPS = 128;

interface Rung {
  id: string;
  height: number;
  videoBitrateKbps: number;
}

export const RUNGS: readonly Rung[] = [
  { id: '1080p', height: 1080, videoBitrateKbps: 4500 },
  { id: '720p', height: 720, videoBitrateKbps: 2500 },
  { id: '480p', height: 480, videoBitrateKbps: 1200 },
  { id: '360p', height: 360, videoBitrateKbps: 700 },
];

export const isH264 = (codec: string): boolean => /^(h264|avc1?|h\.264)$/i.test(codec.trim());
export const isAac = (codec: string): boolean => /^(aac|mp4a)/i.test(codec.trim());

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

const even = (n: number): number => Math.max(2, 2 * Math.round(n / 2));

/**
 * The size of a rung `targetHeight` lines tall (at most) cut from a `width`x`height` source: the
 * exact aspect with even sides when one lies within 10% below the target, else the target height
 * with the nearest even width (packager-args then compensates with the sample aspect ratio).
 */
export function rungSize(width: number, height: number, targetHeight: number): { width: number; height: number } {
  if (targetHeight >= height && width % 2 === 0 && height % 2 === 0) return { width, height };
  const target = Math.min(targetHeight, height);
  const g = gcd(width, height);
  const p = width / g;
  const q = height / g;
  const step = p % 2 === 1 || q % 2 === 1 ? 2 : 1;
  const k = Math.floor(target / q / step) * step;
  if (k >= step && k * q >= target * 0.9) return { width: k * p, height: k * q };
  const h = Math.min(even(target), height - (height % 2));
  return { width: even((h * width) / height), height: h };
}

/** A typical bitrate for a size: the rung table, interpolated by height, extrapolated by pixels above 1080p. */
export function typicalBitrateKbps(width: number, height: number): number {
  const table = [...RUNGS].reverse(); // ascending heights
  const first = table[0]!;
  const last = table.at(-1)!;
  if (height <= first.height) return Math.round((first.videoBitrateKbps * height) / first.height);
  if (height >= last.height) return Math.round(last.videoBitrateKbps * ((width * height) / (1920 * 1080)) ** 0.75);
  for (let i = 1; i < table.length; i++) {
    const lo = table[i - 1]!;
    const hi = table[i]!;
    if (height <= hi.height) {
      const f = (height - lo.height) / (hi.height - lo.height);
      return Math.round(lo.videoBitrateKbps + f * (hi.videoBitrateKbps - lo.videoBitrateKbps));
    }
  }
  return last.videoBitrateKbps;
}

const cap = (kbps: number, source: LadderSource): number =>
  source.videoBitrateKbps > 0 ? Math.min(kbps, Math.round(source.videoBitrateKbps)) : kbps;

/** The shared audio track, or null when the source has none. */
export function audioPlan(source: LadderSource): AudioPlan | null {
  if (!source.audioCodec) return null;
  if (isAac(source.audioCodec)) {
    const known = source.audioBitrateKbps !== undefined && source.audioBitrateKbps > 0;
    return { copy: true, bitrateKbps: known ? Math.round(source.audioBitrateKbps!) : AUDIO_BITRATE_KBPS };
  }
  return { copy: false, bitrateKbps: AUDIO_BITRATE_KBPS };
}

export function buildLadder(preset: LadderPreset, source: LadderSource, encoder: EncoderChoice): Rendition[] {
  const audioKbps = audioPlan(source)?.bitrateKbps ?? 0;
  const encodedCodec = 'h264';
  const copied = (): Rendition => ({
    id: 'source',
    width: source.width,
    height: source.height,
    videoBitrateKbps: source.videoBitrateKbps > 0 ? Math.round(source.videoBitrateKbps) : typicalBitrateKbps(source.width, source.height),
    audioBitrateKbps: audioKbps,
    videoCodec: source.videoCodec,
    copy: true,
  });
  const encoded = (id: string, targetHeight: number, kbps: number): Rendition => ({
    id,
    ...rungSize(source.width, source.height, targetHeight),
    videoBitrateKbps: cap(kbps, source),
    audioBitrateKbps: audioKbps,
    videoCodec: encodedCodec,
    copy: false,
  });
  const rungs = (from: number): Rendition[] =>
    RUNGS.filter((r) => r.height <= from && r.height <= source.height).map((r) => encoded(r.id, r.height, r.videoBitrateKbps));

  if (preset === 'passthrough') return [copied()];
  const h264 = isH264(source.videoCodec);
  if (preset === 'standard') {
    // A rung as tall as the copied source would be the same picture encoded twice: left out.
    if (h264) return [copied(), ...rungs(720).filter((r) => r.height < source.height)];
    // The source re-encoded at its own size replaces a rung of the same height.
    const top = encoded('source', source.height, typicalBitrateKbps(source.width, source.height));
    return [top, ...rungs(720).filter((r) => r.height < top.height)];
  }
  // high
  const ladder = rungs(1080);
  if (source.height > 1080 && h264) ladder.unshift(copied());
  else if (source.height > 1080 && encoder.hardware) ladder.unshift(encoded('source', source.height, typicalBitrateKbps(source.width, source.height)));
  if (ladder.length > 0) return ladder;
  // Smaller than the smallest rung: the source alone, copied when a browser can play it.
  return [h264 ? copied() : encoded('source', source.height, typicalBitrateKbps(source.width, source.height))];
}

/**
 * The libx264 preset that keeps a live ladder at real time, by encoded rungs per core. Measured on
 * 2 shared cores (Debian ffmpeg 5.1, 720p30 FLV in, 720/480/360 encoded + source copied), full
 * throughput: ultrafast 4.3x (2.3-2.5x with the machine loaded 7x over), superfast 1.9x (1.3x
 * loaded), veryfast 1.4x; live, loaded, superfast fell to 0.93-0.97x. So on 2 cores: 1 rung
 * veryfast, 2 superfast, 3 or more ultrafast (veryfast misses real time at 3 rungs).
 */
export function x264PresetFor(encodedRungs: number, cores: number): X264Preset {
  const perCore = encodedRungs / Math.max(1, cores);
  if (perCore <= 0.5) return 'veryfast';
  if (perCore <= 1) return 'superfast';
  return 'ultrafast';
}

export interface ChooseEncoderOptions {
  /** Encoded renditions the encoder will make (for the libx264 preset); 3 when unknown. */
  rungs?: number;
  /** CPU cores available; 2 when unknown. */
  cores?: number;
  /** DRM render node for VAAPI. */
  vaapiDevice?: string;
}

/** The ladder profile of a row of the encoder table, as the packager takes it. */
function choiceOf(row: VideoEncoderRow, options: LadderProfileOptions): EncoderChoice {
  const profile = row.ladder!;
  return {
    name: row.name,
    vendor: row.vendor,
    hardware: row.hardware,
    inputArgs: profile.inputArgs(options),
    uploadFilter: profile.uploadFilter,
    streamOptions: profile.streamOptions(options),
  };
}

/** The best usable H.264 encoder of the table: hardware when a trial encode succeeded, else libx264. */
export function chooseEncoder(info: FfmpegInfo, platform: NodeJS.Platform, options: ChooseEncoderOptions = {}): EncoderChoice {
  const usable = new Set(info.encoders.filter((e) => e.usable).map((e) => e.name));
  const x264Preset = x264PresetFor(options.rungs ?? 3, options.cores ?? 2);
  for (const row of HARDWARE_H264) {
    if (!row.ladder || !usable.has(row.name) || !runsOn(row, platform)) continue;
    return choiceOf(row, { x264Preset, vaapiDevice: options.vaapiDevice });
  }
  return softwareEncoder(x264Preset);
}

export function softwareEncoder(preset: X264Preset): EncoderChoice {
  return choiceOf(X264, { x264Preset: preset });
}

export interface LadderPlan {
  encoder: EncoderChoice;
  renditions: Rendition[];
  audio: AudioPlan | null;
}

/** The ladder and the encoder sized for it (the libx264 preset depends on how many rungs it encodes). */
export function planLadder(
  preset: LadderPreset,
  source: LadderSource,
  info: FfmpegInfo,
  platform: NodeJS.Platform,
  options: Omit<ChooseEncoderOptions, 'rungs'> = {},
): LadderPlan {
  const renditions = buildLadder(preset, source, chooseEncoder(info, platform, options));
  const rungs = renditions.filter((r) => !r.copy).length;
  return { encoder: chooseEncoder(info, platform, { ...options, rungs }), renditions, audio: audioPlan(source) };
}
