#!/usr/bin/env node
// Makes sure the Debian packages the tests use are installed: the one list, shared by `npm test` (its
// `setup` stage) and `.ci/run`. Idempotent: asks dpkg first, runs `apt-get update` only when something
// is missing, installs only what is missing, and says what it installs.
//
//   node scripts/setup-system.mjs            the packages the tests use
//   node scripts/setup-system.mjs --bench    also what the benchmarks (bench/*.mjs) use
//   node scripts/setup-system.mjs --check    only report what is missing (never installs)
//
// It installs as root, or through passwordless sudo, where apt-get exists. Elsewhere it prints the one
// command to run and exits 0: the suites that need a missing package then skip, each naming its reason
// (test-support/peers.ts), and the summary of `npm test` lists them.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { which } from '../test-support/machine.mjs';

/** Package -> why the tests need it. */
export const TEST_PACKAGES = {
  ffmpeg: 'probes, publishers and media checks (ffmpeg, ffprobe, ffplay)',
  chromium: 'the players and the UI in Playwright (e2e, hls.js/dash.js, WHEP)',
  xvfb: 'virtual displays, OBS and the Electron window under xvfb-run',
  xauth: 'xvfb-run',
  xdotool: 'remote input: checks what the injected mouse and keys did',
  'x11-utils': 'xev: a window to list, move and type into',
  xclip: "an X application's clipboard in the remote-desktop tests",
  pulseaudio: "the host session's sound server (remote sound)",
  iptables: "packet loss on the host's WebRTC ports (adaptation test, as root) and on a fleet bed link",
  iproute2: 'network namespaces, veth pairs and tc rate limits of the fleet test bed (bench/fleet and its integration test, as root)',
  'obs-studio': 'the OBS control tests drive a real OBS 29',
  nginx: 'the edge data plane',
  'libnginx-mod-http-cache-purge': 'edge purges',
  'libnginx-mod-http-js': 'edge signed URLs and tags (njs)',
  'libnginx-mod-rtmp': 'a third-party RTMP receiver for restreaming (and nginx-rtmp, the reference of bench/live-latency and bench/restream-cpu)',
  'openssh-server': 'provisioning an edge over a real sshd on loopback (ssh-keygen comes with it)',
  mosquitto: 'a real MQTT broker as a peer of ours',
  'mosquitto-clients': 'real MQTT clients (mosquitto_pub, mosquitto_sub)',
  'nats-server': 'NATS with JetStream: the data bridges write to it and read from it',
  'redis-server': 'Redis Streams: the data bridges write to it and read from it',
  gpodder: "gPodder's gpo: a real podcast client subscribes to a show's feed and downloads an episode",
  eyed3: "eyeD3: reads an episode MP3's ID3v2.4 chapters and artwork",
  openssl: 'throwaway TLS certificates (RTMPS)',
  faketime: "libfaketime: a host whose wall clock jumps an hour (LD_PRELOAD) in the clock-jump test",
  procps: 'ps and pgrep: tests prove no child process is left behind',
  sway: 'a Wayland desktop (headless) whose screen the studio captures through the portal, and the remote-desktop host through wlroots\' own protocols',
  'xdg-desktop-portal': "the desktop portal Chromium asks for a screen on Wayland",
  'xdg-desktop-portal-wlr': "the portal's ScreenCast backend for sway",
  pipewire: 'the screen cast stream between the portal and Chromium',
  wireplumber: "PipeWire's session manager",
  'dbus-daemon': 'dbus-run-session: the Wayland session bus',
  mutter: "GNOME's compositor (headless, a virtual monitor): the remote-desktop host captures it through PipeWire and drives its input",
  'libpipewire-0.3-dev': "PipeWire's headers: the native addon's capture part (native/) builds against them",
  'libwayland-dev': "Wayland's client library and headers: the native addon's wlroots part (screencopy, virtual pointer and keyboard on sway)",
  'libxkbcommon-dev': "xkbcommon: the wlroots part's keymap for the virtual keyboard",
  'libsrtp2-dev': "libsrtp: the native addon's WebRTC fan-out protects every viewer's packets with it",
  gcc: 'the C compiler that builds the native addon (native/build.mjs)',
  'pkg-config': "finds the native addon's libraries",
  'freerdp2-shadow-x11': "FreeRDP's shadow server: RDP clients into the host's X displays",
  'freerdp2-x11': 'xfreerdp: a real RDP client signs in to the host (and is refused a wrong password)',
};

/** Package -> why a benchmark needs it (on top of the test packages). */
export const BENCH_PACKAGES = {
  wrk: 'HTTP load for bench/edge',
};

/** The packages to have for these flags, in a stable order, without duplicates. */
export function wantedPackages({ bench = false } = {}) {
  return [...new Set([...Object.keys(TEST_PACKAGES), ...(bench ? Object.keys(BENCH_PACKAGES) : [])])];
}

/**
 * What to do, from facts about the machine (pure, for tests):
 * `none` (all there), `install` (with or without sudo), or `print` (the command a person runs).
 */
export function plan({ missing, hasApt, isRoot, hasSudo, checkOnly = false }) {
  if (missing.length === 0) return { action: 'none' };
  const sudo = isRoot ? '' : 'sudo ';
  const command = `${sudo}apt-get update && ${sudo}apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (!hasApt) return { action: 'print', why: 'not a Debian/Ubuntu system (no apt-get)', command: `${command}  (on Debian/Ubuntu; elsewhere the same tools from your system's packages)` };
  if (checkOnly) return { action: 'print', why: '--check', command };
  if (isRoot) return { action: 'install', sudo: false };
  if (hasSudo) return { action: 'install', sudo: true };
  return { action: 'print', why: 'not root and no passwordless sudo', command };
}

const quiet = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] };

/** Which of `pkgs` dpkg has installed: one dpkg-query for all (it names the unknown ones on stderr and exits 1). */
function installedOf(pkgs) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...pkgs], quiet);
  const lines = (r.stdout ?? '').split('\n');
  return new Set(lines.filter((l) => l.endsWith(' install ok installed')).map((l) => l.split(' ')[0]));
}

const onPath = (name) => which(name) !== null;

function run(prefix, command, args) {
  const full = [...prefix, command, ...args];
  const r = spawnSync(full[0], full.slice(1), { ...quiet, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

const tail = (text) => text.trim().split('\n').slice(-15).join('\n');

function main(argv) {
  const bench = argv.includes('--bench');
  const checkOnly = argv.includes('--check');
  const wanted = wantedPackages({ bench });
  const hasApt = onPath('apt-get') && onPath('dpkg-query');
  const present = hasApt ? installedOf(wanted) : new Set();
  const missing = wanted.filter((p) => !present.has(p));
  const isRoot = process.getuid?.() === 0;
  const hasSudo = !isRoot && !checkOnly && hasApt && missing.length > 0 && onPath('sudo') && spawnSync('sudo', ['-n', 'true'], quiet).status === 0;
  const step = plan({ missing, hasApt, isRoot, hasSudo, checkOnly });

  if (step.action === 'none') {
    console.log(`setup: all ${wanted.length} system packages the ${bench ? 'tests and benchmarks' : 'tests'} use are installed`);
    return 0;
  }
  if (step.action === 'print') {
    console.log(`setup: missing system packages: ${missing.join(' ')}`);
    console.log(`setup: not installing them (${step.why}). Run:\n  ${step.command}`);
    console.log('setup: until then the suites that need them skip, each with its reason in the summary.');
    return 0;
  }

  const prefix = step.sudo ? ['sudo', '-n'] : [];
  console.log(`setup: updating the package lists${step.sudo ? ' (sudo)' : ''}`);
  const update = run(prefix, 'apt-get', ['update', '-qq']);
  if (!update.ok) console.log(`setup: apt-get update failed, trying with the lists there are:\n${tail(update.output)}`);
  // A package the apt sources do not have (another distribution, a trimmed mirror) is named, not fatal.
  const available = missing.filter((p) => run([], 'apt-cache', ['show', '--no-all-versions', p]).ok);
  const unavailable = missing.filter((p) => !available.includes(p));
  if (unavailable.length > 0) console.log(`setup: not available from the apt sources here: ${unavailable.join(' ')} (the suites that need them skip)`);
  if (available.length === 0) return 0;
  console.log(`setup: installing ${available.join(' ')}`);
  const result = run(prefix, 'apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...available]);
  if (!result.ok) {
    console.error(`setup: apt-get install failed:\n${tail(result.output)}`);
    console.error('setup: fix the above, or skip this stage with STREAMS_TEST_SKIP_SETUP=1 (the suites that need the packages then skip)');
    return 1;
  }
  const nowInstalled = installedOf(available);
  const still = available.filter((p) => !nowInstalled.has(p));
  if (still.length > 0) {
    console.error(`setup: apt-get reported success but these are not installed: ${still.join(' ')}`);
    return 1;
  }
  console.log(`setup: installed ${available.length} package${available.length === 1 ? '' : 's'}`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  process.exitCode = main(process.argv.slice(2));
}
