import fs from 'node:fs';
import path from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './browser.js';
import { launchDesktop, waitForDevTools } from './desktop-session.mjs';

/**
 * A Wayland desktop as a creator on sway has one: sway on its headless backend (software renderer),
 * PipeWire with WirePlumber, xdg-desktop-portal with its wlroots backend (ScreenCast), all in one
 * D-Bus session, and Chromium on Wayland with its PipeWire capturer, reachable over the DevTools
 * protocol on `cdpPort`. sway refuses to run as root, so the whole session runs as an unprivileged
 * user (test-support/desktop-session.mjs). Logs of each part stay in `dir` (`log(name)`).
 */
export interface WaylandSession {
  dir: string;
  cdpUrl: string;
  log(name: 'sway' | 'xdpw' | 'portal' | 'pipewire' | 'wireplumber' | 'chromium'): string;
  /** Ends the session and everything of its user; resolves once nothing of it runs. */
  stop(): Promise<void>;
}


export async function startWaylandSession(options: { cdpPort: number; width?: number; height?: number }): Promise<WaylandSession> {
  const { cdpPort, width = 1280, height = 720 } = options;
  if (!CHROMIUM_PATH) throw new Error('Chromium not found');
  const chromium = CHROMIUM_PATH;
  const desktop = launchDesktop({
    prefix: 'streams-wayland-',
    script: (dir, q) => {
      fs.writeFileSync(path.join(dir, 'sway.conf'), `output HEADLESS-1 resolution ${width}x${height}\n`);
      // The portal picks the one output itself: no chooser to click.
      fs.writeFileSync(path.join(dir, 'xdpw.conf'), '[screencast]\nchooser_type=none\noutput_name=HEADLESS-1\nmax_fps=30\n');
      const chromiumArgs = [...CHROMIUM_ARGS, '--ozone-platform=wayland', '--enable-features=WebRTCPipeWireCapturer', '--enable-unsafe-swiftshader', '--use-fake-ui-for-media-stream', `--user-data-dir=${dir}/profile`, `--remote-debugging-port=${cdpPort}`, '--remote-debugging-address=127.0.0.1', 'about:blank'];
      return [
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
        `${q(chromium)} ${chromiumArgs.map(q).join(' ')} > chromium.log 2>&1 &`,
      ];
    },
  });
  const cdpUrl = `http://127.0.0.1:${cdpPort}`;
  await waitForDevTools(desktop, cdpUrl, Date.now() + 30_000, ['sway', 'portal', 'chromium']);
  return { dir: desktop.dir, cdpUrl, log: desktop.log as WaylandSession['log'], stop: desktop.stop };
}

export { startMutterSession, startSwaySession, type MutterSession, type SwaySession } from './desktop-session.mjs';
