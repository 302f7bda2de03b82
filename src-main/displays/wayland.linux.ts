import type dbus from 'dbus-next';
import path from 'node:path';
import type { Writable } from 'node:stream';
import type { Display } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import { withTimeout } from '../core/timeout.js';
import type { Logger } from '../core/logger.js';
import { FramePump, type RawFormat } from '../capture/frame-pump.js';
import { nativeFeature, type CaptureEvent, type NativeAddon, type NativeCapture, type WlrInput, type WlrOutputs } from '../platform/native.js';
import { waylandCalls } from '../remote/wayland-input.js';
import type { AgentCommand } from '../remote/input-protocol.js';
import { CURSOR_MODE, MutterRemoteDesktop, mutterAvailable, mutterMonitors, sessionBus } from './mutter.linux.js';

/** A Wayland display's name: the compositor's socket and the monitor, `wayland-0/Meta-0`. */
export const waylandDisplayName = (socket: string, connector: string): string => `${socket}/${connector}`;

/** What a desktop tells the shares of its display: running with a picture, or lost (and why). */
export type DesktopStatus = { state: 'running'; format: RawFormat } | { state: 'lost'; reason: string };

/** A bounded wait on the desktop: CAPTURE_UNAVAILABLE with `message` when it does not answer in time. */
const answered = <T>(work: Promise<T>, ms: number, message: string): Promise<T> => withTimeout(work, ms, () => new StudioError('CAPTURE_UNAVAILABLE', message));

const SHIFT_L = 0xffe1;

/** The desktop's pointer as the screen cast reports it (metadata: the viewer draws it). */
export interface DesktopCursor {
  visible: boolean;
  x: number;
  y: number;
  /** The pointer's image, RGBA, with its hotspot; replaced when the shape changes. */
  image: { width: number; height: number; hotX: number; hotY: number; rgba: Buffer } | undefined;
  /** Bumped with each new image. */
  shape: number;
}

/** After a loss the desktop is opened again: 1 s, then up to 10 s apart, while anyone uses it. */
const REOPEN_MS = [1000, 2000, 5000, 10_000];

interface DesktopDeps {
  /** Opens the compositor's capture (and input) for this monitor. */
  link: DesktopOpener;
  logger: Logger;
  fps: number;
  /** `metadata`: the viewer draws the pointer (remote desktop); `embedded`: it is in the picture (broadcasts). */
  pointer: DesktopPointer;
}

export type DesktopPointer = 'metadata' | 'embedded';

/** Pointer and keyboard of a desktop, in the monitor's pixels; buttons and keys by evdev code, text by X keysym. */
export interface DesktopInput {
  readonly open: boolean;
  move(x: number, y: number): Promise<void> | void;
  button(code: number, down: boolean): Promise<void> | void;
  scroll(axis: 0 | 1, steps: number): Promise<void> | void;
  keycode(code: number, down: boolean): Promise<void> | void;
  keysym(sym: number, down: boolean): Promise<void> | void;
}

/** A monitor's capture as a compositor gives it: the frames (events into `onEvent`), the input, and how to close both. */
export interface DesktopLink {
  capture: NativeCapture;
  /** Absent where the link serves broadcasts only. */
  input: DesktopInput | undefined;
  /** Once the first picture is there (mutter's first key and click need a warm-up). */
  started?(format: RawFormat): Promise<void>;
  close(): void;
  /** For the log. */
  detail: Record<string, unknown>;
}

export type DesktopOpener = (options: { pointer: DesktopPointer; fps: number; onEvent: (event: CaptureEvent) => void; onClosed: (reason: string) => void }) => Promise<DesktopLink>;

/** GNOME: mutter's remote-desktop session with a linked screen cast, read by the addon's PipeWire part. */
export function mutterOpener(connector: string, bus: () => Promise<dbus.MessageBus>, addon: NativeAddon): DesktopOpener {
  return async ({ pointer, fps, onEvent, onClosed }) => {
    const connection = await answered(bus(), 5000, 'the desktop\'s session bus did not answer within 5 s');
    const session = await answered(MutterRemoteDesktop.open(connection, { connector, cursorMode: CURSOR_MODE[pointer], onClosed }), 15_000, 'mutter did not start the screen cast within 15 s');
    let capture: NativeCapture;
    try {
      capture = addon.openCapture!({ nodeId: session.nodeId, fps }, onEvent);
    } catch (error) {
      void session.close();
      throw error;
    }
    return {
      capture,
      input: session,
      // mutter 43 loses the first key press of a new remote-desktop keyboard (the client's keymap is set
      // up on it), and a button pressed with the new pointer's first motion (the pointer appears and the
      // window under it is entered): a Shift tap and the pointer in the middle of the monitor take
      // those places, so a viewer's first key and first click arrive.
      started: async (format) => {
        await session.keysym(SHIFT_L, true);
        await session.keysym(SHIFT_L, false);
        await session.move(Math.floor(format.width / 2), Math.floor(format.height / 2));
      },
      close: () => {
        capture.stop();
        void session.close();
      },
      detail: { node: session.nodeId },
    };
  };
}

/**
 * wlroots desktops (sway...): the addon as a client of the compositor itself, wlr-screencopy for the
 * picture and the virtual pointer and keyboard for the input (remote desktops only). wlroots has no
 * pointer metadata: a remote desktop's picture is asked without the pointer (a compositor drawing it in
 * software has it in the picture anyway), a broadcast's with it.
 */
export function wlrootsOpener(socket: string, output: string, addon: NativeAddon, logger: Logger): DesktopOpener {
  return async ({ pointer, fps, onEvent }) => {
    const wrap = (error: unknown): StudioError => new StudioError('CAPTURE_FAILED', (error as Error).message);
    let capture: NativeCapture;
    try {
      capture = addon.openWlrCapture!({ socket, output, fps, cursor: pointer === 'embedded' }, onEvent);
    } catch (error) {
      throw wrap(error);
    }
    let input: WlrInput | undefined;
    if (pointer === 'metadata') {
      try {
        input = addon.openWlrInput!({ socket, output });
      } catch (error) {
        capture.stop();
        throw wrap(error);
      }
    }
    let closed = false;
    return {
      capture,
      input: input && {
        get open() {
          return !closed;
        },
        move: (x, y) => input.move(x, y),
        button: (code, down) => input.button(code, down),
        scroll: (axis, steps) => input.scroll(axis, steps),
        keycode: (code, down) => input.keycode(code, down),
        keysym: (sym, down) => {
          try {
            input.keysym(sym, down);
          } catch (error) {
            // A symbol the keymap lacks is skipped (said once per press); the rest of the text still goes.
            if ((error as { code?: string }).code !== 'KEY_UNAVAILABLE') throw error;
            if (down) logger.warn({ output, sym: `0x${sym.toString(16)}` }, (error as Error).message);
          }
        },
      },
      close: () => {
        closed = true;
        capture.stop();
        input?.close();
      },
      detail: { socket, output, pointer: input?.pointer ?? false, keyboard: input?.keyboard ?? false },
    };
  };
}

/**
 * One monitor of a Wayland desktop, shared by the remote-desktop sessions and broadcasts that show it:
 * the compositor's capture and input (a DesktopLink: mutter's or wlroots') and the pump that feeds its
 * frames to the encoders. Opened at the first user, closed after the last. When the desktop, its
 * compositor or PipeWire goes away, its users hear why, and it is opened again until it comes back.
 */
export class WaylandDesktop {
  private users = 0;
  private link: DesktopLink | undefined;
  private capture: NativeCapture | undefined;
  private pump: FramePump | undefined;
  private readonly attached = new Map<string, Writable>();
  private readonly listeners = new Set<(status: DesktopStatus) => void>();
  private opening: Promise<RawFormat> | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private inputChain: Promise<void> = Promise.resolve();
  private readonly cursorListeners = new Set<(cursor: DesktopCursor) => void>();
  status: DesktopStatus | undefined;
  cursor: DesktopCursor = { visible: false, x: 0, y: 0, image: undefined, shape: 0 };

  constructor(
    readonly name: string,
    private readonly deps: DesktopDeps,
  ) {}

  /** One more user; resolves with the picture's format once frames can come (throws CAPTURE_* if not). */
  async use(): Promise<RawFormat> {
    this.users++;
    try {
      if (this.status?.state === 'running') return this.status.format;
      return await (this.opening ??= this.open());
    } catch (error) {
      this.users--;
      throw error;
    }
  }

  /** One user fewer; the last one closes the desktop's session. */
  release(): void {
    if (this.users === 0 || --this.users > 0) return;
    this.close();
  }

  onStatus(listener: (status: DesktopStatus) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The pointer's moves and shapes (the picture does not show it). */
  onCursor(listener: (cursor: DesktopCursor) => void): () => void {
    this.cursorListeners.add(listener);
    return () => this.cursorListeners.delete(listener);
  }

  /** Writes every frame to `stdin` (an encoder's) from now on, across losses of the capture (each new pump gets it). */
  attach(id: string, stdin: Writable): () => void {
    this.attached.set(id, stdin);
    this.pump?.attach(id, stdin);
    return () => {
      if (this.attached.get(id) !== stdin) return;
      this.attached.delete(id);
      this.pump?.detach(id, stdin);
    };
  }

  /** Input in display pixels, in order; a failed call is logged, the next ones still go. */
  input(commands: readonly AgentCommand[]): void {
    for (const command of commands) {
      this.inputChain = this.inputChain.then(async () => {
        const session = this.link?.input;
        if (!session?.open) return;
        for (const c of waylandCalls(command)) {
          if (c.call === 'move') await session.move(c.x, c.y);
          else if (c.call === 'button') await session.button(c.code, c.down);
          else if (c.call === 'scroll') await session.scroll(c.axis, c.steps);
          else if (c.call === 'keycode') await session.keycode(c.code, c.down);
          else await session.keysym(c.sym, c.down);
        }
      }).catch((error: unknown) => this.deps.logger.warn({ display: this.name, err: error }, 'input injection failed'));
    }
  }

  /** Counters of the pump and the addon, for logs and the bench. */
  stats(): { pump: FramePump['counts'] | undefined; capture: ReturnType<NativeCapture['stats']> | undefined } {
    return { pump: this.pump ? { ...this.pump.counts } : undefined, capture: this.capture?.stats() };
  }

  private async open(): Promise<RawFormat> {
    const { logger } = this.deps;
    let format: ((f: RawFormat) => void) | undefined;
    let failed: ((e: Error) => void) | undefined;
    const first = new Promise<RawFormat>((resolve, reject) => {
      format = resolve;
      failed = reject;
    });
    try {
      // The pump is made before the capture it hands buffers back to: those handed back before the
      // capture is known go back once it is.
      const late: { capture?: NativeCapture } = {};
      const early: [number, number][] = [];
      const pump = new FramePump({ release: (i, g) => (late.capture ? late.capture.release(i, g) : early.push([i, g])), repeat: () => late.capture?.repeat() ?? null }, this.deps.fps);
      this.pump = pump;
      const onEvent = (event: CaptureEvent): void => {
        if (pump.handle(event)) {
          if (event.type === 'format' && pump.format) {
            this.failures = 0;
            this.setStatus({ state: 'running', format: pump.format });
            format?.(pump.format);
          }
          return;
        }
        if (event.type === 'cursor') {
          this.pointer(event);
          return;
        }
        if (event.type === 'error') {
          failed?.(new StudioError('CAPTURE_FAILED', event.message));
          this.lost(event.message);
        }
      };
      const link = await this.deps.link({ pointer: this.deps.pointer, fps: this.deps.fps, onEvent, onClosed: (reason) => this.lost(reason) });
      this.link = link;
      const capture = link.capture;
      late.capture = capture;
      for (const [i, g] of early.splice(0)) capture.release(i, g);
      this.capture = capture;
      for (const [id, stdin] of this.attached) pump.attach(id, stdin);
      const timer = setTimeout(() => failed?.(new StudioError('CAPTURE_FAILED', 'the screen cast negotiated no picture within 10 s')), 10_000);
      const result = await first.finally(() => clearTimeout(timer));
      await link.started?.(result);
      logger.info({ display: this.name, ...link.detail, ...result }, 'wayland capture started');
      return result;
    } catch (error) {
      this.teardown();
      throw error instanceof StudioError ? error : new StudioError('CAPTURE_FAILED', (error as Error).message);
    } finally {
      this.opening = undefined;
    }
  }

  private pointer(event: Extract<CaptureEvent, { type: 'cursor' }>): void {
    const { cursor } = this;
    cursor.visible = event.visible;
    cursor.x = event.x;
    cursor.y = event.y;
    if (event.image && event.imageWidth && event.imageHeight) {
      cursor.image = { width: event.imageWidth, height: event.imageHeight, hotX: event.hotX, hotY: event.hotY, rgba: event.image };
      cursor.shape++;
    }
    for (const listener of this.cursorListeners) listener(cursor);
  }

  private lost(reason: string): void {
    if (this.users === 0 || this.status?.state === 'lost') return;
    this.deps.logger.warn({ display: this.name, reason }, 'wayland capture lost');
    this.teardown();
    this.setStatus({ state: 'lost', reason });
    this.scheduleReopen();
  }

  private scheduleReopen(): void {
    if (this.reopenTimer || this.users === 0) return;
    const delay = REOPEN_MS[Math.min(this.failures, REOPEN_MS.length - 1)]!;
    this.failures++;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      if (this.users === 0 || this.status?.state === 'running') return;
      void (this.opening ??= this.open()).catch((error: unknown) => {
        this.deps.logger.debug({ display: this.name, err: error }, 'wayland capture not back yet');
        this.scheduleReopen();
      });
    }, delay);
    this.reopenTimer.unref?.();
  }

  private setStatus(status: DesktopStatus): void {
    this.status = status;
    for (const listener of this.listeners) listener(status);
  }

  private teardown(): void {
    this.pump?.dispose();
    this.pump = undefined;
    this.capture = undefined;
    const link = this.link;
    this.link = undefined;
    link?.close();
  }

  private close(): void {
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
    this.teardown();
    this.status = undefined;
    this.failures = 0;
  }

  dispose(): void {
    this.users = 0;
    this.close();
    this.listeners.clear();
    this.cursorListeners.clear();
  }
}

/**
 * The Wayland desktop the host runs in (WAYLAND_DISPLAY in its environment): its monitors as displays,
 * each with a shared WaylandDesktop. A wlroots compositor (sway...) is used directly through its own
 * protocols; GNOME through mutter's remote-desktop interface on the session bus. `unavailable` says
 * why there is neither.
 */
export class WaylandDesktops {
  private bus: Promise<dbus.MessageBus> | undefined;
  private readonly desktops = new Map<string, WaylandDesktop>();
  /** Which way each listed monitor is served. */
  private readonly via = new Map<string, 'wlroots' | 'mutter'>();
  private cache: { at: number; displays: Omit<Display, 'id'>[] } | undefined;
  /** Why this host lists no Wayland display, or undefined when it does (or is not on Wayland). */
  unavailable: string | undefined;
  private said = '';

  constructor(private readonly deps: { env: NodeJS.ProcessEnv; logger: Logger; fps?: number; loadAddon?: typeof nativeFeature }) {}

  private get socket(): string | undefined {
    return this.deps.env.WAYLAND_DISPLAY || undefined;
  }

  /** The compositor's socket as a path (WAYLAND_DISPLAY is a name in XDG_RUNTIME_DIR, or a path). */
  private get socketPath(): string {
    const socket = this.socket ?? '';
    return path.isAbsolute(socket) || !this.deps.env.XDG_RUNTIME_DIR ? socket : path.join(this.deps.env.XDG_RUNTIME_DIR, socket);
  }

  private sessionBus(): Promise<dbus.MessageBus> {
    this.bus ??= sessionBus(this.deps.env).then((bus) => {
      bus.on('error', (error: unknown) => this.deps.logger.warn({ err: error }, 'D-Bus session bus error'));
      return bus;
    });
    // A bus that could not be reached is tried again next time.
    this.bus.catch(() => (this.bus = undefined));
    return this.bus;
  }

  /** The monitors of the desktop, as displays (cached for 2 s: every display lookup lists). */
  async list(): Promise<Omit<Display, 'id'>[]> {
    const socket = this.socket;
    if (!socket) return [];
    if (this.cache && performance.now() - this.cache.at < 2000) return this.cache.displays;
    const displays = await answered(this.discover(socket), 5000, 'the desktop did not answer on its session bus within 5 s').catch((error: unknown) => {
      this.explain((error as Error).message);
      return [];
    });
    this.cache = { at: performance.now(), displays };
    return displays;
  }

  private async discover(socket: string): Promise<Omit<Display, 'id'>[]> {
    const wlroots = this.wlrootsMonitors(socket);
    if (wlroots.ok) {
      this.explain(undefined);
      return wlroots.displays;
    }
    try {
      const feature = (this.deps.loadAddon ?? nativeFeature)('pipewire');
      if (!feature.ok) throw new Error(`Wayland capture needs the native PipeWire part: ${feature.reason}`);
      const bus = await this.sessionBus();
      if (!(await mutterAvailable(bus))) {
        throw new Error('this Wayland desktop has no remote-desktop service the host can use (GNOME\'s mutter: org.gnome.Mutter.RemoteDesktop and ScreenCast on the session bus)');
      }
      const monitors = await mutterMonitors(bus);
      this.explain(undefined);
      return monitors.map((m) => {
        const name = waylandDisplayName(socket, m.connector);
        this.via.set(name, 'mutter');
        return { name, width: m.width, height: m.height, refreshHz: m.refreshHz, virtual: false, state: 'running' as const, kind: 'wayland' as const };
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}; nor is it a wlroots desktop the host can use (${wlroots.reason})`, { cause: error });
    }
  }

  /** The outputs of a wlroots compositor that offers screencopy, or why this is not one. */
  private wlrootsMonitors(socket: string): { ok: true; displays: Omit<Display, 'id'>[] } | { ok: false; reason: string } {
    const feature = (this.deps.loadAddon ?? nativeFeature)('wlroots');
    if (!feature.ok) return { ok: false, reason: feature.reason };
    let found: WlrOutputs;
    try {
      found = feature.addon.wlrOutputs!(this.socketPath);
    } catch (error) {
      return { ok: false, reason: (error as Error).message };
    }
    if (!found.screencopy) return { ok: false, reason: 'the compositor offers no wlr-screencopy' };
    return {
      ok: true,
      displays: found.outputs.map((o) => {
        const name = waylandDisplayName(socket, o.name);
        this.via.set(name, 'wlroots');
        return { name, width: o.width, height: o.height, refreshHz: Math.round(o.refreshMhz / 1000) || 60, virtual: false, state: 'running' as const, kind: 'wayland' as const };
      }),
    };
  }

  private explain(reason: string | undefined): void {
    this.unavailable = reason;
    if (reason && reason !== this.said) this.deps.logger.warn({ wayland: this.socket, reason }, 'Wayland displays unavailable');
    this.said = reason ?? '';
  }

  /**
   * The shared desktop of a display this service listed: one for remote desktops (the pointer as
   * metadata) and one for broadcasts (the pointer in the picture), each a screen cast of its own, at
   * the frame rate its first user asks.
   */
  desktop(name: string, pointer: DesktopPointer = 'metadata', fps = this.deps.fps ?? 30): WaylandDesktop {
    const key = `${name}|${pointer}`;
    let desktop = this.desktops.get(key);
    if (!desktop) {
      const connector = name.slice(name.indexOf('/') + 1);
      const via = this.via.get(name) ?? 'mutter';
      const feature = (this.deps.loadAddon ?? nativeFeature)(via === 'wlroots' ? 'wlroots' : 'pipewire');
      if (!feature.ok) throw new StudioError('CAPTURE_UNAVAILABLE', feature.reason);
      const link = via === 'wlroots' ? wlrootsOpener(this.socketPath, connector, feature.addon, this.deps.logger) : mutterOpener(connector, () => this.sessionBus(), feature.addon);
      desktop = new WaylandDesktop(name, { link, logger: this.deps.logger, fps, pointer });
      this.desktops.set(key, desktop);
    }
    return desktop;
  }

  /** Input for a display whose remote desktop is open (a control viewer is watching it). */
  input(name: string, commands: readonly AgentCommand[]): void {
    this.desktops.get(`${name}|metadata`)?.input(commands);
  }

  dispose(): void {
    for (const desktop of this.desktops.values()) desktop.dispose();
    this.desktops.clear();
    void this.bus?.then((bus) => bus.disconnect(), () => undefined);
    this.bus = undefined;
  }
}
