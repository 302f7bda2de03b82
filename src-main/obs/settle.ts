import { monotonicMs } from '../core/clock.js';

/**
 * OBS answers some requests before it applies them (on its UI thread): reads again every `everyMs`
 * until `done` holds or `ms` have passed, and returns the last value read.
 */
export async function settle<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 3000, everyMs = 50): Promise<T> {
  const deadline = monotonicMs() + ms;
  let value = await read();
  while (!done(value) && monotonicMs() < deadline) {
    await new Promise((r) => setTimeout(r, everyMs));
    value = await read();
  }
  return value;
}
