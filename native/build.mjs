#!/usr/bin/env node
// Builds native/build/streams_native.node with the system's C compiler and the Node headers already on
// the machine (nothing downloads): at `npm ci` (postinstall), by `npm run build` when stale, and by
// the test setup once it has installed the -dev packages. Each part goes in when its libraries are
// found (pkg-config): PipeWire capture needs libpipewire-0.3; wlroots capture and input (sway...)
// wayland-client and xkbcommon; the WebRTC fan-out libsrtp2. Never fails the install: where nothing can be
// built (no compiler, no headers, another OS) it writes why to native/build/status.json, and the host
// says so and runs without those parts.
// A part that does not compile with the library found (another version) is left out, and said so; the
// others go in.
//   node native/build.mjs [--if-stale] [--quiet] [--out <dir>]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// --out <dir>: build elsewhere than native/build (a test building with a broken library).
const outArg = process.argv.indexOf('--out');
const out = outArg > 0 && process.argv[outArg + 1] ? path.resolve(process.argv[outArg + 1]) : path.join(here, 'build');
const target = path.join(out, 'streams_native.node');
const statusFile = path.join(out, 'status.json');
const sources = fs.readdirSync(path.join(here, 'src')).map((f) => path.join(here, 'src', f));
const quiet = process.argv.includes('--quiet');
const say = (text) => quiet || console.log(`native: ${text}`);

/** Which optional parts this machine can build, and their compiler flags. */
const PARTS = [
  { name: 'pipewire', define: 'WITH_PIPEWIRE', pkgs: ['libpipewire-0.3'], debian: 'libpipewire-0.3-dev', files: ['pipewire-capture.c'] },
  // wlroots desktops (sway...): screencopy, virtual pointer and keyboard over the Wayland socket.
  { name: 'wlroots', define: 'WITH_WLROOTS', pkgs: ['wayland-client', 'xkbcommon'], debian: 'libwayland-dev libxkbcommon-dev', files: ['wlroots.c'] },
  // WebRTC fan-out: one incoming RTP packet to every viewer, protected by libsrtp, in one call.
  { name: 'srtp', define: 'WITH_SRTP', pkgs: ['libsrtp2'], debian: 'libsrtp2-dev', files: ['srtp-fanout.c'] },
];

function run(command, args) {
  const r = spawnSync(command, args, { encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim(), err: (r.stderr ?? r.error?.message ?? '').trim() };
}

/** Node's own headers: beside the running node, or where npm was told they are (nodedir). */
function nodeHeaders() {
  const candidates = [
    path.join(path.dirname(process.execPath), '..', 'include', 'node'),
    process.env.npm_config_nodedir && path.join(process.env.npm_config_nodedir, 'include', 'node'),
    '/usr/include/node',
    '/usr/local/include/node',
  ].filter(Boolean);
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'node_api.h')));
}

function writeStatus(status) {
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(statusFile, JSON.stringify({ ...status, builtAt: new Date().toISOString() }, null, 2) + '\n');
}

function stale() {
  if (!fs.existsSync(statusFile)) return true;
  const status = JSON.parse(fs.readFileSync(statusFile, 'utf8'));
  const built = fs.statSync(statusFile).mtimeMs;
  if (Math.max(...sources.map((f) => fs.statSync(f).mtimeMs), fs.statSync(fileURLToPath(import.meta.url)).mtimeMs) > built) return true;
  // A part missing its library before may be buildable now (the test setup installed it).
  // (One that failed to compile with the library found is tried again only when the sources change.)
  const wanted = PARTS.filter((p) => !(status.features ?? []).includes(p.name) && !(status.failed ?? []).includes(p.name) && run('pkg-config', ['--exists', ...p.pkgs]).ok);
  return wanted.length > 0 || (status.ok && !fs.existsSync(target));
}

/** One compile of the core and the given parts: ok, or the compiler's last words. */
function compile(cc, headers, parts) {
  const flags = parts.flatMap((p) => [`-D${p.define}`, ...p.cflags]);
  const files = ['module.c', 'frame-slots.c', ...parts.flatMap((p) => p.files)];
  const partial = `${target}.partial`;
  const args = ['-O2', '-Wall', '-shared', '-fPIC', '-std=gnu11', '-DNODE_GYP_MODULE_NAME=streams_native', `-I${headers}`, ...flags, ...files.map((f) => path.join(here, 'src', f)), '-o', partial, ...parts.flatMap((p) => p.libs)];
  const compiled = run(cc, args);
  if (compiled.ok) fs.renameSync(partial, target);
  else fs.rmSync(partial, { force: true });
  return compiled.ok ? { ok: true } : { ok: false, err: compiled.err.slice(-1500) };
}

function build() {
  if (process.platform !== 'linux') return { ok: false, reason: `native parts are built on Linux only for now (this is ${process.platform}); prebuilt binaries per OS are planned for the installers` };
  const cc = ['cc', 'gcc', 'clang'].find((c) => run(c, ['--version']).ok);
  if (!cc) return { ok: false, reason: 'no C compiler (cc, gcc or clang) on the PATH' };
  const headers = nodeHeaders();
  if (!headers) return { ok: false, reason: "Node's headers (node_api.h) are not installed beside node" };
  const missing = [];
  const found = [];
  for (const part of PARTS) {
    const cflags = run('pkg-config', ['--cflags', ...part.pkgs]);
    const lflags = run('pkg-config', ['--libs', ...part.pkgs]);
    if (!cflags.ok || !lflags.ok) {
      missing.push(`${part.name}: ${part.pkgs.join(' and ')} not found by pkg-config (Debian: ${part.debian})`);
      continue;
    }
    found.push({ ...part, cflags: cflags.out.split(/\s+/).filter(Boolean), libs: lflags.out.split(/\s+/).filter(Boolean) });
  }
  fs.mkdirSync(out, { recursive: true });
  const whole = compile(cc, headers, found);
  if (whole.ok) return { ok: true, features: found.map((p) => p.name), missing, compiler: cc };
  // A part that does not compile here (its library another version than ours expects) does not take the
  // others down: the core alone, then each part with it, and the addon is built of those that compile.
  const core = found.length > 0 ? compile(cc, headers, []) : whole;
  if (!core.ok) return { ok: false, reason: `${cc} failed: ${core.err}`, missing };
  const failed = [];
  const good = found.filter((part) => {
    const alone = compile(cc, headers, [part]);
    if (alone.ok) return true;
    const errors = [...new Set(alone.err.split('\n').filter((l) => /:\d+:\d+: (fatal )?error:/.test(l)))].slice(0, 2).join(' | ');
    failed.push(part.name);
    missing.push(`${part.name}: did not compile with the ${part.pkgs.join(' and ')} found here (${errors || alone.err.slice(-300)})`);
    return false;
  });
  if (failed.length === 0) return { ok: false, reason: `${cc} failed with all parts together: ${whole.err}`, missing };
  const rest = compile(cc, headers, good);
  if (!rest.ok) return { ok: false, reason: `${cc} failed: ${rest.err}`, missing };
  return { ok: true, features: good.map((p) => p.name), missing, failed, compiler: cc };
}

if (process.argv.includes('--if-stale') && !stale()) process.exit(0);
const status = build();
writeStatus(status);
if (status.ok) say(`built ${path.relative(process.cwd(), target)} (${status.features.join(', ') || 'no optional parts'})${status.missing.length ? `; without ${status.missing.join('; ')}` : ''}`);
else say(`not built: ${status.reason.replace(/\.$/, '')}. The host runs without its native parts.`);
