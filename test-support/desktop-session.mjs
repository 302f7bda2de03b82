// Desktops of an unprivileged user (sway and mutter refuse root), for the tests and the benches alike
// (plain ESM; types in desktop-session.d.mts): the launcher that sway's desktop (test-support/wayland.ts)
// and GNOME's share, and a GNOME desktop as far as a remote-desktop host sees it: mutter on its headless
// backend with a virtual monitor (software rendering), PipeWire and WirePlumber in one D-Bus session,
// and optionally Chromium on Wayland in kiosk mode showing `clientUrl`, read over the DevTools protocol
// on `cdpPort`. `env` is what a host started in that desktop has.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findChromium } from './machine.mjs';

export const DESKTOP_USER = 'streams-wayland';

export const CHROMIUM_DESKTOP_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** The unprivileged user the desktops run as, made if missing. */
export function ensureDesktopUser() {
  if (spawnSync('id', ['-u', DESKTOP_USER], { stdio: 'ignore' }).status === 0) return;
  const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', DESKTOP_USER], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`useradd ${DESKTOP_USER} failed: ${r.stderr}`);
}

const q = (s) => `'${s.replace(/'/g, `'\\''`)}'`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PATH = process.env.PATH ?? '/usr/bin:/bin';

/**
 * A session of the desktop user: a folder of its own (0755, with a 0700 runtime dir `run`), the lines of
 * `script(dir, q)` run by bash under dbus-run-session (a bus that lets root in too when `allowRoot`:
 * the tests' hosts run as root, a creator's host runs as the desktop's user), each part logging to
 * `<part>.log` there. `stop` ends everything of the user (D-Bus activated services too) and removes the folder.
 */
export function launchDesktop({ prefix, script, allowRoot = false }) {
  ensureDesktopUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const run = path.join(dir, 'run');
  fs.mkdirSync(run, { mode: 0o700 });
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'session.sh'), ['#!/bin/bash', `cd ${q(dir)}`, ...script(dir, q), 'wait'].join('\n'), { mode: 0o755 });
  const bus = [];
  if (allowRoot) {
    fs.writeFileSync(
      path.join(dir, 'bus.conf'),
      '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN" "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n' +
        '<busconfig><include>/usr/share/dbus-1/session.conf</include><policy context="default"><allow user="root"/></policy></busconfig>\n',
    );
    bus.push(`--config-file=${dir}/bus.conf`);
  }
  spawnSync('chown', ['-R', DESKTOP_USER, dir]);
  const session = spawn('runuser', ['-u', DESKTOP_USER, '--', 'env', '-i', `HOME=${dir}`, `PATH=${PATH}`, `XDG_RUNTIME_DIR=${run}`, 'dbus-run-session', ...bus, '--', path.join(dir, 'session.sh')], { detached: true, stdio: 'ignore' });
  const log = (name) => {
    try {
      return fs.readFileSync(path.join(dir, `${name}.log`), 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    try {
      process.kill(-session.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    spawnSync('pkill', ['-TERM', '-u', DESKTOP_USER]);
    for (let i = 0; i < 30 && spawnSync('pgrep', ['-u', DESKTOP_USER], { stdio: 'ignore' }).status === 0; i++) await sleep(100);
    spawnSync('pkill', ['-KILL', '-u', DESKTOP_USER]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { dir, run, log, stop };
}

/** Waits until Chromium in a desktop answers on DevTools; stops the desktop and says why when it does not by `deadline`. */
export async function waitForDevTools(desktop, cdpUrl, deadline, parts) {
  for (;;) {
    try {
      if ((await fetch(`${cdpUrl}/json/version`)).ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      const why = parts.map((n) => `${n}: ${desktop.log(n).slice(-600)}`).join('\n');
      await desktop.stop();
      throw new Error(`the desktop's Chromium did not come up in time:\n${why}`);
    }
    await sleep(200);
  }
}

/** Waits for the session's `session.env` (what a host started there has in its environment); stops it and says why when it does not come in 30 s. */
async function sessionEnv(desktop, part) {
  const envFile = path.join(desktop.dir, 'session.env');
  const deadline = Date.now() + 30_000;
  while (!fs.existsSync(envFile)) {
    if (Date.now() > deadline) {
      const why = `${part}: ${desktop.log(part).slice(-800)}`;
      await desktop.stop();
      throw new Error(`the ${part} session did not come up in 30 s:\n${why}`);
    }
    await sleep(100);
  }
  return Object.fromEntries(fs.readFileSync(envFile, 'utf8').trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}

const SESSION_ENV = 'printf "DBUS_SESSION_BUS_ADDRESS=%s\\nXDG_RUNTIME_DIR=%s\\nWAYLAND_DISPLAY=%s\\n" "$DBUS_SESSION_BUS_ADDRESS" "$XDG_RUNTIME_DIR" "$WAYLAND_DISPLAY" > session.env.partial && mv session.env.partial session.env';

/** Chromium on Wayland in kiosk mode on `url`, over DevTools on `cdpPort` (a line of a session script). */
const kioskChromium = (chromiumPath, dir, q, url, cdpPort) =>
  `${q(chromiumPath)} ${[...CHROMIUM_DESKTOP_ARGS, '--ozone-platform=wayland', '--kiosk', `--user-data-dir=${dir}/profile`, `--remote-debugging-port=${cdpPort ?? 0}`, '--remote-debugging-address=127.0.0.1', url].map(q).join(' ')} > chromium.log 2>&1 &`;

/**
 * A sway desktop (wlroots, headless backend, software renderer, one output HEADLESS-1) of the desktop
 * user, with no portal and no PipeWire: what the host's wlroots capture needs is the compositor alone.
 * Optionally Chromium on Wayland in kiosk mode on `clientUrl` (sway tiles it over the whole output).
 * `stopCompositor` kills sway (its clients lose it too); `startCompositor` starts it again on the same socket.
 */
export async function startSwaySession(options = {}) {
  const { width = 1280, height = 720 } = options;
  const chromiumPath = findChromium(process.env.CHROMIUM_PATH);
  const swayLine = 'WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 WAYLAND_DISPLAY= sway -c sway.conf >> sway.log 2>&1';
  const desktop = launchDesktop({
    prefix: 'streams-sway-',
    script: (dir, q) => {
      fs.writeFileSync(path.join(dir, 'sway.conf'), `output HEADLESS-1 resolution ${width}x${height}\ndefault_border none\nseat * hide_cursor 0\n`);
      return [
        `${swayLine} &`,
        'for i in $(seq 100); do [ -S "$XDG_RUNTIME_DIR/wayland-1" ] && break; sleep 0.1; done',
        'export WAYLAND_DISPLAY=wayland-1 XDG_SESSION_TYPE=wayland',
        options.clientUrl && chromiumPath ? kioskChromium(chromiumPath, dir, q, options.clientUrl, options.cdpPort) : '',
        SESSION_ENV,
      ];
    },
  });
  const env = await sessionEnv(desktop, 'sway');
  const asUser = (command) =>
    spawnSync('runuser', ['-u', DESKTOP_USER, '--', 'env', '-i', `HOME=${desktop.dir}`, `PATH=${PATH}`, `XDG_RUNTIME_DIR=${env.XDG_RUNTIME_DIR}`, 'bash', '-c', command], { encoding: 'utf8' });
  const result = {
    dir: desktop.dir,
    env,
    log: desktop.log,
    stopCompositor: () => void spawnSync('pkill', ['-KILL', '-u', DESKTOP_USER, '-x', 'sway']),
    startCompositor: () => void asUser(`cd ${q(desktop.dir)}; (setsid bash -c ${q(swayLine)} > /dev/null 2>&1 &)`),
    stop: desktop.stop,
  };
  if (options.clientUrl && options.cdpPort) {
    result.cdpUrl = `http://127.0.0.1:${options.cdpPort}`;
    await waitForDevTools(desktop, result.cdpUrl, Date.now() + 30_000, ['sway', 'chromium']);
  }
  return result;
}

export async function startMutterSession(options = {}) {
  const { width = 1280, height = 720 } = options;
  const chromiumPath = findChromium(process.env.CHROMIUM_PATH);
  const desktop = launchDesktop({
    prefix: 'streams-mutter-',
    allowRoot: true,
    script: (dir, q) => [
      'pipewire > pipewire.log 2>&1 &',
      'sleep 0.3',
      'wireplumber > wireplumber.log 2>&1 &',
      `mutter --headless --virtual-monitor ${width}x${height} --wayland --no-x11 > mutter.log 2>&1 &`,
      'for i in $(seq 100); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.gnome.Mutter.RemoteDesktop 2>/dev/null | grep -q "boolean true" && break; sleep 0.1; done',
      'export WAYLAND_DISPLAY=wayland-0 XDG_SESSION_TYPE=wayland',
      options.clientUrl && chromiumPath ? kioskChromium(chromiumPath, dir, q, options.clientUrl, options.cdpPort) : '',
      // What a host started in this desktop would have.
      SESSION_ENV,
    ],
  });
  const { dir, log, stop } = desktop;
  const env = await sessionEnv(desktop, 'mutter');
  const deadline = Date.now() + 30_000;
  const asUser = (command) =>
    spawnSync('runuser', ['-u', DESKTOP_USER, '--', 'env', '-i', `HOME=${dir}`, `PATH=${PATH}`, `XDG_RUNTIME_DIR=${env.XDG_RUNTIME_DIR}`, `DBUS_SESSION_BUS_ADDRESS=${env.DBUS_SESSION_BUS_ADDRESS}`, 'bash', '-c', command], { encoding: 'utf8' });
  const result = {
    dir,
    env,
    log,
    stopPipewire: () => void spawnSync('pkill', ['-KILL', '-u', DESKTOP_USER, '-x', 'pipewire|wireplumber']),
    startPipewire: () => void asUser(`cd ${q(dir)}; (setsid pipewire >> pipewire.log 2>&1 &); sleep 0.3; (setsid wireplumber >> wireplumber.log 2>&1 &)`),
    stop,
  };
  if (options.clientUrl && options.cdpPort) {
    result.cdpUrl = `http://127.0.0.1:${options.cdpPort}`;
    await waitForDevTools(desktop, result.cdpUrl, deadline, ['mutter', 'chromium']);
  }
  return result;
}
