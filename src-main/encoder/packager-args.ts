import path from 'node:path';
import type { Rendition } from '../../src-shared/contract/streams.js';
import { MODERN_CAPS, type FfmpegCaps } from './capabilities.js';
import { AUDIO_BITRATE_KBPS, type AudioPlan, type EncoderChoice } from './ladder.js';

/**
 * The arguments of the one ffmpeg that packages a live stream: FLV on stdin, every rendition encoded
 * (or copied) once, CMAF segments written by the dash muxer with both a DASH MPD and an HLS master
 * pointing at the same files (hls.js and dash.js both play it). Pure.
 *
 * Files in outDir: manifest.mpd, master.m3u8, media_N.m3u8, init-streamN.m4s, chunk-streamN-NNNNN.m4s,
 * where N is the output stream: the renditions in order, then the audio track. Each is written as
 * `.tmp` and renamed, so a file server never serves half a file.
 */

export const MANIFEST_FILE = 'manifest.mpd';
export const MASTER_FILE = 'master.m3u8';
export const mediaPlaylistFile = (stream: number): string => `media_${stream}.m3u8`;
export const chunkFile = (stream: number, number: number): string => `chunk-stream${stream}-${String(number).padStart(5, '0')}.m4s`;

export interface PackagerArgsOptions {
  renditions: readonly Rendition[];
  encoder: EncoderChoice;
  /** Segment (and GOP) length. */
  segmentSeconds: number;
  outDir: string;
  /** Segments listed in the live playlists and MPD. */
  windowSegments: number;
  /** Segments kept on disk after they leave the window (late or slow clients, edges); defaults to windowSegments. */
  extraWindowSegments?: number;
  /** Where dash.js gets the time (else it asks an internet time server first). */
  utcTimingUrl?: string;
  /** Source frame rate, for the GOP length; 30 when unknown. */
  fps?: number;
  /** The audio track: null when the source has none; defaults to AAC encoded at 128 kbps. */
  audio?: AudioPlan | null;
  /** The source's display aspect; defaults to the copied rendition's size, else the first rendition's. */
  aspect?: { width: number; height: number };
  /** ffmpeg's log level (level tags are always on, for pickErrorLine). */
  logLevel?: 'error' | 'warning' | 'info';
  /** What the found ffmpeg accepts (see capabilities.ts); a current ffmpeg when omitted. */
  caps?: FfmpegCaps;
  /** Put after `init-` and `chunk-` in segment names (a VOD's generation, `g1-`); none by default. */
  segmentPrefix?: string;
}

/** Output streams: renditions first, then the audio track (if any). */
export function streamCount(options: Pick<PackagerArgsOptions, 'renditions' | 'audio'>): number {
  return options.renditions.length + (options.audio === null ? 0 : 1);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** The sample aspect ratio that shows a width x height picture at the source's display aspect. */
export function sampleAspect(width: number, height: number, aspect: { width: number; height: number }): string {
  const num = Math.round(aspect.width * height);
  const den = Math.round(aspect.height * width);
  const g = gcd(num, den) || 1;
  return num === den ? '1' : `${num / g}/${den / g}`;
}

/** Seconds without trailing zeros, as ffmpeg expressions and options want them. */
export const seconds = (s: number): string => String(Number(s.toFixed(3)));

/** The filter graph: the source decoded once, split, and each encoded rung scaled from it. */
export function filterGraph(renditions: readonly Rendition[], encoder: EncoderChoice, aspect: { width: number; height: number }): string | null {
  const encoded = renditions.map((r, i) => ({ r, i })).filter(({ r }) => !r.copy);
  if (encoded.length === 0) return null;
  const chains = encoded.map(({ r, i }) => {
    const sar = sampleAspect(r.width, r.height, aspect);
    // setsar rounds a ratio to terms below 100 unless told otherwise (1281/1280 became 1:1, and the
    // dash muxer then refused the ladder for conflicting aspect ratios).
    const filters = [`scale=w=${r.width}:h=${r.height}`, sar === '1' ? 'setsar=1' : `setsar=r=${sar}:max=100000`];
    if (encoder.uploadFilter) filters.push(encoder.uploadFilter);
    return { label: `v${i}`, filters: filters.join(',') };
  });
  if (chains.length === 1) return `[0:v]${chains[0]!.filters}[${chains[0]!.label}]`;
  const split = `[0:v]split=${chains.length}${chains.map((_, n) => `[s${n}]`).join('')}`;
  return [split, ...chains.map((c, n) => `[s${n}]${c.filters}[${c.label}]`)].join(';');
}

/** What both packagers (ffmpeg's dash muxer, our low-latency pipes) derive from a ladder the same way. */
export interface LadderBasics {
  audio: AudioPlan | null;
  /** Frames per segment: the GOP of encoded rungs. */
  gop: string;
  anyEncoded: boolean;
  /** The head of the command line: logging, progress on stdout, hardware input options, FLV on stdin. */
  head: string[];
  /** The filter graph of the encoded rungs, if any. */
  graph: string | null;
}

export function ladderBasics(
  options: Pick<PackagerArgsOptions, 'renditions' | 'encoder' | 'segmentSeconds' | 'fps' | 'audio' | 'aspect' | 'logLevel'>,
  inputOptions: readonly string[] = [],
): LadderBasics {
  const { renditions, encoder, segmentSeconds } = options;
  if (renditions.length === 0) throw new Error('a ladder needs at least one rendition');
  if (!(segmentSeconds > 0)) throw new Error('segmentSeconds must be positive');
  const audio = options.audio === undefined ? { copy: false, bitrateKbps: AUDIO_BITRATE_KBPS } : options.audio;
  const fps = options.fps !== undefined && options.fps > 0 && Number.isFinite(options.fps) ? options.fps : 30;
  const reference = renditions.find((r) => r.copy) ?? renditions[0]!;
  const aspect = options.aspect ?? { width: reference.width, height: reference.height };
  const anyEncoded = renditions.some((r) => !r.copy);
  const head = ['-hide_banner', '-nostdin', '-loglevel', `level+${options.logLevel ?? 'warning'}`, '-nostats', '-progress', 'pipe:1'];
  if (anyEncoded) head.push(...encoder.inputArgs);
  head.push(...inputOptions, '-f', 'flv', '-i', 'pipe:0');
  return { audio, gop: String(Math.max(1, Math.round(fps * segmentSeconds))), anyEncoded, head, graph: filterGraph(renditions, encoder, aspect) };
}

export function packagerArgs(options: PackagerArgsOptions): string[] {
  const { renditions, encoder, segmentSeconds, outDir, windowSegments } = options;
  const { audio, gop, head, graph } = ladderBasics(options);
  const anyCopied = renditions.some((r) => r.copy) || audio?.copy === true;

  const args = [...head];
  if (graph) args.push('-filter_complex', graph);
  renditions.forEach((r, i) => args.push('-map', r.copy ? '0:v:0' : `[v${i}]`));
  if (audio) args.push('-map', '0:a:0');

  renditions.forEach((r, i) => {
    const s = `:v:${i}`;
    const kbps = Math.max(1, Math.round(r.videoBitrateKbps));
    if (r.copy) {
      // Copied: the bitrate only feeds the MPD's bandwidth and the master's BANDWIDTH.
      args.push(`-c${s}`, 'copy', `-b${s}`, `${kbps}k`);
      return;
    }
    args.push(`-c${s}`, encoder.name);
    for (const [option, value] of encoder.streamOptions) args.push(`${option}${s}`, value);
    args.push(
      `-b${s}`,
      `${kbps}k`,
      `-maxrate${s}`,
      `${kbps}k`,
      `-bufsize${s}`,
      `${kbps * 2}k`,
      // One keyframe per segment, at the same instants in every rung: segments align across renditions.
      `-g${s}`,
      gop,
      `-keyint_min${s}`,
      gop,
      `-sc_threshold${s}`,
      '0',
      `-force_key_frames${s}`,
      `expr:gte(t,n_forced*${seconds(segmentSeconds)})`,
    );
  });
  if (audio) {
    args.push('-c:a', audio.copy ? 'copy' : 'aac', '-b:a', `${Math.max(1, Math.round(audio.bitrateKbps))}k`);
  }

  args.push(
    // Copied packets arrive while encoders still fill their lookahead: give the muxer room.
    '-max_muxing_queue_size',
    '4096',
    '-f',
    'dash',
    '-dash_segment_type',
    'mp4',
    '-seg_duration',
    seconds(segmentSeconds),
    '-use_template',
    '1',
    '-use_timeline',
    '0',
    // streaming 1 writes a moof per frame and advertises segments before they exist (dash.js 404s).
    '-streaming',
    '0',
    '-window_size',
    String(windowSegments),
    '-extra_window_size',
    String(options.extraWindowSegments ?? windowSegments),
    '-adaptation_sets',
    audio ? 'id=0,streams=v id=1,streams=a' : 'id=0,streams=v',
    // Named in full: ffmpeg 4.1 calls fMP4 segments .mp4 where later ones say .m4s.
    '-init_seg_name',
    `init-${options.segmentPrefix ?? ''}stream$RepresentationID$.m4s`,
    '-media_seg_name',
    `chunk-${options.segmentPrefix ?? ''}stream$RepresentationID$-$Number%05d$.m4s`,
    '-hls_playlist',
    '1',
  );
  // Copied streams have no bitrate at header time: without republishing, ffmpeg 5 masters say
  // BANDWIDTH=69000. Older dash muxers lack the option but take the copied rung's -b as its bitrate.
  if (anyCopied && (options.caps ?? MODERN_CAPS).has('dash:master_m3u8_publish_rate')) args.push('-master_m3u8_publish_rate', '1');
  if (options.utcTimingUrl) args.push('-utc_timing_url', options.utcTimingUrl);
  args.push(path.join(outDir, MANIFEST_FILE));
  return args;
}
