#!/usr/bin/env node
// bench/edge-ll: what low-latency HLS/DASH requests pay through nginx's proxy_cache, design by design.
//  - Origin: a Node server in this process that behaves like ours in low-latency mode. A blocked request
//    (a preload-hinted part, a blocking playlist reload) is held until its object "appears" BENCH_HOLD_MS
//    after the first request for it, and every waiter is answered at that same instant (the origin
//    collapses them itself). A segment in progress is streamed in BENCH_CHUNKS chunks, one every
//    BENCH_CHUNK_MS, with chunked transfer.
//  - nginx (the OS one, 2 workers, one cache) with one location per design:
//      lock      proxy_cache_lock on (30 s timeout): the edge's config before low latency
//      nolock    proxy_cache_lock off: identical requests all go to the origin, which collapses them
//      short     proxy_cache_lock on, proxy_cache_lock_timeout 100ms: waiters give up after 100 ms and
//                go to the origin uncached
//      unbuf     proxy_buffering off (no lock): nginx does not cache what it does not buffer
//  - Collapsing: BENCH_ROUNDS rounds of BENCH_VIEWERS concurrent identical requests (a new object each
//    round); for each request, the time it completes after the origin answered; the first request's
//    figure and the waiters' p50/max beyond it; and how many requests reached the origin.
//  - Streaming: a segment in progress (BENCH_CHUNK_BYTES every BENCH_CHUNK_MS) through each design, with
//    and without `X-Accel-Buffering: no` from the origin: how late each chunk arrives after the origin
//    wrote it, and whether the next request is a HIT. Buffered, nginx passes a partly filled buffer on
//    only once it is full or the response ends, so the tail of a chunk waits for the next one (seen
//    here from 4 KB chunks with the default buffers); unbuffered, nothing waits and nothing is cached.
// Goal: for the design the edge uses for parts, LL segments and playlists (short: the lock waits 100 ms
// at most), waiters of an object still being produced pay under 100 ms
// beyond the origin's answer (the reference is the locked design); nothing else is judged here.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { cleanup, fmt, freePort, median, percentile, sleep, stopProcess, tempDir, track } from './lib/live.mjs';
import { defineBench } from './lib/report.mjs';

const NAME = 'bench/edge-ll';
const bench = defineBench(NAME, {
  waiterP50: { what: 'waiters of an object being produced beyond the origin answer, p50, the 100 ms lock of the edge vs a 30 s lock', on: 'ours', op: '<', target: 100, unit: 'ms', digits: 1 },
});
const VIEWERS = bench.knob('BENCH_VIEWERS', 20);
const ROUNDS = bench.knob('BENCH_ROUNDS', 10, 4);
const HOLD_MS = bench.knob('BENCH_HOLD_MS', 200);
const CHUNKS = bench.knob('BENCH_CHUNKS', 5);
const CHUNK_MS = bench.knob('BENCH_CHUNK_MS', 200);
// About a 200 ms part at 2.4 Mb/s.
const CHUNK_BYTES = bench.knob('BENCH_CHUNK_BYTES', 60_000);
bench.requires('nginx');

const DESIGNS = {
  lock: ['proxy_cache_lock on;', 'proxy_cache_lock_timeout 30s;'],
  nolock: ['proxy_cache_lock off;'],
  short: ['proxy_cache_lock on;', 'proxy_cache_lock_timeout 100ms;'],
  unbuf: ['proxy_cache_lock off;', 'proxy_buffering off;'],
};

/** The low-latency origin; `requests` counts requests per path, `answeredAt` when each object was answered. */
function startOrigin() {
  const requests = new Map();
  const answeredAt = new Map();
  const appears = new Map();
  const firstChunkAt = new Map();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://o');
    requests.set(url.pathname, (requests.get(url.pathname) ?? 0) + 1);
    const headers = { 'content-type': 'video/iso.segment', 'cache-control': 'public, max-age=600, immutable' };
    if (url.pathname.includes('/hold-')) {
      // Every request for the object is answered when it appears: `ms` after the first one.
      if (!appears.has(url.pathname)) {
        const ms = Number(url.searchParams.get('ms'));
        appears.set(
          url.pathname,
          (ms > 0 ? sleep(ms) : Promise.resolve()).then(() => answeredAt.set(url.pathname, performance.now())),
        );
      }
      void appears.get(url.pathname).then(() => res.writeHead(200, headers).end(Buffer.alloc(20_000, 7)));
      return;
    }
    if (url.pathname.includes('/stream-')) {
      if (url.searchParams.has('xab')) headers['x-accel-buffering'] = 'no';
      res.writeHead(200, headers);
      // A second request finds the segment complete: all of it at once.
      const done = firstChunkAt.has(url.pathname);
      if (!done) firstChunkAt.set(url.pathname, performance.now());
      let n = 0;
      const write = () => {
        res.write(Buffer.alloc(done ? CHUNK_BYTES * CHUNKS : CHUNK_BYTES, n));
        n += 1;
        if (n === CHUNKS || done) res.end();
        else setTimeout(write, CHUNK_MS);
      };
      write();
      return;
    }
    res.writeHead(404, { 'cache-control': 'no-store' }).end();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, port: server.address().port, requests, answeredAt, firstChunkAt })),
  );
}

async function startNginx(originPort) {
  const dir = tempDir('bench-edge-ll-');
  const port = await freePort();
  fs.chmodSync(dir, 0o755);
  for (const d of ['cache', 'tmp']) {
    fs.mkdirSync(path.join(dir, d));
    if (process.getuid?.() === 0) fs.chownSync(path.join(dir, d), 65534, 65534);
  }
  const locations = Object.entries(DESIGNS)
    .map(
      ([name, lines]) => `    location /${name}/ {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache ll;
      proxy_cache_key $uri;
      proxy_read_timeout 20s;
      add_header X-Cache $upstream_cache_status always;
      ${lines.join('\n      ')}
    }`,
    )
    .join('\n');
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `daemon off; worker_processes 2; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 100000;
  client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;
  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=ll:10m use_temp_path=off;
  upstream origin { server 127.0.0.1:${originPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
${locations}
  }
}
`,
  );
  const proc = track(spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: 'ignore' }));
  const deadline = Date.now() + 10_000;
  while ((await fetch(`http://127.0.0.1:${port}/none`).catch(() => null)) === null) {
    if (Date.now() > deadline) throw new Error(`nginx did not start: ${fs.readFileSync(path.join(dir, 'error.log'), 'utf8')}`);
    await sleep(50);
  }
  return { proc, port };
}

/** One GET on its own connection: when each CHUNK_BYTES of the body and its end arrived. */
function get(port, p) {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
        const chunks = [];
        let bytes = 0;
        res.on('data', (d) => {
          bytes += d.length;
          while (chunks.length < Math.floor(bytes / CHUNK_BYTES)) chunks.push(performance.now());
        });
        res.once('end', () => resolve({ start, chunks, end: performance.now(), status: res.statusCode, cache: res.headers['x-cache'] }));
        res.once('error', reject);
      })
      .once('error', reject);
  });
}

async function collapsing(origin, port, design, holdMs) {
  const firsts = [];
  const waiters = [];
  const originRequests = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const p = `/${design}/hold-${holdMs}-${round}.m4s`;
    // Viewers do not ask at the very same microsecond: spread them over 20 ms.
    const results = await Promise.all(Array.from({ length: VIEWERS }, (_, i) => sleep(i).then(() => get(port, `${p}?ms=${holdMs}`))));
    const answered = origin.answeredAt.get(p);
    const extra = results.map((r) => r.end - answered).sort((a, b) => a - b);
    firsts.push(extra[0]);
    waiters.push(...extra.slice(1));
    originRequests.push(origin.requests.get(p) ?? 0);
    await sleep(50);
  }
  return { first: median(firsts), p50: percentile(waiters, 50), p90: percentile(waiters, 90), max: Math.max(...waiters), origin: median(originRequests) };
}

async function streaming(origin, port, design, xab) {
  const p = `/${design}/stream-${xab ? 'xab' : 'plain'}.m4s${xab ? '?xab=1' : ''}`;
  const r = await get(port, p);
  const written = origin.firstChunkAt.get(p.split('?')[0]);
  await sleep(100);
  const again = await get(port, p);
  // How late each chunk arrived after the origin wrote it.
  const lags = r.chunks.map((t, i) => t - written - i * CHUNK_MS);
  return { first: lags[0], lagMax: Math.max(...lags), second: again.cache ?? '-' };
}

try {
  const origin = await startOrigin();
  const nginx = await startNginx(origin.port);
  const figures = {};
  const complete = {};
  for (const [holdMs, what] of [[HOLD_MS, `blocked: the object appears ${HOLD_MS} ms after the first request`], [0, 'complete: the origin answers at once']]) {
    console.log(`${NAME}: ${VIEWERS} concurrent identical requests x ${ROUNDS} rounds; ${what}`);
    console.log('design   first(ms)  waiters p50  p90    max   origin requests/round');
    for (const design of Object.keys(DESIGNS)) {
      const f = await collapsing(origin, nginx.port, design, holdMs);
      if (holdMs > 0) figures[design] = f;
      else complete[design] = f;
      console.log(`${design.padEnd(8)} ${fmt(f.first, 1).padStart(8)} ${fmt(f.p50, 1).padStart(11)} ${fmt(f.p90, 1).padStart(6)} ${fmt(f.max, 1).padStart(6)} ${String(f.origin).padStart(8)}`);
    }
  }
  console.log(`\n${NAME}: a segment in progress, ${CHUNKS} chunks of ${CHUNK_BYTES} bytes every ${CHUNK_MS} ms: how late each arrives after the origin wrote it`);
  console.log('design   origin header            first chunk(ms)  worst chunk(ms)  next request');
  for (const design of Object.keys(DESIGNS)) {
    for (const xab of [false, true]) {
      const s = await streaming(origin, nginx.port, design, xab);
      console.log(`${design.padEnd(8)} ${(xab ? 'X-Accel-Buffering: no' : '-').padEnd(24)} ${fmt(s.first, 1).padStart(15)} ${fmt(s.lagMax, 1).padStart(16)}  ${s.second}`);
    }
  }
  bench.record('waiterP50', {
    ours: figures.short.p50,
    reference: figures.lock.p50,
    note: `origin requests per round ${figures.short.origin} vs ${figures.lock.origin} with the 30 s lock; a complete object: ${complete.short.origin} origin request(s), waiters' max ${fmt(complete.short.max, 1)} ms`,
  });
  await stopProcess(nginx.proc);
  await new Promise((resolve) => origin.server.close(resolve));
} catch (error) {
  console.error(error);
  bench.fail(error);
} finally {
  await cleanup();
}
bench.finish();
