import WebSocket from 'ws';

/**
 * A `ws` client connected to `url` (http(s) URLs become ws(s)), with its upgrade refusal or error as
 * the rejection, and a bound on the wait.
 */
export function openSocket(url: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws'), { headers });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no WebSocket open at ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    const settle = (fn: () => void): void => {
      clearTimeout(timer);
      fn();
    };
    ws.once('open', () => settle(() => resolve(ws)));
    ws.once('unexpected-response', (_req, res) => settle(() => reject(new Error(`upgrade refused: ${res.statusCode}`))));
    ws.once('error', (error) => settle(() => reject(error)));
  });
}

/** The next frame `ws` receives, or a rejection after `timeoutMs`. */
export function nextFrame(ws: WebSocket, timeoutMs = 10_000): Promise<WebSocket.RawData> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no WebSocket frame within ${timeoutMs} ms`)), timeoutMs);
    ws.once('message', (data) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}
