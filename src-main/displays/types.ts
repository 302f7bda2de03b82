import type { Display, DisplayWindow } from '../../src-shared/contract/index.js';

export interface VirtualDisplaySpec {
  width: number;
  height: number;
  refreshHz: number;
}

/** A virtual display the host owns: started once, restarted by its backend, stopped with the host. */
export interface VirtualDisplay {
  readonly name: string;
  readonly spec: VirtualDisplaySpec;
  readonly state: Display['state'];
  stop(): Promise<void>;
}

/**
 * What one operating system offers: its real screens, and virtual displays (Xvfb on Linux, an
 * indirect display driver adapter on Windows). Backends that cannot do something here throw
 * NOT_IMPLEMENTED_ON_OS with words saying so.
 */
export interface DisplayBackend {
  readonly os: NodeJS.Platform;
  listPhysical(): Promise<Omit<Display, 'id'>[]>;
  createVirtual(spec: VirtualDisplaySpec, onStateChange: () => void): Promise<VirtualDisplay>;
  /** The mapped top-level windows of a display (by its OS name), for window capture. */
  listWindows(displayName: string): Promise<DisplayWindow[]>;
}
