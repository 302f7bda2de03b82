import http from 'node:http';

export interface SseEvent {
  id: string | undefined;
  event: string;
  data: string;
}

export interface SseReader {
  status: number;
  events: SseEvent[];
  /** Events of type `message`, their data parsed. */
  messages<T = unknown>(): T[];
  closed: boolean;
  close(): void;
}

/**
 * A plain Server-Sent Events reader over node:http (Node 20 has no EventSource): connects once, parses
 * `id:`/`event:`/`data:` lines and collects every event; no reconnecting (the SDK does that).
 */
export function readSse(url: string, headers: Record<string, string> = {}, timeoutMs = 10_000): Promise<SseReader> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no SSE response from ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    req.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.once('response', (res) => {
      clearTimeout(timer);
      const reader: SseReader = {
        status: res.statusCode ?? 0,
        events: [],
        messages: <T>() => reader.events.filter((e) => e.event === 'message').map((e) => JSON.parse(e.data) as T),
        closed: false,
        close: () => req.destroy(),
      };
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { id: undefined, event: 'message', data: '' };
          let hasData = false;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') event.id = value;
            else if (field === 'event') event.event = value;
            else if (field === 'data') {
              event.data += (hasData ? '\n' : '') + value;
              hasData = true;
            }
          }
          if (hasData) reader.events.push(event);
        }
      });
      res.once('close', () => (reader.closed = true));
      resolve(reader);
    });
  });
}
