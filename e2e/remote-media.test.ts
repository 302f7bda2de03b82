// Remote desktop sound, clipboard and quality with real peers: a private PulseAudio daemon is the host
// session's sound server (a 440 Hz tone plays into its sink) and reaches the viewer as Opus, where the
// page's WebAudio analyser finds the tone; clipboard text goes both ways between the /remote page in
// Chromium and X applications in the display (xclip); a view-only viewer gets none and cannot set it;
// with moving noise on the display (ffplay), choosing a lower quality re-encodes the capture at a
// smaller size and that level's bitrate, and "auto" returns to full size; real packet loss on the
// host's WebRTC ports (a loopback firewall rule, where this runs as root) lowers the quality by itself,
// and it recovers. Only the sound test needs PulseAudio (and a host ffmpeg with a pulse input), only the
// loss test root and iptables.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../test-support/browser.js';
import { api, cleanEnv, startHost, type HostProcess } from '../test-support/host-process.js';
import { hostFfmpegHasDevice, pidsMatching, stopHostCleanly } from '../test-support/media.js';
import { canDropPackets, dropUdpFromPorts } from '../test-support/netloss.js';
import { needs, recordSkip } from '../test-support/peers.js';
import { startPulse, type PulseServer } from '../test-support/pulse.js';
import { pairViewer, receivedSpectrum, remoteState, type ReceivedSpectrum } from '../test-support/remote.js';
import { waitFor } from '../test-support/wait.js';
import { encodeSettings, LOSS_CLEAN } from '../src-main/remote/quality.js';

const W = 640;
const H = 360;
/** The host's WebRTC ports: a narrow range, so that a firewall rule can make exactly them lossy. */
const ICE_MIN = 42_000 + Math.floor(Math.random() * 6000);
const ICE_MAX = ICE_MIN + 20;
/** The capture's full-quality bitrate (remote.bitrateKbps); each level sends its share of it. */
const FULL_KBPS = 2000;
/** What the host announces and encodes at a level: the level table applied to this display. */
const settingsAt = (level: number) => encodeSettings(level, { width: W, height: H, fps: 30 }, FULL_KBPS);
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

describe.skipIf(needs('xvfb', 'chromium', 'xclip', 'xdotool'))('remote desktop sound, clipboard and quality', () => {
  // The host sends sound only when PulseAudio runs and its ffmpeg can read from it (the npm-shipped 4.1 cannot).
  const noPulse =
    needs('pulseaudio') ||
    (hostFfmpegHasDevice('pulse') ? false : recordSkip("sound: the host's ffmpeg has no PulseAudio input (the npm-shipped 4.1 has none); the host keeps sound off"));
  let pulse: PulseServer | undefined;
  let noise: ChildProcess | undefined;
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

  /**
   * The viewer's received video bitrate, one sample per stats tick for `ms`, with the level it was
   * announced at; only ticks with two ticks at the same level before them count (the capture restarts
   * on a change, and the first second mixes levels).
   */
  const steadyKbps = async (ms: number): Promise<{ level: number; kbps: number }[]> => {
    const ticks: { level: number; kbps: number; frames: number }[] = [];
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const s = await remoteState(viewer);
      if (s.quality && s.frames !== ticks.at(-1)?.frames) ticks.push({ level: s.quality.level, kbps: s.kbps, frames: s.frames });
      await new Promise((r) => setTimeout(r, 250));
    }
    return ticks.filter((t, i) => i >= 2 && ticks[i - 1]!.level === t.level && ticks[i - 2]!.level === t.level).map(({ level, kbps }) => ({ level, kbps }));
  };

  beforeAll(async () => {
    pulse = noPulse ? undefined : await startPulse();
    host = await startHost({
      env: cleanEnv({
        // Without PulseAudio, a sound server that does not answer: the host sends no sound.
        PULSE_SERVER: pulse?.server ?? 'unix:/nonexistent/streams-test-no-pulse',
        STREAMS_REMOTE_BITRATE_KBPS: String(FULL_KBPS),
        STREAMS_WEBRTC_PORT_MIN: String(ICE_MIN),
        STREAMS_WEBRTC_PORT_MAX: String(ICE_MAX),
      }),
    });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: W, height: H }, permissions: ['clipboard-read', 'clipboard-write'] });
    const created = await api(host, 'POST', '/api/v1/displays', { width: W, height: H, refreshHz: 30 });
    expect(created.status, created.text).toBe(201);
    display = created.json as typeof display;
    session = (await api(host, 'POST', '/api/v1/remote/sessions', { displayId: display.id, permission: 'control' })).json as typeof session;
    viewer = await pairViewer(context, host, session.pairingCode, { width: W, height: H });
  }, 90_000);

  afterAll(async () => {
    for (const c of copiers) c.kill('SIGKILL');
    noise?.kill('SIGKILL');
    await browser?.close();
    await stopHostCleanly(host);
    pulse?.stop();
  });

  it.skipIf(noPulse)('sends the host session sound to the viewer as Opus: the tone played on the host is heard at its pitch', async () => {
    /** Waits until the strongest frequency the viewer hears is `hz` (within one FFT bin, about 5 Hz), 50 dB over the floor. */
    const hear = async (hz: number): Promise<ReceivedSpectrum> => {
      let last: ReceivedSpectrum | null = null;
      return waitFor(`the ${hz} Hz tone in the received sound`, async () => {
        last = await receivedSpectrum(viewer);
        return last && Math.abs(last.peakHz - hz) <= last.binHz && last.peakDb - last.floorDb >= 50 ? last : undefined;
      }, 15_000).catch((error: Error) => {
        throw new Error(`${error.message}; last heard ${JSON.stringify(last)}`);
      });
    };
    const a = pulse!.playTone(440);
    await waitFor('sound to arrive', async () => {
      const s = await remoteState(viewer);
      return s.audio && s.audioBytes > 20_000;
    }, 20_000);
    expect((await remoteState(viewer)).audioCodec).toBe('audio/opus');
    await hear(440);
    // Another pitch moves the peak: what is measured is the played tone, not an artefact at 440 Hz.
    a.kill('SIGKILL');
    pulse!.playTone(1000);
    await hear(1000);
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

  it('re-encodes at a lower quality when the viewer chooses it', async () => {
    expect((await remoteState(viewer)).quality).toMatchObject({ level: 0, choice: 'auto', width: W, height: H, bitrateKbps: FULL_KBPS });
    await viewer.selectOption('#quality', '3');
    const low = await waitFor('half-size frames', async () => {
      const s = await remoteState(viewer);
      return s.videoWidth === W / 2 && s.quality?.level === 3 ? s : undefined;
    }, 15_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await remoteState(viewer))}\n${host.stdout().slice(-2500)}`);
    });
    // The level table applied to this display: half the size, half the rate, a quarter of the bitrate.
    expect(settingsAt(3)).toEqual({ width: W / 2, height: H / 2, fps: 15, bitrateKbps: FULL_KBPS / 4 });
    expect(low.quality).toMatchObject({ choice: 3, ...settingsAt(3) });
    expect(low.videoHeight).toBe(H / 2);
    // The host sees the viewer's choice and its receiver reports: on a clean loopback, no loss it counts.
    const network = await waitFor('the viewer network in the session list', async () => {
      const sessions = (await api(host, 'GET', '/api/v1/remote/sessions')).json as { id: string; viewers: { network?: { level: number; auto: boolean; lossPercent: number; rttMs: number | null } }[] }[];
      return sessions.find((x) => x.id === session.id)?.viewers[0]?.network;
    }, 10_000);
    expect(network).toMatchObject({ level: 3, auto: false });
    expect(network.lossPercent).toBeLessThan(LOSS_CLEAN * 100);
  });

  it.skipIf(needs('ffplay'))("sends the chosen level's bitrate when the picture needs all of it", async () => {
    // Noise changing every frame over the whole display: the encoder spends its whole bitrate. (At full
    // quality the viewer's decoding of it loads these machines enough to trip the automatic level.)
    noise = spawn('ffplay', ['-hide_banner', '-loglevel', 'error', '-an', '-noborder', '-left', '0', '-top', '0', '-x', String(W), '-y', String(H), '-f', 'lavfi', '-i', `color=c=gray:s=${W}x${H}:r=30,noise=alls=100:allf=t`], {
      env: { ...process.env, DISPLAY: display.name },
      stdio: 'ignore',
    });
    try {
      const target = settingsAt(3).bitrateKbps;
      await waitFor('the noise to fill the bitrate', async () => (await remoteState(viewer)).kbps > target / 2, 10_000);
      const samples = await steadyKbps(6000);
      expect(samples.length).toBeGreaterThanOrEqual(3);
      expect(samples.every((s) => s.level === 3)).toBe(true);
      const kbps = median(samples.map((s) => s.kbps));
      expect(kbps, JSON.stringify(samples)).toBeGreaterThan(0.6 * target);
      expect(kbps, JSON.stringify(samples)).toBeLessThanOrEqual(1.3 * target);
    } finally {
      noise.kill('SIGKILL');
    }
  });

  it('returns to full size on auto', async () => {
    await viewer.selectOption('#quality', 'auto');
    await waitFor('full-size frames again', async () => (await remoteState(viewer)).videoWidth === W, 15_000);
    expect((await remoteState(viewer)).quality).toMatchObject({ level: 0, choice: 'auto', ...settingsAt(0) });
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

  const noLoss = needs('root', 'iptables') || (!canDropPackets() && recordSkip('needs the iptables statistic match (xt_statistic) to drop a share of packets'));
  it.skipIf(noLoss)('lowers the quality by itself when 20 % of the packets are lost, and raises it when the loss stops', async () => {
    const restore = dropUdpFromPorts(ICE_MIN, ICE_MAX, 0.2);
    try {
      const lowered = await waitFor('the automatic level to step down', async () => {
        const s = await remoteState(viewer);
        return s.quality && s.quality.choice === 'auto' && s.quality.level >= 1 ? s.quality : undefined;
      }, 20_000);
      // That level's settings, its bitrate among them, from the level table.
      expect(lowered).toMatchObject(settingsAt(lowered.level));
    } finally {
      restore();
    }
    const worst = (await remoteState(viewer)).quality!.level;
    await waitFor('the level to step up again on a clean network', async () => (await remoteState(viewer)).quality!.level < worst, 30_000);
    await waitFor('frames decoding', async () => (await remoteState(viewer)).fps > 5, 10_000);
  }, 90_000);

  it('stops the capture and the sound encoder when the last viewer leaves', async () => {
    // One capture (a level change that is under way replaces it within a moment).
    await waitFor('one capture ffmpeg', () => pidsMatching(`x11grab.*${display.name}\\.0`).length === 1, 5000);
    // A sound encoder only where a sound server answers.
    expect(pidsMatching('fragment_size').length).toBe(pulse ? 1 : 0);
    expect((await remoteState(viewer)).audio).toBe(pulse !== undefined);
    await viewer.click('#leave');
    await waitFor('no capture or sound ffmpeg left', () => pidsMatching(`x11grab.*${display.name}\\.0`).length === 0 && pidsMatching('fragment_size').length === 0, 10_000);
  });
});
