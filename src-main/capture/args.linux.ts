import { h264EncoderArgs, withOutputSize } from './encoder-args.js';
import type { CaptureOptions } from './types.js';

export const CAPTURE_PAYLOAD_TYPE = 96;

/**
 * x11grab of a display (or a rectangle of it) to H.264 RTP. `-fps_mode passthrough`: when the machine
 * is starved x11grab drops frames, and constant-rate output would duplicate them to fill the time.
 */
export function captureArgsLinux(o: CaptureOptions): string[] {
  const { target } = o;
  const input = `${target.display}.0+${target.x ?? 0},${target.y ?? 0}`;
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-fflags', 'nobuffer',
    '-f', 'x11grab', '-draw_mouse', o.drawMouse ? '1' : '0', '-framerate', String(o.fps),
    '-video_size', `${target.width}x${target.height}`, '-i', input,
    ...withOutputSize(h264EncoderArgs(o.encoder, o.fps, o.bitrateKbps), o.outputSize),
    '-fps_mode', 'passthrough',
    '-an', '-payload_type', String(CAPTURE_PAYLOAD_TYPE),
    '-f', 'rtp', `rtp://127.0.0.1:${o.rtpPort}?pkt_size=1200`,
  ];
}
