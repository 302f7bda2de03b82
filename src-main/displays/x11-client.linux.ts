import { createRequire } from 'node:module';

/**
 * The few X11 requests the host needs, through the pure-JS `x11` package (no native build; it has no
 * type declarations, so its shape is described here). node-window-manager does nothing on Linux.
 */
type Callback<T> = (error: Error | null, value: T) => void;
interface XDisplayInfo {
  client: { terminate(): void; on(event: 'error', cb: (error: Error) => void): void };
  screen: { root: number; pixel_width: number; pixel_height: number }[];
}
interface X11Module {
  createClient(options: { display: string }, cb: Callback<XDisplayInfo>): { on(event: 'error', cb: (error: Error) => void): void };
}

const CONNECT_TIMEOUT_MS = 3000;

function loadX11(): X11Module {
  return createRequire(import.meta.url)('x11') as X11Module;
}

/** Connects to an X display, runs `fn`, and disconnects whatever happens. */
function withXDisplay<T>(display: string, fn: (d: XDisplayInfo) => Promise<T>): Promise<T> {
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

export function screenSize(display: string): Promise<{ width: number; height: number }> {
  return withXDisplay(display, async (d) => ({ width: d.screen[0]!.pixel_width, height: d.screen[0]!.pixel_height }));
}
