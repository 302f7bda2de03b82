// The simulator's HTTP client: node:http GETs through a keep-alive agent, bodies counted, not kept
// (unless asked), errors sorted into kinds (http-<status>, timeout, reset, other) as a player sees them.
import http from 'node:http';

const now = () => performance.now();

export class FetchError extends Error {
  constructor(kind, detail) {
    super(`${kind}${detail ? `: ${detail}` : ''}`);
    this.kind = kind;
  }
}

export function classify(error) {
  if (error instanceof FetchError) return error;
  const code = error?.code ?? '';
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up|aborted/i.test(error?.message ?? '')) return new FetchError('reset', code || error.message);
  return new FetchError('other', code || error?.message);
}

/**
 * GET `target` ({ host, port, path }) through `agent`; resolves { status, bytes, ms, text } (text only
 * when `keep`), rejects with a FetchError.
 */
export function get(agent, target, { timeoutMs, keep = false, headers, signal }) {
  return new Promise((resolve, reject) => {
    const t0 = now();
    let done = false;
    const finish = (fn, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      fn(value);
    };
    let answered = false;
    const req = http.get({ host: target.host, port: target.port, path: target.path, agent, headers, signal }, (res) => {
      answered = true;
      let bytes = 0;
      const chunks = keep ? [] : null;
      res.on('data', (c) => {
        bytes += c.length;
        if (chunks) chunks.push(c);
      });
      res.on('end', () => finish(resolve, { status: res.statusCode, bytes, ms: now() - t0, text: chunks ? Buffer.concat(chunks).toString('utf8') : null }));
      res.on('error', (e) => finish(reject, classify(e)));
      res.on('close', () => {
        if (!res.complete) finish(reject, new FetchError('reset', 'response cut short'));
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(reject, new FetchError('timeout', `${timeoutMs} ms`));
    }, timeoutMs);
    req.on('error', (e) => {
      // A kept-alive connection the server closed as the request left (idle timeout, graceful reload):
      // browsers and undici send an idempotent request again on a new connection, and so do we.
      if (!answered && req.reusedSocket && e.code === 'ECONNRESET' && !done) {
        done = true;
        clearTimeout(timer);
        get(agent, target, { timeoutMs, keep, headers, signal }).then(resolve, reject);
        return;
      }
      finish(reject, classify(e));
    });
  });
}

/** { host, port, path } of an absolute URL. */
export function targetOf(url) {
  const u = new URL(url);
  return { host: u.hostname, port: Number(u.port) || 80, path: u.pathname + u.search };
}

/** Counters of one phase of a run (steady, kill, origin cut...). */
