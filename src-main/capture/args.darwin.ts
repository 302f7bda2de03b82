import { StudioError } from '../core/errors.js';
import type { CaptureOptions } from './types.js';

/** macOS capture would be ffmpeg `avfoundation` ("Capture screen N"); it is refused: unsupported on this OS. */
export function captureArgsDarwin(_options: CaptureOptions): string[] {
  throw new StudioError('NOT_IMPLEMENTED_ON_OS', 'screen capture on macOS (avfoundation) is unsupported on this OS build');
}
