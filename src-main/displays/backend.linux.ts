import type { Display, DisplayWindow } from '../../src-shared/contract/index.js';
import type { WaylandDesktops } from './wayland.linux.js';
import type { ChildRegistry } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { DisplayBackend, VirtualDisplay, VirtualDisplaySpec } from './types.js';
import { listWindows, screenSize } from './x11-client.linux.js';
import { XvfbDisplay } from './xvfb.linux.js';

/**
 * Linux: the host's own X display ($DISPLAY) when it has one, the monitors of the Wayland desktop it
 * runs in ($WAYLAND_DISPLAY; wayland.linux.ts), and Xvfb servers as virtual displays. On a Wayland
 * desktop $DISPLAY is XWayland, whose grab shows only X clients: its monitors are captured through
 * PipeWire instead, and the X display is listed only where there is no Wayland capture.
 */
export class LinuxDisplayBackend implements DisplayBackend {
  readonly os = 'linux' as const;

  constructor(
    private readonly deps: { children: ChildRegistry; logger: Logger; xvfbCommand?: string; env: NodeJS.ProcessEnv; wayland?: WaylandDesktops },
  ) {}

  async listPhysical(): Promise<Omit<Display, 'id'>[]> {
    const wayland = (await this.deps.wayland?.list()) ?? [];
    if (wayland.length > 0) return wayland;
    const name = this.deps.env.DISPLAY;
    if (!name) return [];
    try {
      const { width, height } = await screenSize(name);
      return [{ name, width, height, refreshHz: 60, virtual: false, state: 'running', kind: 'x11' }];
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
