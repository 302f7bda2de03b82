import type { Display } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { DisplayBackend, VirtualDisplay } from './types.js';
import type { ChildRegistry } from '../core/children.js';

const QUERY_TIMEOUT_MS = 10_000;

interface ProfilerScreen {
  _name?: string;
  _spdisplays_pixels?: string;
  _spdisplays_resolution?: string;
}

/**
 * `system_profiler SPDisplaysDataType -json`: each graphics card's screens, in pixels, named as
 * ffmpeg's avfoundation names them ("Capture screen 0", "Capture screen 1"... in the same order).
 */
export function parseProfilerScreens(json: string): Omit<Display, 'id'>[] {
  let cards: { spdisplays_ndrvs?: ProfilerScreen[] }[];
  try {
    cards = (JSON.parse(json) as { SPDisplaysDataType?: typeof cards }).SPDisplaysDataType ?? [];
  } catch {
    return [];
  }
  const screens = cards.flatMap((card) => card.spdisplays_ndrvs ?? []);
  return screens.flatMap((screen, index) => {
    const pixels = /(\d+)\s*x\s*(\d+)/.exec(screen._spdisplays_pixels ?? screen._spdisplays_resolution ?? '');
    if (!pixels) return [];
    const hz = /@\s*([\d.]+)\s*Hz/.exec(screen._spdisplays_resolution ?? '');
    return [{ name: `Capture screen ${index}`, width: Number(pixels[1]), height: Number(pixels[2]), refreshHz: hz ? Math.round(Number(hz[1])) : 60, virtual: false, state: 'running' as const, kind: 'screen' as const }];
  });
}

/** macOS: the screens (captured with ffmpeg avfoundation); virtual displays need a private API: unsupported on this OS. */
export class DarwinDisplayBackend implements DisplayBackend {
  readonly os = 'darwin' as const;

  constructor(private readonly deps: { children: Pick<ChildRegistry, 'run'>; logger: Logger; env: NodeJS.ProcessEnv }) {}

  async listPhysical(): Promise<Omit<Display, 'id'>[]> {
    try {
      const r = await this.deps.children.run('system_profiler', ['SPDisplaysDataType', '-json'], { env: this.deps.env, timeoutMs: QUERY_TIMEOUT_MS });
      if (r.code === 0 && !r.timedOut) return parseProfilerScreens(r.stdout);
      this.deps.logger.warn({ code: r.code, timedOut: r.timedOut, stderr: r.stderr.slice(-500) }, 'listing the screens failed');
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'listing the screens failed');
    }
    return [];
  }

  createVirtual(): Promise<VirtualDisplay> {
    return Promise.reject(new StudioError('NOT_IMPLEMENTED_ON_OS', 'virtual displays are unsupported on this OS (macOS)'));
  }

  listWindows(): Promise<never[]> {
    return Promise.reject(new StudioError('NOT_IMPLEMENTED_ON_OS', 'window listing is unsupported on this OS (macOS)'));
  }
}
