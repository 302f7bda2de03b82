import { createRequire } from 'node:module';
import type { DisplayWindow } from '../../src-shared/contract/index.js';

/**
 * The few X11 requests the host needs, through the pure-JS `x11` package (no native build; it has no
 * type declarations, so its shape is described here). node-window-manager does nothing on Linux.
 */
type Callback<T> = (error: Error | null, value: T) => void;
/** X replies the window listing reads; a callback returns true when it handled an error (else the client emits it). */
type XCallback<T> = (error: Error | null, value: T) => boolean;
interface XRequests {
  QueryTree(window: number, cb: XCallback<{ children: number[] }>): void;
  GetWindowAttributes(window: number, cb: XCallback<{ mapState: number }>): void;
  GetGeometry(window: number, cb: XCallback<{ width: number; height: number }>): void;
  TranslateCoordinates(src: number, dst: number, x: number, y: number, cb: XCallback<{ destX: number; destY: number }>): void;
  InternAtom(onlyIfExists: boolean, name: string, cb: XCallback<number>): void;
  GetProperty(del: number, window: number, property: number, type: number, offset: number, length: number, cb: XCallback<{ data: Buffer }>): void;
  atoms: Record<string, number>;
}
interface XScreen {
  root: number;
  pixel_width: number;
  pixel_height: number;
}
interface XDisplayInfo {
  client: XRequests & { terminate(): void; on(event: 'error', cb: (error: Error) => void): void };
  screen: XScreen[];
}
interface X11Module {
  createClient(options: { display: string }, cb: Callback<{ client: unknown; screen: XScreen[] }>): { on(event: 'error', cb: (error: Error) => void): void };
}

const CONNECT_TIMEOUT_MS = 3000;

/**
 * A connection to an X display (refused after 3 s without an answer); `Client` describes the requests
 * the caller uses. The caller terminates the client.
 */
export function openXDisplay<Client>(display: string): Promise<{ client: Client; screen: XScreen[] }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer from X display ${display}`)), CONNECT_TIMEOUT_MS);
    const x11 = createRequire(import.meta.url)('x11') as X11Module;
    x11
      .createClient({ display }, (error, d) => {
        clearTimeout(timer);
        if (error) reject(error);
        else resolve({ client: d.client as Client, screen: d.screen });
      })
      .on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
  });
}

/** Connects to an X display, runs `fn` (3 s at most), and disconnects whatever happens. */
async function withXDisplay<T>(display: string, fn: (d: XDisplayInfo) => Promise<T>): Promise<T> {
  const d = (await openXDisplay<XDisplayInfo['client']>(display)) as XDisplayInfo;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<T>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from X display ${display}`)), CONNECT_TIMEOUT_MS);
      d.client.on('error', reject);
      fn(d).then(resolve, reject);
    });
  } finally {
    clearTimeout(timer);
    try {
      d.client.terminate();
    } catch {
      // Already closed.
    }
  }
}

export function screenSize(display: string): Promise<{ width: number; height: number }> {
  return withXDisplay(display, async (d) => ({ width: d.screen[0]!.pixel_width, height: d.screen[0]!.pixel_height }));
}

const IS_VIEWABLE = 2;
const ANY_PROPERTY_TYPE = 0;
/** In 4-byte units: titles longer than 1 KB are cut. */
const TITLE_LENGTH = 256;

/** One X request as a promise; an error reply (a window gone meanwhile) rejects it instead of reaching the client. */
const request = <T>(send: (cb: XCallback<T>) => void): Promise<T> =>
  new Promise((resolve, reject) =>
    send((error, value) => {
      if (error) reject(error);
      else resolve(value);
      return true;
    }),
  );

async function titleOf(X: XRequests, id: number, netWmName: number): Promise<string> {
  for (const atom of [netWmName, X.atoms.WM_NAME!]) {
    const { data } = await request<{ data: Buffer }>((cb) => X.GetProperty(0, id, atom, ANY_PROPERTY_TYPE, 0, TITLE_LENGTH, cb));
    if (data && data.length > 0) return data.toString('utf8');
  }
  return '';
}

/** Under a window manager a top-level window is a frame: the title is on the client window inside. */
async function frameTitle(X: XRequests, frame: number, netWmName: number): Promise<string> {
  const { children } = await request<{ children: number[] }>((cb) => X.QueryTree(frame, cb));
  for (const child of children) {
    const title = await titleOf(X, child, netWmName);
    if (title) return title;
  }
  return '';
}

/**
 * The viewable top-level windows of a display (children of the root, bottom of the stack first) larger
 * than 1x1, with their titles (_NET_WM_NAME, else WM_NAME; under a window manager, the first named
 * child of the frame) and their inside rectangle in root coordinates. Windows that vanish during the
 * listing are left out.
 */
export function listWindows(display: string): Promise<DisplayWindow[]> {
  return withXDisplay(display, async ({ client: X, screen }) => {
    const root = screen[0]!.root;
    const netWmName = await request<number>((cb) => X.InternAtom(false, '_NET_WM_NAME', cb));
    const { children } = await request<{ children: number[] }>((cb) => X.QueryTree(root, cb));
    const found: DisplayWindow[] = [];
    for (const id of children) {
      try {
        const attributes = await request<{ mapState: number }>((cb) => X.GetWindowAttributes(id, cb));
        if (attributes.mapState !== IS_VIEWABLE) continue;
        const { width, height } = await request<{ width: number; height: number }>((cb) => X.GetGeometry(id, cb));
        if (width <= 1 || height <= 1) continue;
        const at = await request<{ destX: number; destY: number }>((cb) => X.TranslateCoordinates(id, root, 0, 0, cb));
        const title = (await titleOf(X, id, netWmName)) || (await frameTitle(X, id, netWmName));
        found.push({ id, title, x: at.destX, y: at.destY, width, height });
      } catch {
        // Unmapped or destroyed between the tree query and now: not a window to offer.
      }
    }
    return found;
  });
}
