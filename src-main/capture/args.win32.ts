import { StudioError } from '../core/errors.js';
import type { CaptureOptions } from './types.js';

/**
 * Windows capture would be ffmpeg `ddagrab` (Desktop Duplication, frames stay on the GPU) of the
 * output index the display maps to; no Windows machine runs this build's tests, so it is refused.
 */
export function captureArgsWin32(_options: CaptureOptions): string[] {
  throw new StudioError('NOT_IMPLEMENTED_ON_OS', 'screen capture on Windows (ddagrab) is unsupported on this OS build');
}
