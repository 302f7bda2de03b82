import type { TrackState } from './track-state.js';

/**
 * Waits on a track: resolves true once `ready()` holds, false when `timeoutMs` passes, the stream
 * ends (`ended()`) or the client goes away (`signal`). The one wait every blocking request uses.
 */
export function waitFor(
  track: TrackState,
  ready: () => boolean,
  options: { timeoutMs: number; ended: () => boolean; signal?: AbortSignal },
): Promise<boolean> {
  if (ready()) return Promise.resolve(true);
  if (options.ended() || options.signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    let done = false;
    const finish = (value: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      unwatch();
      options.signal?.removeEventListener('abort', onAbort);
      resolve(value);
    };
    const onAbort = (): void => finish(false);
    const timer = setTimeout(() => finish(ready()), options.timeoutMs);
    const unwatch = track.watch(() => {
      if (ready()) finish(true);
      else if (options.ended()) finish(false);
    });
    options.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * The reason of every closed signal, made once: an abort() without a reason builds a DOMException, with
 * its stack, on every request that closes (2.7 % of a busy host's CPU in bench/soak).
 */
const CONNECTION_CLOSED = new Error('the client closed the connection');

/** An AbortSignal that fires when the client's connection closes before the response is sent. */
export function closedSignal(raw: { once(event: 'close', fn: () => void): unknown; writableFinished?: boolean }): AbortSignal {
  const controller = new AbortController();
  raw.once('close', () => {
    // Closed after the whole answer went out (a kept-alive request's end): nothing waits on it any more.
    if (raw.writableFinished !== true) controller.abort(CONNECTION_CLOSED);
  });
  return controller.signal;
}
