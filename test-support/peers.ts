import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findChromium, nginxModulePath, which } from './machine.mjs';

export { nginxModulePath, which };

/**
 * The one gate for tests that need something from the machine (a Debian package, root, a binary).
 * `needs('pulseaudio')` is false when everything is there, else the reason (truthy), so a suite reads
 * `describe.skipIf(needs('nginx', 'chromium'))(...)` and only the tests that need a peer skip.
 *
 * Every reason is also appended, as one JSON line `{file, reason}`, to the file named by
 * STREAMS_SKIP_LOG (set by scripts/test.mjs), so the summary names each skipped suite and why, and a
 * CI run can fail when anything but the Electron suite skipped.
 */

const PACKAGE: Record<Peer, string> = {
  ffmpeg: 'ffmpeg',
  ffprobe: 'ffmpeg',
  ffplay: 'ffmpeg',
  chromium: 'chromium',
  xvfb: 'xvfb xauth',
  xdotool: 'xdotool',
  xev: 'x11-utils',
  xclip: 'xclip',
  pulseaudio: 'pulseaudio',
  obs: 'obs-studio',
  nginx: 'nginx libnginx-mod-http-cache-purge libnginx-mod-http-js',
  'nginx-rtmp': 'libnginx-mod-rtmp',
  sshd: 'openssh-server',
  iptables: 'iptables',
  mosquitto: 'mosquitto mosquitto-clients',
  nats: 'nats-server',
  redis: 'redis-server',
  gpodder: 'gpodder',
  eyed3: 'eyed3',
  wrk: 'wrk',
  openssl: 'openssl',
  faketime: 'faketime',
  wayland: 'sway xdg-desktop-portal xdg-desktop-portal-wlr pipewire wireplumber dbus-daemon',
  sway: 'sway dbus-daemon libwayland-dev libxkbcommon-dev gcc pkg-config',
  'wlroots-dev': 'libwayland-dev libxkbcommon-dev gcc pkg-config',
  'srtp-dev': 'libsrtp2-dev gcc pkg-config',
  mutter: 'mutter pipewire wireplumber dbus-daemon libpipewire-0.3-dev gcc pkg-config',
  'rdp-shadow': 'freerdp2-shadow-x11',
  xfreerdp: 'freerdp2-x11',
  root: '',
};

export type Peer =
  | 'ffmpeg'
  | 'ffprobe'
  | 'ffplay'
  | 'chromium'
  | 'sway'
  | 'wlroots-dev'
  | 'srtp-dev'
  | 'xvfb'
  | 'xdotool'
  | 'xev'
  | 'xclip'
  | 'pulseaudio'
  | 'obs'
  | 'nginx'
  | 'nginx-rtmp'
  | 'sshd'
  | 'iptables'
  | 'mosquitto'
  | 'nats'
  | 'redis'
  | 'gpodder'
  | 'eyed3'
  | 'wrk'
  | 'openssl'
  | 'faketime'
  | 'wayland'
  | 'mutter'
  | 'rdp-shadow'
  | 'xfreerdp'
  | 'root';

const nginxModule = (file: string): boolean => nginxModulePath(file) !== null;
const runs = (command: string, args: string[]): boolean => spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;

/** Debian's libfaketime (multiarch folder, or the plain one), or null. */
export function libfaketimePath(): string | null {
  const dirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib/arm-linux-gnueabihf', '/usr/lib'];
  return dirs.map((dir) => `${dir}/faketime/libfaketime.so.1`).find((file) => fs.existsSync(file)) ?? null;
}

/**
 * The Python that runs eyeD3 (its script's #! line: Debian's, which has the eyed3 module even where
 * another python3 comes first on the PATH), or null without eyeD3.
 */
export function eyed3Python(): string | null {
  const script = which('eyeD3');
  if (!script) return null;
  const python = /^#!\s*(\S+)/.exec(fs.readFileSync(script, 'utf8').split('\n', 1)[0] ?? '')?.[1] ?? 'python3';
  return runs(python, ['-c', 'import eyed3']) ? python : null;
}

/** The Chromium to drive: CHROMIUM_PATH, else the first on the PATH (Debian's `chromium` first). */
export const chromiumPath = (): string | null => findChromium(process.env.CHROMIUM_PATH);

const CHECKS: Record<Peer, () => boolean> = {
  ffmpeg: () => which('ffmpeg') !== null,
  ffprobe: () => which('ffprobe') !== null,
  ffplay: () => which('ffplay') !== null,
  chromium: () => chromiumPath() !== null,
  xvfb: () => which('Xvfb') !== null && which('xauth') !== null,
  xdotool: () => which('xdotool') !== null,
  xev: () => which('xev') !== null,
  xclip: () => which('xclip') !== null,
  pulseaudio: () => which('pulseaudio') !== null && which('pactl') !== null,
  obs: () => which('obs') !== null && which('xvfb-run') !== null,
  nginx: () =>
    which('nginx', ['/usr/sbin/nginx']) !== null && nginxModule('ngx_http_js_module.so') && nginxModule('ngx_http_cache_purge_module.so'),
  'nginx-rtmp': () => which('nginx', ['/usr/sbin/nginx']) !== null && nginxModule('ngx_rtmp_module.so'),
  sshd: () => which('sshd', ['/usr/sbin/sshd']) !== null,
  iptables: () => process.getuid?.() === 0 && which('iptables', ['/usr/sbin/iptables']) !== null && runs('iptables', ['-w', '-L', 'OUTPUT', '-n']),
  mosquitto: () => which('mosquitto', ['/usr/sbin/mosquitto']) !== null && which('mosquitto_pub') !== null,
  nats: () => which('nats-server', ['/usr/bin/nats-server', '/usr/sbin/nats-server']) !== null,
  redis: () => which('redis-server', ['/usr/bin/redis-server']) !== null,
  gpodder: () => which('gpo') !== null,
  // The command and its Python module (the test reads chapters through the module).
  eyed3: () => eyed3Python() !== null,
  wrk: () => which('wrk') !== null,
  openssl: () => which('openssl') !== null,
  faketime: () => libfaketimePath() !== null,
  wayland: () =>
    ['sway', 'pipewire', 'wireplumber', 'dbus-run-session'].every((c) => which(c) !== null) &&
    which('runuser', ['/usr/sbin/runuser', '/sbin/runuser']) !== null &&
    ['/usr/libexec/xdg-desktop-portal', '/usr/libexec/xdg-desktop-portal-wlr'].every((f) => fs.existsSync(f)),
  // sway and, for the host's native capture and input, the wlroots part's libraries.
  sway: () =>
    ['sway', 'dbus-run-session', 'pkg-config'].every((c) => which(c) !== null) &&
    which('runuser', ['/usr/sbin/runuser', '/sbin/runuser']) !== null &&
    runs('pkg-config', ['--exists', 'wayland-client', 'xkbcommon']),
  // What the native addon's wlroots part is built with: a C compiler and the part's libraries.
  'wlroots-dev': () => ['cc', 'pkg-config'].every((c) => which(c) !== null) && runs('pkg-config', ['--exists', 'wayland-client', 'xkbcommon']),
  'srtp-dev': () => ['cc', 'pkg-config'].every((c) => which(c) !== null) && runs('pkg-config', ['--exists', 'libsrtp2']),
  // The compositor and, for the host's native capture, PipeWire's headers (the build brings the part in).
  mutter: () =>
    ['mutter', 'pipewire', 'wireplumber', 'dbus-run-session', 'pkg-config'].every((c) => which(c) !== null) &&
    which('runuser', ['/usr/sbin/runuser', '/sbin/runuser']) !== null &&
    runs('pkg-config', ['--exists', 'libpipewire-0.3']),
  'rdp-shadow': () => which('freerdp-shadow-cli') !== null,
  xfreerdp: () => which('xfreerdp') !== null,
  root: () => process.getuid?.() === 0,
};

/** STREAMS_TEST_PRETEND_MISSING=obs,pulseaudio: see what a machine without them runs and skips. */
const pretendMissing = new Set((process.env.STREAMS_TEST_PRETEND_MISSING ?? '').split(',').map((p) => p.trim()).filter(Boolean));

const cache = new Map<Peer, boolean>();
const present = (peer: Peer): boolean => {
  let ok = cache.get(peer);
  if (ok === undefined) cache.set(peer, (ok = !pretendMissing.has(peer) && CHECKS[peer]()));
  return ok;
};

/** The test file that called `needs`, relative to the repository, from the call stack. */
function callerFile(): string {
  const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
  const self = fileURLToPath(import.meta.url);
  for (const line of (new Error().stack ?? '').split('\n').slice(1)) {
    const match = /(?:file:\/\/)?(\/[^():]+\.(?:ts|tsx|mjs|js)):\d+:\d+/.exec(line);
    if (match && match[1] !== self && !match[1]!.includes('node_modules')) return path.relative(root, match[1]!);
  }
  return 'unknown';
}

/** Records a skip reason for the summary of `npm test` (and prints it, so a plain vitest run shows it too). */
export function recordSkip(reason: string, file = callerFile()): string {
  const log = process.env.STREAMS_SKIP_LOG;
  if (log) fs.appendFileSync(log, `${JSON.stringify({ file, reason })}\n`);
  process.stderr.write(`SKIPPED ${file}: ${reason}\n`);
  return reason;
}

/**
 * False when every peer is there; else the reason they are missing (recorded for the summary), e.g.
 * "needs pulseaudio (apt-get install pulseaudio)". Checks run once per process.
 */
export function needs(...peers: Peer[]): string | false {
  const missing = peers.filter((p) => !present(p));
  if (missing.length === 0) return false;
  const packages = [...new Set(missing.map((p) => PACKAGE[p]).filter(Boolean))].join(' ');
  const reason =
    `needs ${missing.join(', ')}` +
    (missing.includes('root') ? ' (run as root)' : '') +
    (packages ? ` (apt-get install ${packages}, or: node scripts/setup-system.mjs)` : '') +
    (missing.some((p) => pretendMissing.has(p)) ? ' [pretended missing: STREAMS_TEST_PRETEND_MISSING]' : '');
  return recordSkip(reason, callerFile());
}
