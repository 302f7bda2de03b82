import type { Writable } from 'node:stream';

const corked = new Set<Writable>();

function uncorkAll(): void {
  for (const socket of corked) socket.uncork();
  corked.clear();
}

/**
 * Corks `socket` (a WebSocket's, or an HTTP response) until the event loop's next turn: whatever is
 * written to it meanwhile leaves in one write (one system call, fewer segments, one chunk of a chunked
 * response) instead of one per message. A fan-out of several messages that arrived together (a
 * publisher's frames read at once) then costs each subscriber one write, where a plain broadcast loop
 * pays one per message.
 */
export function corkForTurn(socket: Writable): void {
  if (corked.has(socket)) return;
  socket.cork();
  corked.add(socket);
  if (corked.size === 1) setImmediate(uncorkAll);
}
