import type { DisplayWindow } from '../../src-shared/contract/index.js';
import type { ChildRegistry } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { DisplayBackend, VirtualDisplay, VirtualDisplaySpec } from './types.js';
import { listWindows, screenSize } from './x11-client.linux.js';
import { XvfbDisplay } from './xvfb.linux.js';

/** Linux: the host's own X display ($DISPLAY) when it has one, and Xvfb servers as virtual displays. */
export class LinuxDisplayBackend implements DisplayBackend {
  readonly os = 'linux' as const;

  constructor(
    private readonly deps: { children: ChildRegistry; logger: Logger; xvfbCommand?: string; env: NodeJS.ProcessEnv },
  ) {}

  async listPhysical(): Promise<{ name: string; width: number; height: number; refreshHz: number; virtual: false; state: 'running' }[]> {
    const name = this.deps.env.DISPLAY;
    if (!name) return [];
    try {
      const { width, height } = await screenSize(name);
      return [{ name, width, height, refreshHz: 60, virtual: false, state: 'running' }];
    } catch (error) {
      this.deps.logger.debug({ err: error, display: name }, 'the X display of $DISPLAY does not answer');
      return [];
    }
  }

  createVirtual(spec: VirtualDisplaySpec, onStateChange: () => void): Promise<VirtualDisplay> {
    return XvfbDisplay.start({ children: this.deps.children, command: this.deps.xvfbCommand ?? 'Xvfb', logger: this.deps.logger, onStateChange }, spec);
  }

  async listWindows(displayName: string): Promise<DisplayWindow[]> {
    try {
      return await listWindows(displayName);
    } catch (error) {
      throw new StudioError('UNAVAILABLE', `X display ${displayName} does not answer: ${(error as Error).message}`, { display: displayName });
    }
  }
}
