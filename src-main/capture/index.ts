import { fpsModeArgs, MODERN_CAPS } from '../encoder/capabilities.js';
import { screenInputDarwin } from './args.darwin.js';
import { screenInputLinux } from './args.linux.js';
import { screenInputWin32 } from './args.win32.js';
import { scaleFilter, videoEncoderArgs, withFilters } from '../encoder/encoders.js';
import type { CaptureArgsBuilder, CaptureOptions, CaptureTarget, ScreenInput, ScreenInputBuilder } from './types.js';

export const CAPTURE_PAYLOAD_TYPE = 96;

/** The one place that picks how this operating system grabs a screen. */
export function screenInputFor(platform: NodeJS.Platform): ScreenInputBuilder {
  if (platform === 'win32') return screenInputWin32;
  if (platform === 'darwin') return screenInputDarwin;
  return screenInputLinux;
}

/**
 * A screen grab encoded for interactive viewing (H.264, or VP8 with `libvpx`), as RTP on loopback. `-fps_mode passthrough`:
 * when the machine is starved the grabber drops frames, and constant-rate output would duplicate
 * them to fill the time.
 */
export function captureArgs(screenInput: ScreenInputBuilder, o: CaptureOptions): string[] {
  const input = o.rawInput ? rawScreenInput(o.target, o.rawInput.pixelFormat, o.fps) : screenInput({ target: o.target, fps: o.fps, drawMouse: o.drawMouse, encoder: o.encoder, scaled: o.outputSize !== undefined });
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-fflags', 'nobuffer',
    ...input.args,
    ...withFilters(videoEncoderArgs(o.encoder, o.fps, o.bitrateKbps), [...input.filters, ...(o.outputSize ? [scaleFilter(o.outputSize)] : [])]),
    ...fpsModeArgs(o.caps ?? MODERN_CAPS, 'passthrough'),
    '-an', '-payload_type', String(CAPTURE_PAYLOAD_TYPE),
    '-f', 'rtp', `rtp://127.0.0.1:${o.rtpPort}?pkt_size=1200`,
  ];
}

/**
 * Raw pictures on stdin (a native capture). They come when the screen changes (the pump repeats the
 * newest while it does not), so each is stamped with the time it arrives, not a frame count.
 */
export function rawScreenInput(target: CaptureTarget, pixelFormat: string, fps: number): ScreenInput {
  return {
    args: [
      '-f', 'rawvideo', '-pix_fmt', pixelFormat, '-video_size', `${target.width}x${target.height}`,
      '-framerate', String(fps), '-use_wallclock_as_timestamps', '1', '-i', 'pipe:0',
    ],
    filters: [],
  };
}

/** The capture of this operating system. */
export function captureArgsFor(platform: NodeJS.Platform): CaptureArgsBuilder {
  const input = screenInputFor(platform);
  return (o) => captureArgs(input, o);
}

export type { CaptureOptions, CaptureTarget } from './types.js';
