import type { DisplayWindow, Rect } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';

/** x264 (and every 4:2:0 encoder) needs even sizes: odd ones are rounded down. */
const even = (n: number): number => n - (n % 2);

function refuse(path: string, message: string, details: Record<string, unknown>): never {
  throw new StudioError('VALIDATION_FAILED', `${path}: ${message}`, { fields: [{ path, message }], ...details });
}

/**
 * The rectangle of a display a broadcast captures: the whole display, a region inside it, or a window's
 * rectangle clamped to it. Sizes are rounded down to even. A region that leaves the display, or a window
 * with nothing of it on the display, is refused with VALIDATION_FAILED. Pure.
 */
export function broadcastTarget(display: { width: number; height: number }, choice: { region?: Rect | undefined; window?: DisplayWindow | undefined }): Rect {
  const bounds = `${display.width}x${display.height}`;
  let rect: Rect;
  if (choice.region) {
    const r = choice.region;
    if (r.x + r.width > display.width || r.y + r.height > display.height) {
      refuse('region', `${r.width}x${r.height}+${r.x}+${r.y} is outside the display (${bounds})`, { display: bounds });
    }
    rect = r;
  } else if (choice.window) {
    const w = choice.window;
    const x = Math.max(0, w.x);
    const y = Math.max(0, w.y);
    rect = { x, y, width: Math.min(display.width, w.x + w.width) - x, height: Math.min(display.height, w.y + w.height) - y };
  } else {
    rect = { x: 0, y: 0, width: display.width, height: display.height };
  }
  const target = { x: rect.x, y: rect.y, width: even(rect.width), height: even(rect.height) };
  if (target.width < 2 || target.height < 2) {
    refuse(choice.window ? 'windowId' : 'region', `nothing of it lies on the display (${bounds})`, { display: bounds });
  }
  return target;
}
