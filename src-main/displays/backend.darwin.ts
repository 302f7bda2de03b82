import { StudioError } from '../core/errors.js';
import type { DisplayBackend, VirtualDisplay } from './types.js';

/** macOS: capture would be ffmpeg avfoundation; virtual displays need a private API: unsupported on this OS. */
export class DarwinDisplayBackend implements DisplayBackend {
  readonly os = 'darwin' as const;

  listPhysical(): Promise<never[]> {
    return Promise.resolve([]);
  }

  createVirtual(): Promise<VirtualDisplay> {
    return Promise.reject(new StudioError('NOT_IMPLEMENTED_ON_OS', 'virtual displays are unsupported on this OS (macOS)'));
  }

  listWindows(): Promise<never[]> {
    return Promise.reject(new StudioError('NOT_IMPLEMENTED_ON_OS', 'window listing is unsupported on this OS (macOS)'));
  }
}
