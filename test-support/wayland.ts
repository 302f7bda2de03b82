import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser.js';
import { DESKTOP_USER, ensureDesktopUser } from './mutter-session.mjs';

/**
 * A Wayland desktop as a creator on sway has one: sway on its headless backend (software renderer),
 * PipeWire with WirePlumber, xdg-desktop-portal with its wlroots backend (ScreenCast), all in one
 * D-Bus session, and Chromium on Wayland with its PipeWire capturer, reachable over the DevTools
 * protocol on `cdpPort`. sway refuses to run as root, so the whole session runs as an unprivileged
 * user (`USER`, made if missing). Logs of each part stay in `dir` (`log(name)`).
 */
export interface WaylandSession {
  dir: string;
  cdpUrl: string;
  log(name: 'sway' | 'xdpw' | 'portal' | 'pipewire' | 'wireplumber' | 'chromium'): string;
  /** Ends the session and everything of its user; resolves once nothing of it runs. */
  stop(): Promise<void>;
}

const USER = DESKTOP_USER;

export const WAYLAND_PARTS = ['sway', 'pipewire', 'wireplumber', 'dbus-run-session', 'runuser'];
export const WAYLAND_LIBEXEC = ['/usr/libexec/xdg-desktop-portal', '/usr/libexec/xdg-desktop-portal-wlr'];

const ensureUser = ensureDesktopUser;

export async function startWaylandSession(options: { cdpPort: number; width?: number; height?: number }): Promise<WaylandSession> {
  const { cdpPort, width = 1280, height = 720 } = options;
  if (!CHROMIUM_PATH) throw new Error('Chromium not found');
  ensureUser();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-wayland-'));
  const run = path.join(dir, 'run');
  fs.mkdirSync(run, { mode: 0o700 });
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, 'sway.conf'), `output HEADLESS-1 resolution ${width}x${height}\n`);
  // The portal picks the one output itself: no chooser to click.
  fs.writeFileSync(path.join(dir, 'xdpw.conf'), '[screencast]\nchooser_type=none\noutput_name=HEADLESS-1\nmax_fps=30\n');
  const chromiumArgs = [...CHROMIUM_ARGS, '--ozone-platform=wayland', '--enable-features=WebRTCPipeWireCapturer', '--enable-unsafe-swiftshader', '--use-fake-ui-for-media-stream', `--user-data-dir=${dir}/profile`, `--remote-debugging-port=${cdpPort}`, '--remote-debugging-address=127.0.0.1', 'about:blank'];
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  fs.writeFileSync(
    path.join(dir, 'session.sh'),
    [
      '#!/bin/bash',
      `cd ${q(dir)}`,
      'pipewire > pipewire.log 2>&1 &',
      'sleep 0.5',
      'wireplumber > wireplumber.log 2>&1 &',
      `WLR_BACKENDS=headless WLR_RENDERER=pixman WLR_LIBINPUT_NO_DEVICES=1 sway -c sway.conf > sway.log 2>&1 &`,
      'for i in $(seq 100); do [ -S "$XDG_RUNTIME_DIR/wayland-1" ] && break; sleep 0.1; done',
      'export WAYLAND_DISPLAY=wayland-1 XDG_CURRENT_DESKTOP=sway XDG_SESSION_TYPE=wayland',
      'dbus-update-activation-environment WAYLAND_DISPLAY XDG_CURRENT_DESKTOP XDG_SESSION_TYPE',
      '/usr/libexec/xdg-desktop-portal-wlr -l DEBUG -c xdpw.conf > xdpw.log 2>&1 &',
      // The portal must find this backend, not start one by D-Bus activation (which then owns the name,
      // without our configuration and log, and ours exits "failed to acquire service name").
      'for i in $(seq 100); do dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.impl.portal.desktop.wlr 2>/dev/null | grep -q "boolean true" && break; sleep 0.1; done',
      '/usr/libexec/xdg-desktop-portal -v > portal.log 2>&1 &',
      // Chromium asks the portal once, at its first capture: have the ScreenCast portal up before.
      'for i in $(seq 100); do grep -q "providing portal org.freedesktop.portal.ScreenCast" portal.log 2>/dev/null && break; sleep 0.1; done',
      `${q(CHROMIUM_PATH)} ${chromiumArgs.map(q).join(' ')} > chromium.log 2>&1 &`,
      'wait',
    ].join('\n'),
    { mode: 0o755 },
  );
  spawnSync('chown', ['-R', USER, dir]);
  const session: ChildProcess = spawn('runuser', ['-u', USER, '--', 'env', '-i', `HOME=${dir}`, `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, `XDG_RUNTIME_DIR=${run}`, 'dbus-run-session', '--', path.join(dir, 'session.sh')], { detached: true, stdio: 'ignore' });
  const log = (name: string) => {
    try {
      return fs.readFileSync(path.join(dir, `${name}.log`), 'utf8');
    } catch {
      return '';
    }
  };
  const stop = async () => {
    try {
      process.kill(-session.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    // Whatever the session started and left running (the D-Bus activated services too).
    spawnSync('pkill', ['-TERM', '-u', USER]);
    for (let i = 0; i < 30 && spawnSync('pgrep', ['-u', USER], { stdio: 'ignore' }).status === 0; i++) await new Promise((r) => setTimeout(r, 100));
    spawnSync('pkill', ['-KILL', '-u', USER]);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const cdpUrl = `http://127.0.0.1:${cdpPort}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${cdpUrl}/json/version`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      const why = ['sway', 'portal', 'chromium'].map((n) => `${n}: ${log(n).slice(-600)}`).join('\n');
      await stop();
      throw new Error(`the Wayland session's Chromium did not come up in 30 s:\n${why}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { dir, cdpUrl, log: log as WaylandSession['log'], stop };
}

export { startMutterSession, type MutterSession } from './mutter-session.mjs';
