import { createRequire } from 'node:module';

/**
 * The few X11 requests the host needs, through the pure-JS `x11` package (no native build; it has no
 * type declarations, so its shape is described here). node-window-manager does nothing on Linux.
 */
type Callback<T> = (error: Error | null, value: T) => void;
interface XClientApi {
  QueryTree(window: number, cb: Callback<{ children: number[] }>): void;
  GetGeometry(window: number, cb: Callback<{ xPos: number; yPos: number; width: number; height: number }>): void;
  GetWindowAttributes(window: number, cb: Callback<{ mapState: number }>): void;
  GetProperty(del: number, window: number, property: number, type: number, offset: number, length: number, cb: Callback<{ data: Buffer }>): void;
  atoms: Record<string, number>;
}
interface XDisplayInfo {
  client: XClientApi & { terminate(): void; on(event: 'error', cb: (error: Error) => void): void };
  screen: { root: number; pixel_width: number; pixel_height: number }[];
}
interface X11Module {
  createClient(options: { display: string }, cb: Callback<XDisplayInfo>): { on(event: 'error', cb: (error: Error) => void): void };
}

const CONNECT_TIMEOUT_MS = 3000;
const IS_VIEWABLE = 2;

export interface X11Window {
  id: number;
  title: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

function loadX11(): X11Module {
  return createRequire(import.meta.url)('x11') as X11Module;
}

/** Connects to an X display, runs `fn`, and disconnects whatever happens. */
export function withXDisplay<T>(display: string, fn: (d: XDisplayInfo) => Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let info: XDisplayInfo | undefined;
    const timer = setTimeout(() => finish(new Error(`no answer from X display ${display}`)), CONNECT_TIMEOUT_MS);
    const finish = (error: Error | null, value?: T): void => {
      clearTimeout(timer);
      try {
        info?.client.terminate();
      } catch {
        // Already closed.
      }
      if (error) reject(error);
      else resolve(value as T);
    };
    const emitter = loadX11().createClient({ display }, (error, d) => {
      if (error) return finish(error);
      info = d;
      d.client.on('error', (e) => finish(e));
      fn(d).then(
        (v) => finish(null, v),
        (e: Error) => finish(e),
      );
    });
    emitter.on('error', (e) => finish(e));
  });
}

const call = <T>(fn: (cb: Callback<T>) => void): Promise<T> =>
  new Promise((resolve, reject) => fn((error, value) => (error ? reject(error) : resolve(value))));

export async function screenSize(display: string): Promise<{ width: number; height: number }> {
  return withXDisplay(display, async (d) => ({ width: d.screen[0]!.pixel_width, height: d.screen[0]!.pixel_height }));
}

/** Top-level mapped windows of a display with their titles and geometry (stacking order, bottom first). */
export async function listWindows(display: string): Promise<X11Window[]> {
  return withXDisplay(display, async ({ client: X, screen }) => {
    const { children } = await call<{ children: number[] }>((cb) => X.QueryTree(screen[0]!.root, cb));
    const out: X11Window[] = [];
    for (const id of children) {
      const attrs = await call<{ mapState: number }>((cb) => X.GetWindowAttributes(id, cb));
      if (attrs.mapState !== IS_VIEWABLE) continue;
      const geometry = await call<{ xPos: number; yPos: number; width: number; height: number }>((cb) => X.GetGeometry(id, cb));
      const name = await call<{ data: Buffer }>((cb) => X.GetProperty(0, id, X.atoms.WM_NAME!, 0, 0, 1024, cb));
      out.push({ id, title: name.data?.toString('utf8') ?? '', x: geometry.xPos, y: geometry.yPos, width: geometry.width, height: geometry.height });
    }
    return out;
  });
}
