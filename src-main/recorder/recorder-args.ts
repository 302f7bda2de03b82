import { frameArgs } from '../encoder/frame-args.js';
/**
 * Arguments of the recorder's ffmpeg runs. Pure.
 *
 * A recording is a remux (no re-encode) of the Path's FLV, read on stdin, into a container that
 * survives kill -9: fragmented MP4 (an empty moov up front, then a moof+mdat at every keyframe and
 * at least every second) or Matroska (a cluster at least every second). `-flush_packets 1` hands
 * each fragment to the OS at once, so a crash loses at most the fragment being built (measured:
 * killed at 6.5 s of media, the file probes at 6.0 s and decodes cleanly).
 */

export interface RecorderArgsOptions {
  container: 'mp4' | 'mkv';
  /** The output file (absolute). */
  output: string;
  /** The longest stretch of media held in memory before it is written (default 1 s). */
  fragmentSeconds?: number;
  logLevel?: 'error' | 'warning' | 'info';
}

export function recorderArgs(options: RecorderArgsOptions): string[] {
  const fragmentSeconds = options.fragmentSeconds ?? 1;
  if (!(fragmentSeconds > 0)) throw new Error('fragmentSeconds must be positive');
  const args = ['-hide_banner', '-nostdin', '-y', '-loglevel', `level+${options.logLevel ?? 'warning'}`, '-nostats', '-progress', 'pipe:1'];
  args.push('-f', 'flv', '-i', 'pipe:0');
  // Every audio and video track, as they come; `?`: a stream without audio (or video) is fine.
  args.push('-map', '0:v?', '-map', '0:a?', '-c', 'copy', '-flush_packets', '1');
  if (options.container === 'mp4') {
    args.push(
      '-f',
      'mp4',
      '-movflags',
      '+frag_keyframe+empty_moov+default_base_moof',
      '-frag_duration',
      String(Math.round(fragmentSeconds * 1_000_000)),
    );
  } else {
    args.push('-f', 'matroska', '-cluster_time_limit', String(Math.round(fragmentSeconds * 1000)), '-cluster_size_limit', String(4 * 1024 * 1024));
  }
  args.push(options.output);
  return args;
}

/** ffprobe's JSON view of a file: container and streams. */
export function probeArgs(file: string): string[] {
  return ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file];
}

/**
 * Every packet's end time, one per line: the duration of a file whose header has none (a Matroska
 * file cut off by a crash). The caller keeps only the tail of the output.
 */
export function packetTimesArgs(file: string): string[] {
  return ['-v', 'error', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file];
}

/** One frame `atSec` into the file, at most 320 pixels wide, as a JPEG. */
export const thumbnailArgs = (input: string, output: string, atSec: number): string[] => frameArgs(input, output, atSec, { width: 320, quality: 4 });

/** 1 s in, as the first second is often black; earlier for very short files. */
export function thumbnailTime(durationSec: number): number {
  if (!(durationSec > 0)) return 0;
  return durationSec >= 2 ? 1 : durationSec / 2;
}
