import { isAac, rungSize, RUNGS, AUDIO_BITRATE_KBPS, type EncoderChoice } from '../encoder/ladder.js';
import type { TrackInfo } from '../media/types.js';
import type { DestinationProtocol } from './destination-url.js';

/**
 * The arguments of one relay's ffmpeg: the Path's FLV on stdin, copied (default) or encoded at one
 * ladder rung, pushed as FLV to rtmp(s):// or as MPEG-TS to srt://. Pure.
 */

/** A per-destination rendition: one rung of the ladder (RUNGS), sized from the source when known. */
export interface RelayRendition {
  id: string;
  encoder: EncoderChoice;
  /** Exact output size when the source size is known; else only the target height (scaled keeping the aspect, never up). */
  width: number | null;
  height: number;
  videoBitrateKbps: number;
  /** Source frame rate for the 2 s GOP; 30 when unknown. */
  fps: number;
  /** The source's AAC is copied; anything else is encoded. */
  audio: { copy: boolean; bitrateKbps: number };
}

export interface RelayArgsOptions {
  protocol: DestinationProtocol;
  /** The full publish URL, key included. */
  publishUrl: string;
  /** null: the source passed through (`-c copy`). */
  rendition: RelayRendition | null;
  /** A server that stops reading (or never answers) for this long ends ffmpeg: the relay retries. */
  ioTimeoutSec?: number;
  logLevel?: 'error' | 'warning' | 'info';
  /**
   * rtmps://: the PEM file of the CAs to trust (caBundleFile). ffmpeg does not verify a server's
   * certificate unless told to (-tls_verify 0 is its default): we always tell it.
   */
  caFile?: string;
}

export const GOP_SECONDS = 2;
export const RELAY_IO_TIMEOUT_SEC = 10;

export const renditionIds = (): string[] => RUNGS.map((r) => r.id);

/** The rendition `id` (a RUNGS id) for this source, or undefined for an unknown id. */
export function relayRendition(id: string, tracks: TrackInfo | undefined, encoder: EncoderChoice): RelayRendition | undefined {
  const rung = RUNGS.find((r) => r.id === id);
  if (!rung) return undefined;
  const video = tracks?.video;
  const known = video !== undefined && video.width > 0 && video.height > 0;
  const size = known ? rungSize(video.width, video.height, rung.height) : null;
  const sourceKbps = video?.bitrateKbps ?? 0;
  const audioCodec = tracks?.audio?.codec;
  return {
    id,
    encoder,
    width: size?.width ?? null,
    height: size?.height ?? rung.height,
    videoBitrateKbps: sourceKbps > 0 ? Math.min(rung.videoBitrateKbps, Math.round(sourceKbps)) : rung.videoBitrateKbps,
    fps: video && video.fps > 0 && Number.isFinite(video.fps) ? video.fps : 30,
    // Unknown tracks: encode, which works whatever the source carries.
    audio: { copy: audioCodec !== undefined && isAac(audioCodec), bitrateKbps: AUDIO_BITRATE_KBPS },
  };
}

function videoFilter(r: RelayRendition): string {
  // Unknown source size: the rung height (at most the source's), the width following the aspect, even.
  const scale = r.width !== null ? `scale=w=${r.width}:h=${r.height}` : `scale=w=-2:h='min(${r.height},ih)'`;
  return [scale, 'setsar=1', r.encoder.uploadFilter].filter((f) => f !== '').join(',');
}

export function relayArgs(options: RelayArgsOptions): string[] {
  const { rendition: r, protocol } = options;
  const timeoutUs = String(Math.round((options.ioTimeoutSec ?? RELAY_IO_TIMEOUT_SEC) * 1_000_000));
  const args = ['-hide_banner', '-nostdin', '-loglevel', `level+${options.logLevel ?? 'warning'}`, '-nostats', '-progress', 'pipe:1'];
  if (r) args.push(...r.encoder.inputArgs);
  args.push('-f', 'flv', '-i', 'pipe:0', '-map', '0:v:0?', '-map', '0:a:0?');
  if (!r) {
    args.push('-c', 'copy');
  } else {
    const kbps = Math.max(1, Math.round(r.videoBitrateKbps));
    const gop = String(Math.max(1, Math.round(r.fps * GOP_SECONDS)));
    args.push('-vf', videoFilter(r), '-c:v', r.encoder.name);
    for (const [option, value] of r.encoder.streamOptions) args.push(option, value);
    args.push(
      '-b:v', `${kbps}k`, '-maxrate', `${kbps}k`, '-bufsize', `${kbps * 2}k`,
      // Platforms ask for a keyframe every 2 s (YouTube, Twitch: at most 4 s).
      '-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-force_key_frames', `expr:gte(t,n_forced*${GOP_SECONDS})`,
    );
    args.push('-c:a', r.audio.copy ? 'copy' : 'aac');
    if (!r.audio.copy) args.push('-b:a', `${r.audio.bitrateKbps}k`, '-ar', '48000');
  }
  // Copied packets may arrive while an encoder fills its lookahead.
  args.push('-max_muxing_queue_size', '1024');
  // rw_timeout (µs) is the generic I/O timeout: it covers the TCP connect, the RTMP handshake and every
  // write. Not `-timeout`: for rtmp:// that option means "listen for an incoming connection".
  args.push('-rw_timeout', timeoutUs);
  if (protocol === 'rtmps') args.push('-tls_verify', '1', ...(options.caFile ? ['-ca_file', options.caFile] : []));
  if (protocol === 'srt') {
    args.push('-f', 'mpegts', options.publishUrl);
  } else {
    // A live push cannot seek back to patch the header at the end.
    args.push('-flvflags', 'no_duration_filesize', '-f', 'flv', options.publishUrl);
  }
  return args;
}

/** argv for a log line: the publish URL (which holds the key) replaced. */
export function argsForLog(args: readonly string[], publishUrl: string): string[] {
  return args.map((a) => (a === publishUrl ? '<publish url>' : a));
}
