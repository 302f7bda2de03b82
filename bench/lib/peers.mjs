// What the benchmarks need from the machine, checked in one place (the bench side of
// test-support/peers.ts). `missing(...peers)` is null when all are there, else the reason, naming the
// one command that installs them: every package here is in scripts/setup-system.mjs --bench.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium, nginxModulePath, which } from '../../test-support/machine.mjs';

const ROOT = path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url))));

export const SETUP_COMMAND = 'node scripts/setup-system.mjs --bench';
export const BUILD_COMMAND = 'node scripts/build.mjs';

export { nginxModulePath };

/** The Chromium to drive: BENCH_CHROMIUM or CHROMIUM_PATH, else the first on the PATH. */
export const chromiumPath = () => findChromium(process.env.BENCH_CHROMIUM ?? process.env.CHROMIUM_PATH);
/** Every bench's Chromium runs with these (as the tests' do: test-support/browser.ts). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'];

const nginx = () => which('nginx', ['/usr/sbin/nginx']) !== null;

/** Peer -> [present?, how to get it]. */
const PEERS = {
  ffmpeg: [() => which('ffmpeg') !== null, SETUP_COMMAND],
  nginx: [() => nginx() && nginxModulePath('ngx_http_js_module.so') !== null && nginxModulePath('ngx_http_cache_purge_module.so') !== null, SETUP_COMMAND],
  'nginx-rtmp': [() => nginx() && nginxModulePath('ngx_rtmp_module.so') !== null, SETUP_COMMAND],
  wrk: [() => which('wrk') !== null, SETUP_COMMAND],
  sshd: [() => which('sshd', ['/usr/sbin/sshd']) !== null, SETUP_COMMAND],
  mosquitto: [() => which('mosquitto', ['/usr/sbin/mosquitto']) !== null, SETUP_COMMAND],
  nats: [() => which('nats-server', ['/usr/bin/nats-server', '/usr/sbin/nats-server']) !== null, SETUP_COMMAND],
  redis: [() => which('redis-server', ['/usr/bin/redis-server']) !== null, SETUP_COMMAND],
  chromium: [() => chromiumPath() !== null, SETUP_COMMAND],
  xvfb: [() => which('Xvfb') !== null && which('xvfb-run') !== null, SETUP_COMMAND],
  obs: [() => which('obs') !== null && which('xvfb-run') !== null, SETUP_COMMAND],
  'hls.js': [() => fs.existsSync(path.join(ROOT, 'node_modules/hls.js/dist/hls.min.js')), 'npm ci'],
  'dash.js': [() => fs.existsSync(path.join(ROOT, 'node_modules/dashjs/dist/modern/umd/dash.all.min.js')), 'npm ci'],
  'video.js': [() => fs.existsSync(path.join(ROOT, 'node_modules/video.js/dist/video.min.js')), 'npm ci'],
  build: [() => fs.existsSync(path.join(ROOT, 'dist/main/cli.cjs')), BUILD_COMMAND],
};

/** Null when every peer is there; else "needs wrk, nginx-rtmp (node scripts/setup-system.mjs --bench)". */
export function missing(...peers) {
  const absent = peers.filter((p) => {
    if (!PEERS[p]) throw new Error(`unknown bench peer ${p}`);
    return !PEERS[p][0]();
  });
  if (absent.length === 0) return null;
  const how = [...new Set(absent.map((p) => PEERS[p][1]))].join('; ');
  return `needs ${absent.map((p) => (p === 'build' ? 'dist/ (the build)' : p)).join(', ')} (${how})`;
}
