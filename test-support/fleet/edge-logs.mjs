// What the edges served, per stream, from their own nginx logs (nginx-conf.ts: the hit log, buffered,
// and the fetch log): the edges' /metrics count every stream together, and the offload goal is about
// one stream. Read with the agent's own parser (access-log.ts), so "a request" and "an origin fetch"
// mean here what they mean in /metrics: a request that reached the origin is one whose upstream was
// asked and did not answer from the fill server's cache.
import fs from 'node:fs';
import path from 'node:path';
import { importTs } from './ts-import.mjs';

const { parseAccessLine } = await importTs('src-main/edge/access-log.ts');
const { ACCESS_LOG, FETCH_LOG } = await importTs('src-main/edge/nginx-conf.ts');
const LOGS = [ACCESS_LOG, FETCH_LOG];

const sizeOf = (file) => {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
};

/** Where an edge's logs end now: read from there later (`tallyByStream`). */
export function logMarks(edgeDir) {
  return Object.fromEntries(LOGS.map((name) => [name, sizeOf(path.join(edgeDir, name))]));
}

/**
 * Requests of viewers (not the agent's own prefetches and refreshes; playlist hits are sampled, so an
 * estimate) and origin fetches (every one logged), per stream
 * (`/live/<name>/`), of requests logged between Unix ms `fromMs` and `toMs`, in an edge's logs from
 * `marks` on. The hit log is written in blocks at least once a second: take the marks a second or more
 * before `fromMs`, and read a second or more after `toMs`.
 */
export function tallyByStream(edgeDir, marks, fromMs, toMs) {
  const out = {};
  for (const name of LOGS) {
    const file = path.join(edgeDir, name);
    const start = marks[name] ?? 0;
    const size = sizeOf(file);
    if (size <= start) continue;
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.allocUnsafe(size - start);
    try {
      fs.readSync(fd, buf, 0, buf.length, start);
    } finally {
      fs.closeSync(fd);
    }
    for (const line of buf.toString('utf8').split('\n')) {
      const r = line ? parseAccessLine(line) : null;
      if (!r || r.at < fromMs || r.at > toMs) continue;
      const stream = /^\/live\/([^/]+)\//.exec(r.uri)?.[1];
      if (!stream) continue;
      const t = (out[stream] ??= { requests: 0, originFetches: 0 });
      // A sampled line (playlist hits: one in PLAYLIST_HIT_SAMPLE) stands for `weight` requests.
      if (!r.prefetch) t.requests += r.weight;
      if (r.upstream) t.originFetches += r.weight;
    }
  }
  return out;
}
