import { h264EncoderArgs, withFilters } from '../encoder/encoders.js';
import { rawScreenInput, screenInputFor } from './index.js';
import type { CaptureTarget, ScreenInput, ScreenInputBuilder } from './types.js';

export interface BroadcastCaptureOptions {
  target: CaptureTarget;
  fps: number;
  encoder: string;
  bitrateKbps: number;
  /** Seconds between keyframes: the live segment length, so that passthrough segments all cut alike. */
  keyframeSeconds: number;
  /** ffmpeg input arguments of the sound (a PulseAudio monitor); without them the audio track is silence. */
  audioInput?: string[];
  drawMouse: boolean;
  /**
   * The frames come on stdin as raw pictures of this size (a Wayland monitor through the native
   * capture): the target is cropped out of them.
   */
  rawInput?: { pixelFormat: string; width: number; height: number };
}

/** Builds the ffmpeg arguments that capture a display with sound and write H.264 + AAC as FLV on stdout. */
export type BroadcastArgsBuilder = (options: BroadcastCaptureOptions) => string[];

/** A silent stereo track when the host has no sound server: players and packagers expect audio. */
export const SILENT_AUDIO_INPUT = ['-f', 'lavfi', '-i', 'anullsrc=channel_layout=stereo:sample_rate=48000'];
const AUDIO_BITRATE_KBPS = 128;

/**
 * A screen grab (or a rectangle of it) plus a sound input, to H.264 + AAC in FLV on stdout for the
 * hub. Keyframes every `keyframeSeconds` exactly (`-g`/`-keyint_min` the same, no scene-cut keyframes,
 * forced on time): HLS/DASH passthrough then cuts every segment at the same length.
 */
export function broadcastArgs(screenInput: ScreenInputBuilder, o: BroadcastCaptureOptions): string[] {
  const gop = Math.max(1, Math.round(o.fps * o.keyframeSeconds));
  const raw = o.rawInput;
  const input = raw ? rawBroadcastInput(o.target, raw, o.fps) : screenInput({ target: o.target, fps: o.fps, drawMouse: o.drawMouse, encoder: o.encoder, scaled: false });
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    // A live input must not wait for the other one: each gets a queue instead of blocking the reader.
    '-thread_queue_size', '512',
    ...input.args,
    '-thread_queue_size', '512',
    ...(o.audioInput ?? SILENT_AUDIO_INPUT),
    '-map', '0:v:0', '-map', '1:a:0',
    ...withFilters(h264EncoderArgs(o.encoder, o.fps, o.bitrateKbps, gop), input.filters),
    '-keyint_min', String(gop), '-force_key_frames', `expr:gte(t,n_forced*${o.keyframeSeconds})`,
    '-c:a', 'aac', '-b:a', `${AUDIO_BITRATE_KBPS}k`, '-ar', '48000', '-ac', '2',
    '-flvflags', 'no_duration_filesize',
    '-f', 'flv', 'pipe:1',
  ];
}

/** A native capture's raw frames on stdin, cropped to the target when it is a region of them. */
function rawBroadcastInput(target: CaptureTarget, raw: { pixelFormat: string; width: number; height: number }, fps: number): ScreenInput {
  const whole = rawScreenInput({ display: target.display, width: raw.width, height: raw.height }, raw.pixelFormat, fps);
  const x = target.x ?? 0;
  const y = target.y ?? 0;
  const cropped = x !== 0 || y !== 0 || target.width !== raw.width || target.height !== raw.height;
  return { args: whole.args, filters: cropped ? [`crop=${target.width}:${target.height}:${x}:${y}`] : [] };
}

/**
 * The broadcast capture of this operating system: x11grab on Linux, ddagrab on Windows, avfoundation
 * on macOS (the screen inputs of capture/index.ts); the sound is the caller's, else silence.
 */
export function broadcastArgsFor(platform: NodeJS.Platform): BroadcastArgsBuilder {
  const input = screenInputFor(platform);
  return (o) => broadcastArgs(input, o);
}
