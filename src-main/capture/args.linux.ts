import type { ScreenInput, ScreenInputOptions } from './types.js';

/** x11grab of an X display, or of a rectangle of it (a window is captured as its rectangle). */
export function screenInputLinux(o: ScreenInputOptions): ScreenInput {
  const { target } = o;
  return {
    args: [
      '-f', 'x11grab', '-draw_mouse', o.drawMouse ? '1' : '0', '-framerate', String(o.fps),
      '-video_size', `${target.width}x${target.height}`, '-i', `${target.display}.0+${target.x ?? 0},${target.y ?? 0}`,
    ],
    filters: [],
  };
}
