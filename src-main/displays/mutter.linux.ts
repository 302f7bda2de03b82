import type dbus from 'dbus-next';
import { StudioError } from '../core/errors.js';

/**
 * GNOME's own remote-desktop interface: mutter's RemoteDesktop and ScreenCast services on the
 * session bus, as gnome-remote-desktop uses them. One remote-desktop session with a screen cast linked
 * to it gives a PipeWire node of a monitor (or of a virtual monitor mutter makes for it) and takes
 * pointer and keyboard input in that monitor's coordinates. The ScreenCast portal is the way for
 * sandboxed applications and asks the person each time; a host that serves remote desktops is what
 * mutter's own interface is for (it needs the user's session bus, which a host started in the
 * desktop session has).
 */

const BUS_NAME_RD = 'org.gnome.Mutter.RemoteDesktop';
const BUS_NAME_SC = 'org.gnome.Mutter.ScreenCast';
const BUS_NAME_DC = 'org.gnome.Mutter.DisplayConfig';

/** How mutter shows the pointer in the cast: metadata lets the viewer draw it (no re-encode on a move). */
export const CURSOR_MODE = { hidden: 0, embedded: 1, metadata: 2 } as const;

export interface MutterMonitor {
  connector: string;
  width: number;
  height: number;
  refreshHz: number;
}

type Iface = dbus.ClientInterface & Record<string, (...args: unknown[]) => Promise<unknown>>;

function busError(error: unknown, what: string): StudioError {
  const message = (error as Error).message ?? String(error);
  const code = /ServiceUnknown|NameHasNoOwner|was not provided by any \.service/.test(message) ? 'CAPTURE_UNAVAILABLE' : 'CAPTURE_FAILED';
  return new StudioError(code, `${what}: ${message}`);
}

// Loaded on first use: a host that never sees a Wayland desktop does not pay for it at start.
let dbusModule: Promise<typeof dbus> | undefined;
const loadDbus = (): Promise<typeof dbus> => (dbusModule ??= import('dbus-next').then((m) => ((m as { default?: typeof dbus }).default ?? m) as typeof dbus));

/** The session bus of the desktop the host runs in; throws CAPTURE_UNAVAILABLE without one. */
export async function sessionBus(env: NodeJS.ProcessEnv = process.env): Promise<dbus.MessageBus> {
  const address = env.DBUS_SESSION_BUS_ADDRESS ?? (env.XDG_RUNTIME_DIR ? `unix:path=${env.XDG_RUNTIME_DIR}/bus` : undefined);
  if (!address) throw new StudioError('CAPTURE_UNAVAILABLE', 'no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set): the host is not running in a desktop session');
  return (await loadDbus()).sessionBus({ busAddress: address });
}

/** Whether mutter's remote-desktop services answer on this bus. */
export async function mutterAvailable(bus: dbus.MessageBus): Promise<boolean> {
  try {
    const obj = await bus.getProxyObject('org.freedesktop.DBus', '/org/freedesktop/DBus');
    const iface = obj.getInterface('org.freedesktop.DBus') as Iface;
    const [rd, sc] = await Promise.all([iface.NameHasOwner!(BUS_NAME_RD), iface.NameHasOwner!(BUS_NAME_SC)]);
    return rd === true && sc === true;
  } catch {
    return false;
  }
}

/** The monitors mutter drives, each in its current mode. */
export async function mutterMonitors(bus: dbus.MessageBus): Promise<MutterMonitor[]> {
  let state: unknown[];
  try {
    const obj = await bus.getProxyObject(BUS_NAME_DC, '/org/gnome/Mutter/DisplayConfig');
    state = (await (obj.getInterface(BUS_NAME_DC) as Iface).GetCurrentState!()) as unknown[];
  } catch (error) {
    throw busError(error, 'mutter does not list its monitors');
  }
  return parseMonitors(state);
}

/** GetCurrentState's monitors, `a((ssss)a(siiddada{sv})a{sv})`, as connector and current mode. */
export function parseMonitors(state: unknown[]): MutterMonitor[] {
  const monitors = (state[1] ?? []) as [string[], [string, number, number, number, number, number[], Record<string, dbus.Variant>][], unknown][];
  const out: MutterMonitor[] = [];
  for (const [spec, modes] of monitors) {
    const current = modes.find((m) => m[6]?.['is-current']?.value === true) ?? modes.find((m) => m[6]?.['is-preferred']?.value === true);
    if (!current || !spec[0]) continue;
    out.push({ connector: spec[0], width: current[1], height: current[2], refreshHz: Math.round(current[3]) });
  }
  return out;
}

export interface MutterCastOptions {
  /** Record this monitor; a virtual monitor of `virtualSize` when omitted. */
  connector?: string;
  cursorMode: number;
  onClosed: (reason: string) => void;
}

/**
 * A remote-desktop session with its screen cast: `nodeId` is the PipeWire node of the picture,
 * input goes through the notify methods in the cast's own coordinates.
 */
export class MutterRemoteDesktop {
  private closed = false;

  private constructor(
    private readonly rd: Iface,
    private readonly streamPath: string,
    readonly nodeId: number,
    private readonly onClosed: (reason: string) => void,
  ) {}

  static async open(bus: dbus.MessageBus, options: MutterCastOptions, timeoutMs = 10_000): Promise<MutterRemoteDesktop> {
    let rdSession: Iface;
    let scSession: Iface;
    let streamPath: string;
    let stream: dbus.ClientInterface;
    const { Variant } = await loadDbus();
    try {
      const rdRoot = (await bus.getProxyObject(BUS_NAME_RD, '/org/gnome/Mutter/RemoteDesktop')).getInterface(BUS_NAME_RD) as Iface;
      const rdPath = (await rdRoot.CreateSession!()) as string;
      const rdObj = await bus.getProxyObject(BUS_NAME_RD, rdPath);
      rdSession = rdObj.getInterface(`${BUS_NAME_RD}.Session`) as Iface;
      const props = rdObj.getInterface('org.freedesktop.DBus.Properties') as Iface;
      const id = ((await props.Get!(`${BUS_NAME_RD}.Session`, 'SessionId')) as dbus.Variant<string>).value;
      const scRoot = (await bus.getProxyObject(BUS_NAME_SC, '/org/gnome/Mutter/ScreenCast')).getInterface(BUS_NAME_SC) as Iface;
      const scPath = (await scRoot.CreateSession!({ 'remote-desktop-session-id': new Variant('s', id) })) as string;
      scSession = (await bus.getProxyObject(BUS_NAME_SC, scPath)).getInterface(`${BUS_NAME_SC}.Session`) as Iface;
      const record = { 'cursor-mode': new Variant('u', options.cursorMode) };
      streamPath = (options.connector !== undefined ? await scSession.RecordMonitor!(options.connector, record) : await scSession.RecordVirtual!(record)) as string;
      stream = (await bus.getProxyObject(BUS_NAME_SC, streamPath)).getInterface(`${BUS_NAME_SC}.Stream`);
    } catch (error) {
      throw busError(error, 'mutter refused the screen cast');
    }
    const node = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new StudioError('CAPTURE_FAILED', `mutter gave no PipeWire stream within ${timeoutMs / 1000} s`)), timeoutMs);
      stream.once('PipeWireStreamAdded', (id: number) => {
        clearTimeout(timer);
        resolve(id);
      });
    });
    const ended = { reason: '' };
    rdSession.once('Closed', () => (ended.reason ||= 'the desktop closed the remote-desktop session'));
    try {
      await rdSession.Start!();
    } catch (error) {
      throw busError(error, 'mutter did not start the remote-desktop session');
    }
    const nodeId = await node.catch(async (error: unknown) => {
      await rdSession.Stop!().catch(() => undefined);
      throw error;
    });
    const session = new MutterRemoteDesktop(rdSession, streamPath, nodeId, options.onClosed);
    rdSession.once('Closed', () => session.ended('the desktop closed the remote-desktop session'));
    if (ended.reason) session.ended(ended.reason);
    return session;
  }

  private ended(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed(reason);
  }

  get open(): boolean {
    return !this.closed;
  }

  /** The pointer to a position of the cast, in its pixels. */
  move(x: number, y: number): Promise<void> {
    return this.call('NotifyPointerMotionAbsolute', this.streamPath, x, y);
  }

  button(code: number, down: boolean): Promise<void> {
    return this.call('NotifyPointerButton', code, down);
  }

  /** Wheel steps: axis 0 vertical (positive down), 1 horizontal (positive right). */
  scroll(axis: 0 | 1, steps: number): Promise<void> {
    return this.call('NotifyPointerAxisDiscrete', axis, steps);
  }

  /** A key by its position (a Linux evdev key code). */
  keycode(code: number, down: boolean): Promise<void> {
    return this.call('NotifyKeyboardKeycode', code, down);
  }

  /** A key by the symbol it makes (an X keysym), for typed text. */
  keysym(sym: number, down: boolean): Promise<void> {
    return this.call('NotifyKeyboardKeysym', sym, down);
  }

  private async call(method: string, ...args: unknown[]): Promise<void> {
    if (this.closed) throw new StudioError('CAPTURE_FAILED', 'the remote-desktop session has ended');
    await this.rd[method]!(...args);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.rd.Stop!().catch(() => undefined);
  }
}
