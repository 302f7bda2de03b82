import type { FfmpegCaps } from '../encoder/capabilities.js';
import type { LadderSource, LadderPlan } from '../encoder/ladder.js';
import { packagerArgs } from '../encoder/packager-args.js';
import type { MediaInfo } from './media-info.js';

/**
 * A recording turned into an HLS/DASH VOD: the live packager's recipe (packager-args.ts: one ffmpeg,
 * the dash muxer with `-hls_playlist 1`, CMAF segments shared by the MPD and the HLS master) reading
 * the file instead of FLV on stdin, with every segment kept (window 0). At exit the dash muxer
 * writes a static MPD and playlists with #EXT-X-ENDLIST. Pure.
 *
 * Segment names carry a generation (`chunk-<gen>-stream0-00001.m4s`): a VOD made again with another
 * ladder never reuses a name, so segments can be cached as immutable.
 */

export const VOD_SEGMENT_SECONDS = 4;
export const VOD_MASTER_FILE = 'master.m3u8';
export const VOD_MANIFEST_FILE = 'manifest.mpd';

export interface VodArgsOptions {
  input: string;
  outDir: string;
  plan: LadderPlan;
  source: LadderSource;
  /** A short [a-z0-9] tag unique to this conversion. */
  generation: string;
  segmentSeconds?: number;
  /** What the found ffmpeg accepts; a current ffmpeg when omitted. */
  caps?: FfmpegCaps;
}

/** The ladder's view of a probed recording (defaults where ffprobe had nothing). */
export function ladderSourceOf(info: MediaInfo): LadderSource {
  const video = info.video;
  if (!video || video.width <= 0 || video.height <= 0) throw new Error('the recording has no video to convert');
  return {
    width: video.width,
    height: video.height,
    fps: video.fps > 0 ? video.fps : 30,
    videoBitrateKbps: video.bitrateKbps,
    videoCodec: video.codec,
    audioCodec: info.audio?.codec ?? null,
    audioBitrateKbps: info.audio?.bitrateKbps ?? 0,
  };
}

export function vodArgs(options: VodArgsOptions): string[] {
  if (!/^[a-z0-9]{1,16}$/.test(options.generation)) throw new Error('generation must be 1-16 characters a-z0-9');
  const { plan, source } = options;
  const live = packagerArgs({
    renditions: plan.renditions,
    encoder: plan.encoder,
    segmentSeconds: options.segmentSeconds ?? VOD_SEGMENT_SECONDS,
    outDir: options.outDir,
    windowSegments: 0,
    extraWindowSegments: 0,
    fps: source.fps,
    audio: plan.audio,
    aspect: { width: source.width, height: source.height },
    caps: options.caps,
    segmentPrefix: `${options.generation}-`,
  });
  const input = live.findIndex((arg, i) => arg === '-f' && live[i + 1] === 'flv' && live[i + 2] === '-i' && live[i + 3] === 'pipe:0');
  if (input === -1) throw new Error('packager arguments without the FLV input');
  live.splice(input, 4, '-i', options.input);
  return live;
}

/** Progress 0..1 from ffmpeg's out_time_us over the recording's duration; never 1 before ffmpeg says it ended. */
export function vodProgress(outTimeUs: number | null, durationSec: number, ended = false): number {
  if (ended) return 1;
  if (outTimeUs === null || !(outTimeUs > 0) || !(durationSec > 0)) return 0;
  return Math.min(0.99, Math.round((outTimeUs / 1e6 / durationSec) * 1000) / 1000);
}
