import { StudioError } from '../core/errors.js';
import { broadcastArgsLinux } from './broadcast-args.linux.js';
import type { CaptureTarget } from './types.js';

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
}

/** Builds the ffmpeg arguments that capture a display with sound and write H.264 + AAC as FLV on stdout. */
export type BroadcastArgsBuilder = (options: BroadcastCaptureOptions) => string[];

/** The one place that picks the broadcast capture of this operating system. */
export function broadcastArgsFor(platform: NodeJS.Platform): BroadcastArgsBuilder {
  if (platform === 'win32' || platform === 'darwin') {
    // Windows would be ddagrab + WASAPI loopback, macOS avfoundation: neither runs in this build's tests.
    return () => {
      throw new StudioError('NOT_IMPLEMENTED_ON_OS', `broadcasting a display is unsupported on this OS (${platform})`);
    };
  }
  return broadcastArgsLinux;
}
