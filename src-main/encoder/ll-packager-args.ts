import type { EncoderChoice } from './ladder.js';
import { ladderBasics, seconds, type PackagerArgsOptions } from './packager-args.js';

/**
 * The arguments of the low-latency packager's ffmpeg: FLV on stdin, every rendition encoded (or
 * copied) once as today, but each track written as fragmented MP4 with one fragment per frame to its
 * own pipe (fd 3 + track: the video renditions in order, then the audio track). Our segmenter groups
 * those frames into parts and segments (servers/hls/ll/), which ffmpeg's muxers cannot do. Pure.
 */

/**
 * Per frame, flushed at once: the segmenter sees each frame as soon as it is encoded. The mp4 muxer
 * starts every output's decode times at zero, which would shift the audio against the video by the
 * gap between their first packets; `frag_discont` keeps the packets' own times (the same clock in
 * every output), and the offset keeps a copied source's first B-frame decode times above zero.
 */
/** Added to every output timestamp: decode time = FLV time + this (`-copyts` keeps the input's times). */
export const LL_TS_OFFSET_SEC = 10;

const FRAGMENTED_MP4 = [
  '-f', 'mp4', '-avoid_negative_ts', 'disabled', '-output_ts_offset', String(LL_TS_OFFSET_SEC),
  '-movflags', 'empty_moov+default_base_moof+frag_every_frame+frag_discont+skip_trailer', '-flush_packets', '1',
];
/** 90 kHz divides every common frame rate (30, 29.97, 25, 60): part durations come out exact. */
const VIDEO_TIMESCALE = ['-video_track_timescale', '90000'];

/** The first pipe's file descriptor (0-2 are stdin, progress, stderr). */
export const LL_FIRST_FD = 3;

export type LlPackagerArgsOptions = Pick<
  PackagerArgsOptions,
  'renditions' | 'encoder' | 'segmentSeconds' | 'fps' | 'audio' | 'aspect' | 'logLevel'
>;

/** x264's lookahead and B-frames hold frames back: in low-latency mode they cost more than they save. */
function lowDelayOptions(encoder: EncoderChoice): string[] {
  return encoder.name === 'libx264' ? ['-tune', 'zerolatency'] : [];
}

export function llPackagerArgs(options: LlPackagerArgsOptions): string[] {
  const { renditions, encoder, segmentSeconds } = options;
  // Read the input as it comes: no probing delay beyond what the FLV header and sequence headers give.
  // -copyts: outputs keep the FLV timestamps (plus the offset), copied and encoded rungs alike, so a
  // sample's decode time names its frame on the publisher's timeline (media/media-clock.ts). Without it
  // an encoded rung starts at 0 and a copied one at its first time less the input's start (measured).
  const { audio, gop, head, graph } = ladderBasics(options, ['-copyts']);
  const anyCopied = renditions.some((r) => r.copy);

  const args = [...head];
  if (graph) args.push('-filter_complex', graph);

  renditions.forEach((r, i) => {
    const kbps = Math.max(1, Math.round(r.videoBitrateKbps));
    args.push('-map', r.copy ? '0:v:0' : `[v${i}]`);
    if (r.copy) {
      args.push('-c:v', 'copy');
    } else {
      args.push('-c:v', encoder.name);
      for (const [option, value] of encoder.streamOptions) args.push(option, value);
      args.push(...lowDelayOptions(encoder));
      args.push('-b:v', `${kbps}k`, '-maxrate:v', `${kbps}k`, '-bufsize:v', `${kbps * 2}k`, '-g:v', gop, '-keyint_min:v', gop, '-sc_threshold:v', '0');
      // Keyframes where the copied rung has them (segments align across renditions), else every segment.
      args.push('-force_key_frames:v', anyCopied ? 'source' : `expr:gte(t,n_forced*${seconds(segmentSeconds)})`);
    }
    args.push(...FRAGMENTED_MP4, ...VIDEO_TIMESCALE, `pipe:${LL_FIRST_FD + i}`);
  });
  if (audio) {
    args.push('-map', '0:a:0', '-c:a', audio.copy ? 'copy' : 'aac', '-b:a', `${Math.max(1, Math.round(audio.bitrateKbps))}k`);
    args.push(...FRAGMENTED_MP4, `pipe:${LL_FIRST_FD + renditions.length}`);
  }
  return args;
}
