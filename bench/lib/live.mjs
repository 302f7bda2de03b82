// Helpers shared by the benchmarks (bench/live-latency.mjs, bench/ladder-cpu.mjs, bench/restream-cpu.mjs and others): our host,
// an nginx-rtmp reference, the publisher ffmpeg, and CPU accounting from /proc. Plain ESM, no build.
// Everything started here is tracked and stopped by PID (see `cleanup`), never by name.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nginxModulePath } from './peers.mjs';
import { apiClient } from '../../test-support/api-client.mjs';
import { CLK_TCK, cpuSeconds, freePort } from '../../test-support/machine.mjs';

export const ROOT = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));
export const STREAMS_BIN = path.join(ROOT, 'bin', 'streams.mjs');
/** Where the OS keeps nginx's rtmp module (bench/lib/peers.mjs checks it is there before a bench uses it). */
export const NGINX_RTMP_MODULE = nginxModulePath('ngx_rtmp_module.so') ?? '/usr/lib/nginx/modules/ngx_rtmp_module.so';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every 50 ms until it returns something truthy (returned); throws after `timeoutMs`. */
export async function waitFor(what, check, timeoutMs, detail = () => '') {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (performance.now() > deadline) throw new Error(`${what} within ${timeoutMs / 1000} s\n${detail()}`);
    await sleep(50);
  }
}

export { freePort };

export const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The p-th percentile of `xs` (nearest rank), NaN when empty. */
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** The environment of a bench host: ours, minus any STREAMS_* a developer may have set. */
export function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('STREAMS_')) env[k] = v;
  return { ...env, ...extra };
}

// ---- process bookkeeping: every child and temp dir is registered and torn down on exit/signal ----

const children = new Set();
const tempDirs = new Set();

export function track(proc) {
  children.add(proc);
  proc.once('exit', () => children.delete(proc));
  return proc;
}

export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeDir(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

const alive = (proc) => proc.exitCode === null && proc.signalCode === null;

/** Sends `signal` to the child's PID and waits for its exit; SIGKILL after `graceMs`. */
export async function stopProcess(proc, signal = 'SIGTERM', graceMs = 5000) {
  if (!proc || !alive(proc)) return;
  const exited = new Promise((r) => proc.once('exit', r));
  try {
    process.kill(proc.pid, signal);
  } catch {
    // already gone
  }
  const timer = setTimeout(() => {
    try {
      if (alive(proc)) process.kill(proc.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }, graceMs);
  await exited;
  clearTimeout(timer);
}

export async function cleanup() {
  await Promise.all([...children].map((p) => stopProcess(p, 'SIGTERM', 3000)));
  for (const dir of [...tempDirs]) removeDir(dir);
}

let exiting = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, async () => {
    if (exiting) return;
    exiting = true;
    await cleanup();
    process.exit(130);
  });
}
process.once('exit', () => {
  // Last resort (synchronous): kill whatever is still running and remove temp dirs.
  for (const p of children) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

// ---- our host ----

/**
 * Starts `streams host` on free ports, waits for `Sign in:`, returns { proc, home, url, token, stop }.
 * `home`: a folder to use (kept at stop); by default a temporary one (removed at stop).
 */
export async function startHost({ env: extraEnv = {}, home: givenHome, apiTimeoutMs } = {}) {
  const home = givenHome ?? tempDir('streams-bench-home-');
  fs.mkdirSync(home, { recursive: true });
  const port = await freePort();
  const env = cleanEnv({ STREAMS_RTMP_PORT: String(await freePort()), STREAMS_SRT_PORT: String(await freePort()), ...extraEnv });
  const proc = track(spawn(process.execPath, [STREAMS_BIN, 'host', '--home', home, '--port', String(port)], { env, stdio: ['ignore', 'pipe', 'pipe'] }));
  // The last 64 KiB: what an error shows, bounded for a host that runs for hours.
  let out = '';
  proc.stdout.on('data', (d) => (out = (out + d).slice(-65536)));
  proc.stderr.on('data', (d) => (out = (out + d).slice(-65536)));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`host did not start in 30 s:\n${out}`)), 30_000);
    const check = () => {
      if (/Sign in:/.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    proc.stdout.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code} before starting:\n${out}`));
    });
  });
  const token = fs.readFileSync(path.join(home, 'api-token'), 'utf8').trim();
  const url = `http://127.0.0.1:${port}`;
  const api = apiClient(url, token, { timeoutMs: apiTimeoutMs });
  return {
    proc,
    home,
    url,
    token,
    api,
    output: () => out,
    /** `options`: more fields of POST /api/v1/streams (`latency`, `dvrMinutes`). */
    async createStream(name, ladder, options = {}) {
      const res = await api('POST', '/api/v1/streams', { name, ladder, ...options });
      if (res.status !== 201) throw new Error(`POST /api/v1/streams -> ${res.status}: ${res.text}`);
      return { publishUrl: `${res.json.ingest.rtmp}/${res.json.key}`, hls: res.json.playback.hls, dash: res.json.playback.dash };
    },
    async stop() {
      await stopProcess(proc, 'SIGTERM', 15_000);
      if (givenHome === undefined) removeDir(home);
    },
  };
}

/** `streams edge` (nginx proxy_cache + njs + our agent) on a free loopback port in front of `origin`; { proc, url, dir }. */
export async function startEdge(origin, token, { workers = 1, functions = null } = {}) {
  const dir = tempDir('bench-edge-');
  // Edge functions as an edge keeps them from its origin (its state file): nginx runs them from the start.
  if (functions) fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ id: 'edge-bench-fn', lastSeq: null, keys: null, functions }), { mode: 0o600 });
  const port = await freePort();
  const proc = track(
    spawn(process.execPath, [STREAMS_BIN, 'edge', '--origin', origin, '--token', token, '--port', String(port), '--bind', '127.0.0.1',
      '--dir', dir, '--workers', String(workers), '--heartbeat-ms', '1000'], { stdio: ['ignore', 'pipe', 'pipe'] }),
  );
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 30_000;
  while (!out.includes('Streams edge ')) {
    if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`edge did not start:\n${out}`);
    await sleep(100);
  }
  return { proc, url: `http://127.0.0.1:${port}`, dir };
}

// ---- nginx + libnginx-mod-rtmp reference ----

/** nginx with the rtmp module: RTMP ingest at rtmp://127.0.0.1:<p>/live/<key>, HLS at /hls/<key>.m3u8. */
export async function startNginxRtmp() {
  const prefix = tempDir('streams-bench-nginx-');
  // Workers run as `nobody` when the master is root: let them write the HLS folder.
  fs.chmodSync(prefix, 0o755);
  fs.mkdirSync(path.join(prefix, 'hls'), { mode: 0o777 });
  fs.chmodSync(path.join(prefix, 'hls'), 0o777);
  fs.mkdirSync(path.join(prefix, 'tmp'), { mode: 0o777 });
  const rtmpPort = await freePort();
  const httpPort = await freePort();
  const conf = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `load_module ${NGINX_RTMP_MODULE};
worker_processes 1;
error_log ${prefix}/error.log warn;
events { worker_connections 256; }
rtmp {
  server {
    listen 127.0.0.1:${rtmpPort};
    chunk_size 4096;
    application live {
      live on;
      record off;
      hls on;
      hls_path ${prefix}/hls;
      hls_fragment 2s;
      hls_playlist_length 6s;
    }
  }
}
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
  server {
    listen 127.0.0.1:${httpPort};
    location /hls/ {
      root ${prefix};
      add_header Cache-Control no-cache;
      add_header Access-Control-Allow-Origin *;
    }
  }
}
`,
  );
  const proc = track(
    spawn('nginx', ['-e', path.join(prefix, 'error.log'), '-c', conf, '-p', prefix, '-g', `daemon off; pid ${prefix}/nginx.pid;`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const url = `http://127.0.0.1:${httpPort}`;
  const started = performance.now();
  for (;;) {
    if (!alive(proc)) throw new Error(`nginx exited with ${proc.exitCode}: ${err}${readIf(path.join(prefix, 'error.log'))}`);
    if ((await portOpen(rtmpPort)) && (await portOpen(httpPort))) break;
    if (performance.now() - started > 10_000) throw new Error(`nginx did not listen in 10 s: ${err}`);
    await sleep(20);
  }
  return {
    proc,
    prefix,
    url,
    rtmpPort,
    publishUrl: (key) => `rtmp://127.0.0.1:${rtmpPort}/live/${key}`,
    hls: (key) => `${url}/hls/${key}.m3u8`,
    async stop() {
      await stopProcess(proc, 'SIGTERM', 5000);
      removeDir(prefix);
    },
  };
}

/**
 * nginx-rtmp as a sink: `apps` RTMP applications (`live1`..`liveN`, `live on`, no recording, no HLS)
 * on one port, one worker, plus `rtmp_stat` over HTTP (`bytesIn()`: the server's total bytes_in, to
 * check that two runs delivered the same media). Used as the restream destinations.
 */
export async function startNginxReceivers(apps = 4) {
  const prefix = tempDir('streams-bench-receivers-');
  fs.chmodSync(prefix, 0o755);
  fs.mkdirSync(path.join(prefix, 'logs'));
  fs.mkdirSync(path.join(prefix, 'tmp'), { mode: 0o777 });
  fs.chmodSync(path.join(prefix, 'tmp'), 0o777);
  const rtmpPort = await freePort();
  const httpPort = await freePort();
  const names = Array.from({ length: apps }, (_, i) => `live${i + 1}`);
  const conf = path.join(prefix, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `load_module ${NGINX_RTMP_MODULE};
worker_processes 1;
error_log ${prefix}/error.log warn;
events { worker_connections 256; }
rtmp {
  server {
    listen 127.0.0.1:${rtmpPort};
    chunk_size 4096;
    access_log off;
${names.map((n) => `    application ${n} { live on; record off; }`).join('\n')}
  }
}
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  server {
    listen 127.0.0.1:${httpPort};
    location /stat { rtmp_stat all; }
  }
}
`,
  );
  const proc = track(
    spawn('nginx', ['-e', path.join(prefix, 'error.log'), '-c', conf, '-p', prefix, '-g', `daemon off; pid ${prefix}/nginx.pid;`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    }),
  );
  let err = '';
  proc.stderr.on('data', (d) => (err += d));
  const started = performance.now();
  for (;;) {
    if (!alive(proc)) throw new Error(`nginx exited with ${proc.exitCode}: ${err}${readIf(path.join(prefix, 'error.log'))}`);
    if ((await portOpen(rtmpPort)) && (await portOpen(httpPort))) break;
    if (performance.now() - started > 10_000) throw new Error(`nginx did not listen in 10 s: ${err}`);
    await sleep(20);
  }
  return {
    proc,
    prefix,
    rtmpPort,
    /** Server URLs without the key (`rtmp://127.0.0.1:<port>/liveN`). */
    servers: names.map((n) => `rtmp://127.0.0.1:${rtmpPort}/${n}`),
    /** Total bytes received by the server so far (rtmp_stat), NaN when the page cannot be read. */
    async bytesIn() {
      try {
        const xml = await (await fetch(`http://127.0.0.1:${httpPort}/stat`)).text();
        return Number(/<bytes_in>(\d+)<\/bytes_in>/.exec(xml)?.[1] ?? NaN);
      } catch {
        return NaN;
      }
    },
    async stop() {
      await stopProcess(proc, 'SIGTERM', 5000);
      removeDir(prefix);
    },
  };
}

function readIf(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function portOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

// ---- the publisher ----

/**
 * A wall-clock barcode burnt into each frame: the ms clock at the moment the frame leaves the test
 * source (RTCTIME, with `-re` pacing that is its capture time), as BARCODE_BITS white/black blocks
 * on a black strip at the top left of a 1280x720 picture. Decode with `decodeBarcodeSource()`.
 */
export const BARCODE = { bits: 24, x0: 40, y0: 8, blockW: 40, blockH: 48 };

/**
 * `mediaMs` given: the frame's own media time instead (its pts in ms plus `mediaMs`), which names the
 * frame on the publisher's timeline exactly (FLV timestamp = pts + the output's offset, e.g. `-output_ts_offset 1`).
 */
export function barcodeFilter(fps, { mediaMs } = {}) {
  const { bits, x0, y0, blockW, blockH } = BARCODE;
  const wall = mediaMs === undefined;
  const f = [...(wall ? ['settb=1/1000', 'setpts=RTCTIME/1000'] : []), `drawbox=x=${x0 - 8}:y=${y0 - 8}:w=${bits * blockW + 16}:h=${blockH + 16}:color=black:t=fill`];
  for (let k = 0; k < bits; k++) {
    const d = 2 ** k;
    f.push(`drawbox=x=${x0 + k * blockW}:y=${y0}:w=${blockW}:h=${blockH}:color=white:t=fill:enable='mod(floor((t*1000+${wall ? 0 : mediaMs}+0.5)/${d}),2)'`);
  }
  // Back to regular frame timestamps for the encoder.
  if (wall) f.push(`setpts=N/(${fps}*TB)`);
  return f.join(',');
}

/**
 * ffmpeg arguments of the publisher: a moving 720p test pattern with a tone, x264 ultrafast
 * zerolatency, 2 s GOP (what tests/OBS send), FLV to `url` (or `pipe:1`).
 */
export function publisherArgs(url, { size = '1280x720', fps = 30, seconds, barcode = false } = {}) {
  return [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-re',
    '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${fps}`,
    '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    ...(seconds ? ['-t', String(seconds)] : []),
    ...(barcode ? ['-vf', barcodeFilter(fps)] : []),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', String(fps * 2), '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '128k',
    '-f', 'flv', url,
  ];
}

export function startPublisher(url, options = {}) {
  const proc = track(spawn('ffmpeg', publisherArgs(url, options), { stdio: ['ignore', url === 'pipe:1' ? 'pipe' : 'ignore', 'pipe'] }));
  let err = '';
  proc.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
  proc.errors = () => err;
  return proc;
}

// ---- CPU from /proc ----

export { CLK_TCK, cpuSeconds };

/** CPU seconds so far of each PID in `pids()` (PIDs seen once keep their last figure when they exit). */
export function cpuMeter(pids) {
  const last = new Map();
  const read = () => {
    for (const pid of pids()) {
      const s = cpuSeconds(pid);
      if (s !== null) last.set(pid, s);
    }
    return [...last.values()].reduce((a, b) => a + b, 0);
  };
  return { read };
}

/** Jiffies of the whole machine from /proc/stat: { busy, total } (all cores; iowait counts as idle). */
export function machineTicks() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3] - f[4], total };
}

export function cmdline(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s, i, a) => i < a.length - 1 || s !== '');
  } catch {
    return null;
  }
}

/** PIDs of processes whose command line contains `needle` (not this one, not pgrep). */
export function pidsMatching(needle) {
  const result = spawnSync('pgrep', ['-f', needle], { encoding: 'utf8' });
  return result.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
}

/** PIDs of the children of `parent` whose command line contains `needle` (pgrep -P). */
export function childPids(parent, needle) {
  const result = spawnSync('pgrep', ['-P', String(parent), '-f', needle], { encoding: 'utf8' });
  return result.stdout
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => Number.isInteger(n) && n > 0);
}

export const fmt = (x, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
export const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? (a / b).toFixed(2) : 'n/a');
