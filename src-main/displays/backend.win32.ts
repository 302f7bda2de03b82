import { StudioError } from '../core/errors.js';
import type { DisplayBackend, VirtualDisplay } from './types.js';

/**
 * Windows: virtual displays come from an indirect display driver (IDD) adapter, which must be installed
 * and signed as a driver; capture is ffmpeg ddagrab (Desktop Duplication). Neither exists on the
 * machines this build is tested on, so both refuse with NOT_IMPLEMENTED_ON_OS instead of pretending.
 */
export class WindowsDisplayBackend implements DisplayBackend {
  readonly os = 'win32' as const;

  listPhysical(): Promise<never[]> {
    return Promise.resolve([]);
  }

  createVirtual(): Promise<VirtualDisplay> {
    return Promise.reject(
      new StudioError('NOT_IMPLEMENTED_ON_OS', 'virtual displays on Windows need the indirect display driver adapter, which this build does not ship yet (unsupported on this OS)'),
    );
  }

  listWindows(): Promise<never[]> {
    return Promise.reject(new StudioError('NOT_IMPLEMENTED_ON_OS', 'window listing on Windows is unsupported on this OS build'));
  }
}
