export const DESKTOP_USER: string;
export const CHROMIUM_DESKTOP_ARGS: string[];
export function ensureDesktopUser(): void;

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
