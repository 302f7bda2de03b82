// Remote desktop sound, clipboard and quality with real peers: a private PulseAudio daemon is the host
// session's sound server (a tone plays into its sink) and reaches the viewer as Opus; clipboard text
// goes both ways between the /remote page in Chromium and X applications in the display (xclip); a
// view-only viewer gets none and cannot set it; choosing a lower quality re-encodes the capture at a
// smaller size, and "auto" returns to full size; real packet loss on the host's WebRTC ports (a
// loopback firewall rule, where this runs as root) lowers the quality by itself, and it recovers.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../test-support/browser.js';
import { api, cleanEnv, startHost, type HostProcess } from '../../test-support/host-process.js';
import { pidsMatching } from '../../test-support/media.js';
import { canDropPackets, dropUdpFromPorts } from '../../test-support/netloss.js';
import { havePulse, startPulse, type PulseServer } from '../../test-support/pulse.js';
import { pairViewer, remoteState } from '../../test-support/remote.js';
import { waitFor } from '../../test-support/wait.js';

const W = 640;
const H = 360;
/** The host's WebRTC ports: a narrow range, so that a firewall rule can make exactly them lossy. */
const ICE_MIN = 42_000 + Math.floor(Math.random() * 6000);
const ICE_MAX = ICE_MIN + 20;

describe.runIf(havePulse())('remote desktop sound, clipboard and quality', () => {
  let pulse: PulseServer;
  let host: HostProcess;
  let browser: Browser;
  let context: BrowserContext;
  let display = { id: '', name: '' };
  let session = { id: '', pairingCode: '' };
  let viewer: Page;
  const copiers: ChildProcess[] = [];

  /** An X application in the display copying `text` (xclip in the foreground owns the selection). */
  const copyOnHost = (text: string): void => {
    const child = spawn('xclip', ['-quiet', '-selection', 'clipboard', '-i'], { env: { ...process.env, DISPLAY: display.name }, stdio: ['pipe', 'ignore', 'ignore'] });
    child.stdin.end(text);
    copiers.push(child);
  };
  /** What an application in the display pastes. */
  const pasteOnHost = (): Promise<string> =>
    new Promise((resolve) => {
      execFile('xclip', ['-o', '-selection', 'clipboard'], { env: { ...process.env, DISPLAY: display.name }, timeout: 3000 }, (_e, out) => resolve(String(out)));
    });

  beforeAll(async () => {
    pulse = await startPulse();
    host = await startHost({
      env: cleanEnv({ PULSE_SERVER: pulse.server, STREAMS_WEBRTC_PORT_MIN: String(ICE_MIN), STREAMS_WEBRTC_PORT_MAX: String(ICE_MAX) }),
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: W, height: H }, permissions: ['clipboard-read', 'clipboard-write'] });
    const created = await api(host, 'POST', '/api/v1/displays', { width: W, height: H, refreshHz: 30 });
    expect(created.status, created.text).toBe(201);
    display = created.json as typeof display;
    session = (await api(host, 'POST', '/api/v1/remote/sessions', { displayId: display.id, permission: 'control' })).json as typeof session;
  }, 60_000);

  afterAll(async () => {
    for (const c of copiers) c.kill('SIGKILL');
    await browser?.close();
    expect(await host?.stop('SIGTERM')).toBe(0);
    pulse?.stop();
    expect(pidsMatching(host.home)).toEqual([]);
  });

  it('sends the host session sound to the viewer as Opus', async () => {
    pulse.playTone(440);
    viewer = await pairViewer(context, host, session.pairingCode, { width: W, height: H });
    await waitFor('sound to arrive', async () => {
      const s = await remoteState(viewer);
      return s.audio && s.audioBytes > 20_000;
    }, 20_000);
    // The tone itself: Opus that the receiver decodes and measures as audio energy.
    const heard = await waitFor('audible sound', async () => {
      const s = await remoteState(viewer);
      return s.audioEnergy > 0 ? s : undefined;
    }, 15_000);
    expect(heard.audioCodec).toBe('audio/opus');
  });

  it('shares clipboard text both ways with a control viewer', async () => {
    copyOnHost('copied on the host ✓');
    await waitFor('the viewer to get the host clipboard', async () => (await remoteState(viewer)).clipboard === 'copied on the host ✓', 10_000);
    expect(await viewer.inputValue('#cliptext')).toBe('copied on the host ✓');

    await viewer.click('#clipbtn');
    await viewer.fill('#cliptext', 'sent from the panel\nline two');
    await viewer.click('#clipsend');
    await waitFor('an application to paste the panel text', async () => (await pasteOnHost()) === 'sent from the panel\nline two', 10_000);

    // The paste shortcut carries the viewer's own clipboard first.
    await viewer.evaluate(() => navigator.clipboard.writeText('pasted with Ctrl+V'));
    await viewer.click('#clipbtn');
    await viewer.focus('#video');
    await viewer.keyboard.press('Control+KeyV');
    await waitFor('an application to paste the viewer clipboard', async () => (await pasteOnHost()) === 'pasted with Ctrl+V', 10_000);
  });

  it('gives a view-only viewer no clipboard and refuses its clipboard text', async () => {
    const view = (await api(host, 'POST', '/api/v1/remote/sessions', { displayId: display.id, permission: 'view' })).json as typeof session;
    const page = await pairViewer(context, host, view.pairingCode, { width: W, height: H });
    expect(await page.isDisabled('#clipbtn')).toBe(true);
    copyOnHost('not for view-only viewers');
    await waitFor('the control viewer to get it', async () => (await remoteState(viewer)).clipboard === 'not for view-only viewers', 10_000);
    expect((await remoteState(page)).clipboard).toBeNull();
    // A page that sends clipboard text anyway is refused, and the display's clipboard is unchanged.
    await page.evaluate(() => {
      (document.getElementById('cliptext') as HTMLTextAreaElement).value = 'forged';
      document.getElementById('clipsend')!.click();
    });
    await waitFor('the refusal', async () => (await remoteState(page)).errors.some((e) => e.startsWith('FORBIDDEN')), 10_000);
    expect(await pasteOnHost()).toBe('not for view-only viewers');
    await page.close();
    await api(host, 'DELETE', `/api/v1/remote/sessions/${view.id}`);
  });

  it('re-encodes at a lower quality when the viewer chooses it, and returns to full size on auto', async () => {
    expect((await remoteState(viewer)).quality).toMatchObject({ level: 0, choice: 'auto', width: W, height: H });
    await viewer.selectOption('#quality', '3');
    const low = await waitFor('half-size frames', async () => {
      const s = await remoteState(viewer);
      return s.videoWidth === W / 2 && s.quality?.level === 3 ? s : undefined;
    }, 15_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await remoteState(viewer))}\n${host.stdout().slice(-2500)}`);
    });
    expect(low.quality).toMatchObject({ choice: 3, width: W / 2, height: H / 2, fps: 15 });
    expect(low.videoHeight).toBe(H / 2);
    // The host sees the viewer's choice and its receiver reports.
    const network = await waitFor('the viewer network in the session list', async () => {
      const sessions = (await api(host, 'GET', '/api/v1/remote/sessions')).json as { id: string; viewers: { network?: { level: number; auto: boolean; lossPercent: number; rttMs: number | null } }[] }[];
      return sessions.find((x) => x.id === session.id)?.viewers[0]?.network;
    }, 10_000);
    expect(network).toMatchObject({ level: 3, auto: false });
    expect(network.lossPercent).toBeGreaterThanOrEqual(0);
    await viewer.selectOption('#quality', 'auto');
    await waitFor('full-size frames again', async () => (await remoteState(viewer)).videoWidth === W, 15_000);
    expect((await remoteState(viewer)).quality).toMatchObject({ level: 0, choice: 'auto' });
    expect((await remoteState(viewer)).errors).toEqual([]);
  });

  it('moves the host pointer by relative motion under pointer lock', async () => {
    const lock = (await viewer.locator('#lock').boundingBox())!;
    const from = { x: lock.x + lock.width / 2, y: lock.y + lock.height / 2 };
    await viewer.click('#lock');
    await waitFor('the pointer lock', async () => (await remoteState(viewer)).pointerLocked, 5000);
    // Locked, the pointer starts at the centre of the display and follows the mouse's movement:
    // 64 x 36 CSS pixels over a 640 x 360 picture shown at 640 x 360.
    await viewer.mouse.move(from.x + 64, from.y + 36);
    const where = () => spawnSync('xdotool', ['getmouselocation'], { env: { ...process.env, DISPLAY: display.name }, encoding: 'utf8' }).stdout;
    await waitFor('the pointer at 384,216', () => /x:384 y:216/.test(where()), 5000).catch((error: Error) => {
      throw new Error(`${error.message}: ${where()}`);
    });
    await viewer.evaluate(() => document.exitPointerLock());
    await waitFor('the pointer lock to end', async () => !(await remoteState(viewer)).pointerLocked, 5000);
  });

  it.runIf(canDropPackets())('lowers the quality by itself when 20 % of the packets are lost, and raises it when the loss stops (needs root and iptables)', async () => {
    const restore = dropUdpFromPorts(ICE_MIN, ICE_MAX, 0.2);
    try {
      const lowered = await waitFor('the automatic level to step down', async () => {
        const s = await remoteState(viewer);
        return s.quality && s.quality.choice === 'auto' && s.quality.level >= 1 ? s.quality : undefined;
      }, 20_000);
      expect(lowered.bitrateKbps).toBeLessThan(4000);
    } finally {
      restore();
    }
    const worst = (await remoteState(viewer)).quality!.level;
    await waitFor('the level to step up again on a clean network', async () => (await remoteState(viewer)).quality!.level < worst, 30_000);
    await waitFor('frames decoding', async () => (await remoteState(viewer)).fps > 5, 10_000);
  }, 90_000);

  it('stops the capture and the sound encoder when the last viewer leaves', async () => {
    expect(pidsMatching(`x11grab.*${display.name}\\.0`).length).toBe(1);
    expect(pidsMatching('fragment_size').length).toBe(1);
    await viewer.click('#leave');
    await waitFor('no capture or sound ffmpeg left', () => pidsMatching(`x11grab.*${display.name}\\.0`).length === 0 && pidsMatching('fragment_size').length === 0, 10_000);
  });
});
