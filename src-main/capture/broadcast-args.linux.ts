import type { BroadcastCaptureOptions } from './broadcast-args.js';
import { h264EncoderArgs } from './encoder-args.js';

/** A silent stereo track when the host has no sound server: players and packagers expect audio. */
export const SILENT_AUDIO_INPUT = ['-f', 'lavfi', '-i', 'anullsrc=channel_layout=stereo:sample_rate=48000'];
const AUDIO_BITRATE_KBPS = 128;

/** The capture encoder's arguments with a GOP of `frames` instead of its interactive one second. */
function withGop(encoderArgs: readonly string[], frames: number): string[] {
  const out = [...encoderArgs];
  const at = out.indexOf('-g');
  if (at >= 0) out[at + 1] = String(frames);
  else out.push('-g', String(frames));
  return out;
}

/**
 * x11grab of a display (or a rectangle of it) plus a sound input, to H.264 + AAC in FLV on stdout for
 * the hub. Keyframes every `keyframeSeconds` exactly (`-g`/`-keyint_min` the same, no scene-cut
 * keyframes, forced on time): HLS/DASH passthrough then cuts every segment at the same length.
 */
export function broadcastArgsLinux(o: BroadcastCaptureOptions): string[] {
  const { target } = o;
  const gop = Math.max(1, Math.round(o.fps * o.keyframeSeconds));
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    // A live input must not wait for the other one: each gets a queue instead of blocking the reader.
    '-thread_queue_size', '512',
    '-f', 'x11grab', '-draw_mouse', o.drawMouse ? '1' : '0', '-framerate', String(o.fps),
    '-video_size', `${target.width}x${target.height}`, '-i', `${target.display}.0+${target.x ?? 0},${target.y ?? 0}`,
    '-thread_queue_size', '512',
    ...(o.audioInput ?? SILENT_AUDIO_INPUT),
    '-map', '0:v:0', '-map', '1:a:0',
    ...withGop(h264EncoderArgs(o.encoder, o.fps, o.bitrateKbps), gop),
    '-keyint_min', String(gop), '-force_key_frames', `expr:gte(t,n_forced*${o.keyframeSeconds})`,
    '-c:a', 'aac', '-b:a', `${AUDIO_BITRATE_KBPS}k`, '-ar', '48000', '-ac', '2',
    '-flvflags', 'no_duration_filesize',
    '-f', 'flv', 'pipe:1',
  ];
}
