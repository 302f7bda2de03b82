import type { ScreenInput, ScreenInputOptions } from './types.js';

/**
 * macOS: ffmpeg's `avfoundation` device by name ("Capture screen 0": names stay right when cameras
 * come and go, indexes do not); avfoundation captures whole screens, so a region is cropped.
 */
export function screenInputDarwin(o: ScreenInputOptions): ScreenInput {
  const { target } = o;
  return {
    args: ['-f', 'avfoundation', '-capture_cursor', o.drawMouse ? '1' : '0', '-framerate', String(o.fps), '-i', `${target.display}:none`],
    // Cropping a whole screen to its own size passes the frames through.
    filters: [`crop=${target.width}:${target.height}:${target.x ?? 0}:${target.y ?? 0}`],
  };
}
