export const DESKTOP_USER: string;
export const CHROMIUM_DESKTOP_ARGS: string[];
export function ensureDesktopUser(): void;

/** A session of the desktop user under dbus-run-session: its folder, logs by part, and a stop that ends everything of the user. */
export interface Desktop {
  dir: string;
  run: string;
  log(name: string): string;
  stop(): Promise<void>;
}

export function launchDesktop(options: { prefix: string; script: (dir: string, q: (s: string) => string) => string[]; allowRoot?: boolean }): Desktop;

/** Waits until Chromium in `desktop` answers on DevTools at `cdpUrl`; stops the desktop with the last lines of `parts`' logs when it does not by `deadline`. */
export function waitForDevTools(desktop: Desktop, cdpUrl: string, deadline: number, parts: string[]): Promise<void>;

/**
 * A GNOME desktop (headless mutter, a virtual monitor, PipeWire, WirePlumber) in one D-Bus session of an
 * unprivileged user; optionally Chromium on Wayland in kiosk mode on `clientUrl`, over DevTools on `cdpPort`.
 */
export interface MutterSession {
  dir: string;
  /** What a host started in that desktop has in its environment. */
  env: { DBUS_SESSION_BUS_ADDRESS: string; XDG_RUNTIME_DIR: string; WAYLAND_DISPLAY: string };
  cdpUrl?: string;
  log(name: 'mutter' | 'pipewire' | 'wireplumber' | 'chromium'): string;
  /** Kills PipeWire (and WirePlumber); `startPipewire` brings them back. */
  stopPipewire(): void;
  startPipewire(): void;
  stop(): Promise<void>;
}

export function startMutterSession(options?: { width?: number; height?: number; clientUrl?: string; cdpPort?: number }): Promise<MutterSession>;

/** A sway desktop (headless, software rendering, output HEADLESS-1) of the desktop user; optionally Chromium on Wayland in kiosk mode on `clientUrl`. */
export interface SwaySession {
  dir: string;
  /** What a host started in that desktop has in its environment. */
  env: { DBUS_SESSION_BUS_ADDRESS: string; XDG_RUNTIME_DIR: string; WAYLAND_DISPLAY: string };
  cdpUrl?: string;
  log(name: 'sway' | 'chromium'): string;
  /** Kills sway (its clients lose it); `startCompositor` starts it again on the same socket. */
  stopCompositor(): void;
  startCompositor(): void;
  stop(): Promise<void>;
}

export function startSwaySession(options?: { width?: number; height?: number; clientUrl?: string; cdpPort?: number }): Promise<SwaySession>;
