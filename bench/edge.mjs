#!/usr/bin/env node
// bench/edge: an edge (`streams edge`: nginx with a mirror of immutable segments served as static files,
// playlists kept as files refreshed by the agent, njs, our agent) against nginx serving the same files statically (the
// limit), in the same run, and purge propagation to three edges.
//  - Files: one 200 KB segment (`/live/demo/s/a/seg.m4s`) and one HLS playlist (`/live/demo/v0.m3u8`),
//    written to a folder that a static nginx (1 worker, access log off, sendfile) serves with the
//    origin's Cache-Control (segments `public, max-age=600, immutable`, playlists `public, max-age=1`).
//  - Through the edge: the same static nginx is the edge's origin, so after the first request every
//    segment request is a hit of the edge's mirror (a static file), and the playlist, once requested,
//    is a file of the edge's playlist tier that its agent fetches again every 500 ms (as live).
//    A bare `proxy_cache` of the same origin (no njs, no log, no lock) is measured too: the share of
//    the gap that is nginx's cache path itself, not ours.
//  - Load: wrk (OS package), BENCH_THREADS threads, BENCH_CONNECTIONS connections, BENCH_SECONDS each,
//    sides alternated BENCH_RUNS times; medians of requests/s and of wrk's p99 latency.
//  - Edge functions: a second edge running two functions on /live/** (a request function that adds a
//    header, a response function that sets one: njs on every request); its functions come from its
//    state file (as an edge keeps its origin's), there being no host here. What share of the edge's
//    req/s it keeps is judged against the share the static nginx keeps with the same two headers
//    written by hand in njs (a js_set and a js_header_filter): what njs costs by itself.
//  - Purge: a real host (`streams host`) with three edges on loopback; BENCH_PURGES purges of 10 URLs
//    each through POST /api/v1/cdn/purge; p50/p99 of the `propagatedMs` it answers (until the last of
//    the three edges confirmed) and of the client round trip. No reference: the goal bounds our figure.
// BENCH_SHORT=1: 1 run of 3 s per side, 20 purges.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { cleanup, fmt, freePort, median, percentile, ratio, sleep, startEdge, startHost, stopProcess, tempDir, track } from './lib/live.mjs';
import { defineBench } from './lib/report.mjs';

const NAME = 'bench/edge';
const bench = defineBench(NAME, {
  segment: { what: '200 KB segment req/s, edge vs static nginx', on: 'ratio', op: '>=', target: 0.9, unit: 'req/s', digits: 0 },
  playlist: { what: 'playlist req/s, edge vs static nginx', on: 'ratio', op: '>=', target: 0.9, unit: 'req/s', digits: 0 },
  segmentP99: { what: '200 KB segment p99 latency, edge vs static nginx', on: 'ratio', op: '<=', target: 1.5, unit: 'ms', digits: 2 },
  playlistP99: { what: 'playlist p99 latency, edge vs static nginx', on: 'ratio', op: '<=', target: 1.5, unit: 'ms', digits: 2 },
  purgeP99: { what: 'purge to 3 edges, p99 propagatedMs (no reference)', on: 'ours', op: '<', target: 200, unit: 'ms', digits: 1 },
  functionsSegment: { what: '200 KB segment: share of req/s kept running 2 functions, edge vs the same njs by hand in static nginx', on: 'ratio', op: '>=', target: 0.9, unit: 'x', digits: 2 },
  functionsPlaylist: { what: 'playlist: share of req/s kept running 2 functions, edge vs the same njs by hand in static nginx', on: 'ratio', op: '>=', target: 0.9, unit: 'x', digits: 2 },
});
const RUNS = bench.knob('BENCH_RUNS', 2, 1);
const SECONDS = bench.knob('BENCH_SECONDS', 8, 3);
const THREADS = bench.knob('BENCH_THREADS', 2);
const CONNECTIONS = bench.knob('BENCH_CONNECTIONS', 100);
const PURGES = bench.knob('BENCH_PURGES', 60, 20);
bench.requires('nginx', 'wrk', 'build');

/** A plain nginx (daemon off, 1 worker, no access log) in its own folder on a free port, `http` its server part. */
async function startPlainNginx(prefix, http, main = () => '') {
  const dir = tempDir(prefix);
  const port = await freePort();
  fs.mkdirSync(path.join(dir, 'tmp'));
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(
    path.join(dir, 'nginx.conf'),
    `${main({ dir })}daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  client_body_temp_path ${dir}/tmp; proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;
${http({ dir, port })}
}
`,
  );
  const proc = track(spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', path.join(dir, 'error.log')], { stdio: 'ignore' }));
  await waitHttp(`http://127.0.0.1:${port}/live/demo/v0.m3u8`);
  return { proc, url: `http://127.0.0.1:${port}` };
}

/** The same two headers as the edge's bench functions, as an operator would write them in njs by hand. */
const HAND_NJS = `function tag(r) { r.headersOut['X-Viewer-Region'] = r.headersIn['X-Region'] || 'none'; return ''; }
function cors(r) { r.headersOut['Timing-Allow-Origin'] = '*'; }
export default { tag: tag, cors: cors };
`;

/** nginx serving `root` statically; with `njs`, running HAND_NJS on every request. */
const startStaticNginx = (root, { njs = false } = {}) =>
  startPlainNginx(
    njs ? 'bench-static-njs-' : 'bench-static-nginx-',
    ({ dir, port }) => {
      if (njs) fs.writeFileSync(path.join(dir, 'hand.js'), HAND_NJS);
      const js = njs ? { http: `  js_path ${dir}; js_import hand from hand.js; js_set $hand_tag hand.tag;\n`, server: '    set $t $hand_tag;\n', location: ' js_header_filter hand.cors;' } : { http: '', server: '', location: '' };
      return `${js.http}  types { application/vnd.apple.mpegurl m3u8; video/iso.segment m4s; }
  server {
    listen 127.0.0.1:${port};
${js.server}    root ${root};
    location ~ \\.m4s$ { add_header Cache-Control "public, max-age=600, immutable";${js.location} }
    location ~ \\.m3u8$ { add_header Cache-Control "public, max-age=1";${js.location} }
  }`;
    },
    () => (njs ? 'load_module /usr/lib/nginx/modules/ngx_http_js_module.so;\n' : ''),
  );

/** A bare proxy_cache of the static nginx (no njs, no log, no lock): what nginx's cache path costs by itself. */
const startBareCache = (originUrl) =>
  startPlainNginx('bench-bare-cache-', ({ dir, port }) => {
    fs.mkdirSync(path.join(dir, 'cache'));
    if (process.getuid?.() === 0) for (const d of ['cache', 'tmp']) fs.chownSync(path.join(dir, d), 65534, 65534);
    return `  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=bare:10m;
  server { listen 127.0.0.1:${port}; location / { proxy_pass ${originUrl}; proxy_cache bare; } }`;
  });

async function waitHttp(url, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(url).catch(() => null);
    if (res) {
      await res.arrayBuffer();
      if (res.ok) return;
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer`);
    await sleep(100);
  }
}

function wrk(url) {
  const r = spawnSync('wrk', ['-t', String(THREADS), '-c', String(CONNECTIONS), '-d', `${SECONDS}s`, '--latency', url], { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(r.stdout)?.[1]);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(r.stdout);
  const p99Ms = p99 ? Number(p99[1]) * { us: 0.001, ms: 1, s: 1000 }[p99[2]] : NaN;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(r.stdout)?.[1] ?? 0);
  return { rps, p99Ms, non2xx };
}

async function throughput() {
  const root = tempDir('bench-edge-files-');
  fs.chmodSync(root, 0o755);
  fs.mkdirSync(path.join(root, 'live/demo/s/a'), { recursive: true });
  fs.writeFileSync(path.join(root, 'live/demo/s/a/seg.m4s'), Buffer.alloc(200 * 1024, 7));
  const playlist = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:100']
    .concat(Array.from({ length: 10 }, (_, i) => `#EXTINF:2.000000,\ns/a/chunk-stream0-${String(100 + i).padStart(5, '0')}.m4s`))
    .join('\n');
  fs.writeFileSync(path.join(root, 'live/demo/v0.m3u8'), `${playlist}\n`);
  for (const d of ['live', 'live/demo', 'live/demo/s', 'live/demo/s/a']) fs.chmodSync(path.join(root, d), 0o755);
  const staticNginx = await startStaticNginx(root);
  // No origin host here: the agent keeps retrying its registration; nginx serves regardless.
  const edge = await startEdge(staticNginx.url, 'bench-token');
  const bare = await startBareCache(staticNginx.url);
  const withFunctions = await startEdge(staticNginx.url, 'bench-token', { functions: FUNCTIONS });
  const handNjs = await startStaticNginx(root, { njs: true });
  const bases = { static: staticNginx.url, edge: edge.url, bare: bare.url, functions: withFunctions.url, hand: handNjs.url };
  const cases = [
    ['200 KB segment', '/live/demo/s/a/seg.m4s'],
    ['playlist', '/live/demo/v0.m3u8'],
  ];
  const results = {};
  for (const [label, p] of cases) {
    await waitHttp(edge.url + p);
    await waitHttp(bare.url + p);
    await waitHttp(withFunctions.url + p);
    const sample = await fetch(withFunctions.url + p);
    await sample.arrayBuffer();
    if (sample.headers.get('x-viewer-region') !== 'none' || sample.headers.get('timing-allow-origin') !== '*') throw new Error(`the edge did not run its functions on ${p}`);
    const hand = await fetch(handNjs.url + p);
    await hand.arrayBuffer();
    if (hand.headers.get('x-viewer-region') !== 'none' || hand.headers.get('timing-allow-origin') !== '*') throw new Error(`the hand-written njs did not run on ${p}`);
    results[label] = { static: [], edge: [], bare: [], functions: [], hand: [] };
    for (let run = 0; run < RUNS; run++) {
      for (const side of run % 2 === 0 ? ['static', 'edge', 'bare', 'functions', 'hand'] : ['hand', 'functions', 'bare', 'edge', 'static']) {
        const r = wrk(bases[side] + p);
        if (r.non2xx > 0) throw new Error(`${side} ${label}: ${r.non2xx} non-2xx answers`);
        results[label][side].push(r);
      }
    }
  }
  await stopProcess(edge.proc);
  await stopProcess(bare.proc);
  await stopProcess(withFunctions.proc);
  await stopProcess(handNjs.proc);
  await stopProcess(staticNginx.proc);
  return results;
}

async function purgePropagation() {
  const host = await startHost();
  const edges = [];
  for (let i = 0; i < 3; i++) edges.push(await startEdge(host.url, host.token));
  const deadline = Date.now() + 30_000;
  while ((await host.api('GET', '/api/v1/cdn/edges')).json.filter((e) => e.healthy).length < 3) {
    if (Date.now() > deadline) throw new Error('the three edges did not come into rotation');
    await sleep(100);
  }
  const propagated = [];
  const roundTrip = [];
  for (let i = 0; i < PURGES; i++) {
    const urls = Array.from({ length: 10 }, (_, k) => `/live/demo/s/a/chunk-${i}-${k}.m4s`);
    const t0 = performance.now();
    const res = await host.api('POST', '/api/v1/cdn/purge', { urls });
    roundTrip.push(performance.now() - t0);
    if (res.status !== 200 || res.json.propagatedMs === null) throw new Error(`purge failed: ${res.text}`);
    propagated.push(res.json.propagatedMs);
  }
  for (const edge of edges) await stopProcess(edge.proc);
  await stopProcess(host.proc);
  return { propagated, roundTrip };
}

const GOAL_OF = { '200 KB segment': 'segment', playlist: 'playlist' };
const FUNCTIONS_GOAL_OF = { '200 KB segment': 'functionsSegment', playlist: 'functionsPlaylist' };
const FUNCTIONS = [
  { name: 'tag', version: 1, route: '/live/**', phase: 'request', code: "function handle(req) { return { headers: { 'X-Viewer-Region': req.headers['x-region'] || 'none' } }; }" },
  { name: 'cors', version: 1, route: '/live/**', phase: 'response', code: "function handle(req, res) { return { headers: { 'Timing-Allow-Origin': '*' } }; }" },
];
try {
  console.log(`${NAME}: wrk -t${THREADS} -c${CONNECTIONS} -d${SECONDS}s, ${RUNS} runs per side (medians); edge and static nginx 1 worker each`);
  const t = await throughput();
  console.log('');
  console.log(
    `| file | static nginx req/s | edge req/s | ratio (goal >= ${bench.goals.segment.target}) | bare proxy_cache req/s | its ratio | static p99 ms | edge p99 ms | p99 ratio (goal <= ${bench.goals.segmentP99.target}) |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const [label, r] of Object.entries(t)) {
    const s = median(r.static.map((x) => x.rps));
    const e = median(r.edge.map((x) => x.rps));
    const b = median(r.bare.map((x) => x.rps));
    const sp99 = median(r.static.map((x) => x.p99Ms));
    const ep99 = median(r.edge.map((x) => x.p99Ms));
    console.log(
      `| ${label} | ${fmt(s, 0)} | ${fmt(e, 0)} | ${ratio(e, s)} | ${fmt(b, 0)} | ${ratio(b, s)} | ` +
        `${fmt(sp99)} | ${fmt(ep99)} | ${ratio(ep99, sp99)} |`,
    );
    bench.record(GOAL_OF[label], { ours: e, reference: s, note: `bare proxy_cache of the same origin ${ratio(b, s)}x static` });
    bench.record(`${GOAL_OF[label]}P99`, { ours: ep99, reference: sp99, note: 'medians of wrk\'s p99 per run' });
  }
  console.log('');
  console.log(
    '| file | edge req/s | edge with 2 functions | share kept (ours) | static nginx req/s | with the same njs by hand | share kept (reference) | ' +
      `ours / reference (goal >= ${bench.goals.functionsSegment.target}) | edge p99 ms | with functions p99 ms |`,
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const [label, r] of Object.entries(t)) {
    const e = median(r.edge.map((x) => x.rps));
    const f = median(r.functions.map((x) => x.rps));
    const s = median(r.static.map((x) => x.rps));
    const h = median(r.hand.map((x) => x.rps));
    console.log(
      `| ${label} | ${fmt(e, 0)} | ${fmt(f, 0)} | ${ratio(f, e)} | ${fmt(s, 0)} | ${fmt(h, 0)} | ${ratio(h, s)} | ${ratio(f / e, h / s)} | ` +
        `${fmt(median(r.edge.map((x) => x.p99Ms)))} | ${fmt(median(r.functions.map((x) => x.p99Ms)))} |`,
    );
    bench.record(FUNCTIONS_GOAL_OF[label], { ours: f / e, reference: h / s, note: `edge ${fmt(e, 0)} -> ${fmt(f, 0)} req/s; static nginx ${fmt(s, 0)} -> ${fmt(h, 0)} with the njs by hand` });
  }
  const p = await purgePropagation();
  console.log('');
  console.log(`| purge to 3 edges (${PURGES} purges x 10 URLs) | p50 ms | p99 ms | goal p99 |`);
  console.log('|---|---|---|---|');
  console.log(`| propagatedMs (until the last edge confirmed) | ${fmt(percentile(p.propagated, 50))} | ${fmt(percentile(p.propagated, 99))} | < ${bench.goals.purgeP99.target} |`);
  console.log(`| API round trip | ${fmt(percentile(p.roundTrip, 50))} | ${fmt(percentile(p.roundTrip, 99))} | |`);
  console.log('');
  bench.record('purgeP99', { ours: percentile(p.propagated, 99), note: `p50 ${fmt(percentile(p.propagated, 50))} ms` });
} catch (error) {
  console.error(`${NAME}: FAILED: ${error.stack ?? error}`);
  bench.fail(error);
} finally {
  await cleanup();
}
bench.finish();
