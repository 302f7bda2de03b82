import type { Display, DisplayWindow } from '../../src-shared/contract/index.js';
import type { ChildRegistry } from '../core/children.js';
import { StudioError } from '../core/errors.js';
import type { Service } from '../core/lifecycle.js';
import type { Logger } from '../core/logger.js';
import { DarwinDisplayBackend } from './backend.darwin.js';
import { LinuxDisplayBackend } from './backend.linux.js';
import { WindowsDisplayBackend } from './backend.win32.js';
import type { DisplayBackend, VirtualDisplay, VirtualDisplaySpec } from './types.js';
import type { WaylandDesktops } from './wayland.linux.js';

export const MAX_VIRTUAL_DISPLAYS = 8;

/** The one place that picks the display backend of this operating system. */
export function displayBackendFor(platform: NodeJS.Platform, deps: { children: ChildRegistry; logger: Logger; env: NodeJS.ProcessEnv; wayland?: WaylandDesktops }): DisplayBackend {
  if (platform === 'win32') return new WindowsDisplayBackend(deps);
  if (platform === 'darwin') return new DarwinDisplayBackend(deps);
  return new LinuxDisplayBackend(deps);
}

/**
 * Display ids: `x11-0` for the real X display `:0`, `wl-wayland-0-Meta-0` for a Wayland monitor,
 * `screen-DISPLAY1` for a real screen elsewhere, `vd-5` for a virtual `:5` (stable while the display lives).
 */
export function displayIdOf(name: string, virtual: boolean, os: NodeJS.Platform = 'linux', kind?: Display['kind']): string {
  const tail = name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'primary';
  return `${virtual ? 'vd' : kind === 'wayland' ? 'wl' : os === 'linux' ? 'x11' : 'screen'}-${tail}`;
}

/** Real and virtual displays; virtual ones are stopped with the host (dispose). */
export class DisplayService implements Service {
  readonly name = 'displays';
  private readonly virtual = new Map<string, VirtualDisplay>();
  private pending = 0;
  private listeners = new Set<(displays: Display[]) => void>();
  private disposed = false;

  constructor(private readonly backend: DisplayBackend) {}

  onChange(listener: (displays: Display[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async list(): Promise<Display[]> {
    const physical = (await this.backend.listPhysical()).map((d) => ({ ...d, id: displayIdOf(d.name, false, this.backend.os, d.kind) }));
    return [...physical, ...[...this.virtual.entries()].map(([id, d]) => this.describe(id, d))];
  }

  async get(id: string): Promise<Display> {
    const found = (await this.list()).find((d) => d.id === id);
    if (!found) throw new StudioError('NOT_FOUND', `no display "${id}"`, { id });
    return found;
  }

  /** The windows of a display a broadcast can capture. */
  async windows(id: string): Promise<DisplayWindow[]> {
    const display = await this.get(id);
    return this.backend.listWindows(display.name);
  }

  async create(spec: { width: number; height: number; refreshHz?: number | undefined }): Promise<Display> {
    if (this.disposed) throw new StudioError('UNAVAILABLE', 'the host is stopping');
    if (this.virtual.size + this.pending >= MAX_VIRTUAL_DISPLAYS) {
      throw new StudioError('DISPLAY_LIMIT_REACHED', `at most ${MAX_VIRTUAL_DISPLAYS} virtual displays at once`, { limit: MAX_VIRTUAL_DISPLAYS });
    }
    const full: VirtualDisplaySpec = { width: spec.width, height: spec.height, refreshHz: spec.refreshHz ?? 30 };
    this.pending++;
    let display: VirtualDisplay;
    try {
      display = await this.backend.createVirtual(full, () => this.changed());
    } finally {
      this.pending--;
    }
    if (this.disposed) {
      await display.stop();
      throw new StudioError('UNAVAILABLE', 'the host is stopping');
    }
    const id = displayIdOf(display.name, true);
    this.virtual.set(id, display);
    this.changed();
    return this.describe(id, display);
  }

  async delete(id: string): Promise<void> {
    const display = this.virtual.get(id);
    if (!display) {
      const exists = (await this.list()).some((d) => d.id === id);
      throw exists
        ? new StudioError('CONFLICT', `display "${id}" is a real screen: only virtual displays can be deleted`, { id })
        : new StudioError('NOT_FOUND', `no display "${id}"`, { id });
    }
    this.virtual.delete(id);
    this.changed();
    await display.stop();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const all = [...this.virtual.values()];
    this.virtual.clear();
    await Promise.all(all.map((d) => d.stop()));
  }

  private describe(id: string, d: VirtualDisplay): Display {
    return { id, name: d.name, width: d.spec.width, height: d.spec.height, refreshHz: d.spec.refreshHz, virtual: true, state: d.state, kind: this.backend.os === 'linux' ? 'x11' : 'screen' };
  }

  private changed(): void {
    if (this.listeners.size === 0) return;
    void this.list().then((all) => {
      for (const listener of this.listeners) listener(all);
    }, () => undefined);
  }
}
