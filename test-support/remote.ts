import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { HostProcess } from './host-process.js';
import { waitFor } from './wait.js';

/** What the /remote viewer page exposes as `window.remote`. */
export interface RemoteState {
  phase: string;
  width: number;
  height: number;
  videoWidth?: number;
  videoHeight?: number;
  frames: number;
  fps: number;
  /** Received video bitrate over the last stats tick (one a second). */
  kbps: number;
  errors: string[];
  received: string[];
  endedAt: number | null;
  audio: boolean;
  audioBytes: number;
  audioEnergy: number;
  audioCodec: string | null;
  clipboard: string | null;
  quality: { level: number; choice: number | 'auto'; width: number; height: number; bitrateKbps: number; fps: number } | null;
  pointerLocked: boolean;
  latencyMs: number | null;
  /** The host's capture of the display: lost while a Wayland desktop or PipeWire is away. */
  capture: 'running' | 'lost';
}

export const remoteState = (page: Page): Promise<RemoteState> => page.evaluate(() => (window as unknown as { remote: RemoteState }).remote);

/** Opens /remote in a new page of `from`, pairs with `code` and waits for decoded frames. */
export async function pairViewer(from: Browser | BrowserContext, host: HostProcess, code: string, viewport = { width: 640, height: 360 }): Promise<Page> {
  const page = 'newContext' in from ? await from.newPage({ viewport }) : await from.newPage();
  if (!('newContext' in from)) await page.setViewportSize(viewport);
  await page.goto(`${host.url}/remote`);
  await page.fill('#code', code);
  await page.click('#connect');
  await waitFor('the viewer to decode frames', async () => {
    const s = await remoteState(page);
    return s.phase === 'connected' && (s.videoWidth ?? 0) > 0 && s.frames > 5;
  }, 30_000);
  return page;
}

/** The spectrum of the sound a /remote page receives: its strongest frequency, and how far it stands out. */
export interface ReceivedSpectrum {
  /** The strongest frequency, interpolated between the bins around the peak. */
  peakHz: number;
  /** Width of one FFT bin. */
  binHz: number;
  peakDb: number;
  /** Median level of the bins away from the peak (the noise floor), in dB. */
  floorDb: number;
}

/**
 * Measures the sound the viewer page receives with a WebAudio analyser on its received track (set up
 * on the first call; null until the track is there): the power spectrum averaged over `frames` reads
 * `everyMs` apart (the receiver's jitter buffer stretches and conceals bits of a tone, which moves a
 * single window's peak by a bin or two). Levels are dBFS, floored at -200 (digital silence).
 */
export const receivedSpectrum = (page: Page, frames = 8, everyMs = 100): Promise<ReceivedSpectrum | null> =>
  page.evaluate(
    async ({ frames, everyMs }) => {
      const w = window as unknown as { soundAnalyser?: AnalyserNode };
      if (!w.soundAnalyser) {
        const stream = (document.getElementById('sound') as HTMLAudioElement | null)?.srcObject as MediaStream | null;
        if (!stream || stream.getAudioTracks().length === 0) return null;
        const ctx = new AudioContext();
        await ctx.resume();
        const analyser = ctx.createAnalyser();
        analyser.fftSize = 8192;
        analyser.smoothingTimeConstant = 0;
        const mute = ctx.createGain();
        mute.gain.value = 0;
        ctx.createMediaStreamSource(stream).connect(analyser).connect(mute).connect(ctx.destination);
        w.soundAnalyser = analyser;
      }
      const analyser = w.soundAnalyser;
      const bins = new Float32Array(analyser.frequencyBinCount);
      const power = new Float64Array(bins.length);
      for (let f = 0; f < frames; f++) {
        if (f > 0) await new Promise((r) => setTimeout(r, everyMs));
        analyser.getFloatFrequencyData(bins);
        for (let i = 0; i < bins.length; i++) power[i]! += 10 ** (bins[i]! / 10) / frames;
      }
      const db = Array.from(power, (p) => Math.max(-200, 10 * Math.log10(p)));
      let peak = 1;
      for (let i = 2; i < db.length - 1; i++) if (db[i]! > db[peak]!) peak = i;
      // Parabolic interpolation over the peak bin and its neighbours.
      const [a, b, c] = [db[peak - 1]!, db[peak]!, db[peak + 1]!];
      const offset = a - 2 * b + c === 0 ? 0 : (0.5 * (a - c)) / (a - 2 * b + c);
      const rest = db.filter((_, i) => Math.abs(i - peak) > 8).sort((x, y) => x - y);
      const binHz = analyser.context.sampleRate / analyser.fftSize;
      return { peakHz: (peak + offset) * binHz, binHz, peakDb: b, floorDb: rest[rest.length >> 1]! };
    },
    { frames, everyMs },
  );

/** xev's report as events: `KeyPress:Control_L`, `ButtonPress:200,100`... */
export function xevEvents(text: string): string[] {
  return text.split(/\n\s*\n/).flatMap((block) => {
    const type = /^(KeyPress|KeyRelease|ButtonPress|ButtonRelease) event/m.exec(block)?.[1];
    if (!type) return [];
    const key = /keysym 0x[0-9a-f]+, (\w+)\)/.exec(block)?.[1];
    const at = /root:\((\d+),(\d+)\)/.exec(block);
    return [`${type}:${key ?? (at ? `${at[1]},${at[2]}` : '?')}`];
  });
}

/** The Wayland client's page: a new hue and number every frame; clicks, keys and wheel turns kept in `window.got`. */
export const WAYLAND_CLIENT_PAGE = `data:text/html,${encodeURIComponent(`<!doctype html><html><body style="margin:0;overflow:hidden">
<canvas id="c"></canvas><script>
const c = document.getElementById('c'); c.width = innerWidth; c.height = innerHeight;
const g = c.getContext('2d');
window.got = { clicks: [], keys: [], wheels: [], frame: 0, moves: 0, log: [] };
addEventListener('mousemove', () => got.moves++);
addEventListener('wheel', (e) => got.wheels.push(Math.sign(e.deltaY)));
for (const t of ['pointerenter','pointerleave','mouseup','focus','blur']) addEventListener(t, (e) => got.log.push(t + (e.clientX !== undefined ? ':' + e.clientX + ',' + e.clientY : '')));
addEventListener('mousedown', (e) => got.clicks.push([e.clientX, e.clientY, e.button]));
addEventListener('keydown', (e) => got.keys.push(e.key));
(function draw() {
  got.frame++;
  if (c.width !== innerWidth || c.height !== innerHeight) { c.width = innerWidth; c.height = innerHeight; }
  g.fillStyle = 'hsl(' + ((got.frame * 37) % 360) + ' 90% 50%)';
  g.fillRect(0, 0, c.width, c.height);
  g.fillStyle = '#fff'; g.font = '64px sans-serif'; g.fillText(String(got.frame), 40, 100);
  requestAnimationFrame(draw);
})();
</script></body></html>`)}`;

/** The viewer's picture at its centre, as [r, g, b]. */
export const centrePixel = (viewer: Page): Promise<number[]> =>
  viewer.evaluate(() => {
    const video = document.getElementById('video') as HTMLVideoElement;
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 36;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(video, 0, 0, 64, 36);
    return [...ctx.getImageData(32, 24, 1, 1).data.slice(0, 3)];
  });

/** The Wayland client page of a desktop's Chromium (over DevTools), once it has drawn a few frames. */
export async function connectWaylandClient(cdpUrl: string): Promise<{ client: Browser; page: Page }> {
  const client = await chromium.connectOverCDP(cdpUrl);
  const page = client.contexts()[0]!.pages()[0]!;
  await waitFor('the Wayland client to draw', async () => ((await page.evaluate(() => (window as unknown as { got?: { frame: number } }).got?.frame)) ?? 0) > 10, 20_000);
  return { client, page };
}

/** The viewer's picture changes from one look to the next (the client repaints every frame), at a steady rate. */
export async function expectChangingPicture(viewer: Page): Promise<void> {
  const seen = new Set<string>();
  for (let i = 0; i < 8; i++) {
    const [r, g, b] = await centrePixel(viewer);
    seen.add(`${Math.round(r! / 32)},${Math.round(g! / 32)},${Math.round(b! / 32)}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  if (seen.size < 4) throw new Error(`the picture did not change: colours seen ${[...seen].join(' ')}`);
  await waitFor('a steady frame rate at the viewer', async () => (await remoteState(viewer)).fps >= 10, 15_000);
}
