// A wall clock that jumps an hour forward and an hour back (NTP stepping a clock, a laptop waking, a
// person setting the date): the host runs under libfaketime (its monotonic clock untouched, as a real
// step leaves it), and nothing a viewer or the owner holds may break: low-latency HLS in hls.js, a WHEP
// viewer, JWTs issued before and during the jump, a library job's progress and ETA.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, cleanEnv, startHost, type HostProcess } from '../test-support/host-process.js';
import { exitOf, publishTestPattern } from '../test-support/media.js';
import { libfaketimePath, needs } from '../test-support/peers.js';
import { makeClip, tusUpload } from '../test-support/vod-media.js';
import { waitFor } from '../test-support/wait.js';
import { inboundStats, launchMediaChromium, startWhepViewer, startWhipPublisher } from '../test-support/webrtc.js';

const require = createRequire(import.meta.url);
const HLS_JS = fs.readFileSync(require.resolve('hls.js/dist/hls.min.js'), 'utf8');
const HOUR_S = 3600;

describe.skipIf(needs('chromium', 'ffmpeg', 'faketime'))('a wall clock that jumps an hour forward and back', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'clock-jump-'));
  const clockFile = path.join(work, 'offset');
  let host: HostProcess;
  let browser: Browser;
  let player: Page;
  let viewer: Page;
  let publisher: ReturnType<typeof publishTestPattern>;
  let longJwt = '';
  /** A JWT issued while the clock was an hour ahead. */
  let longJwtIssuedAhead = '';
  let clip: Promise<string>;
  let whipPage: Page;
  let whipKey = '';

  /** Moves the host's wall clock (libfaketime reads the file again within a second) and waits until the host sees it. */
  async function setOffset(hours: number): Promise<void> {
    fs.writeFileSync(clockFile, `${hours >= 0 ? '+' : ''}${hours}h\n`);
    // The host's wall clock as its HTTP Date header gives it (its uptime is on the monotonic clock).
    await waitFor(`the host's clock at ${hours} h`, async () => {
      const ahead = Date.parse((await fetch(`${host.url}/healthz`)).headers.get('date') ?? '') - Date.now();
      return hours > 0 ? ahead > (HOUR_S / 2) * 1000 : ahead < (HOUR_S / 2) * 1000;
    }, 10_000, 250);
  }

  /** A page of the host's origin (WHIP and WHEP need no CORS there). */
  const pageAt = async (route: string): Promise<Page> => {
    const p = await browser.newPage();
    await p.route(`${host.url}${route}`, (r) => r.fulfill({ contentType: 'text/html', body: '<video id=v muted playsinline></video>' }));
    await p.goto(`${host.url}${route}`);
    return p;
  };

  const mediaPlaylist = async (jwt: string): Promise<{ msn: number; pdt: number }> => {
    const text = await (await fetch(`${host.url}/live/clock/v0.m3u8?jwt=${jwt}`)).text();
    const msn = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? NaN) + text.split('#EXTINF').length - 1;
    const dates = [...text.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/g)].map((m) => Date.parse(m[1]!));
    return { msn, pdt: dates[dates.length - 1] ?? NaN };
  };

  /** What the players and the queue show over `ms`: hls.js's progress, WHEP frames, the job. */
  async function watchFor(ms: number): Promise<{ hlsAdvancedSec: number; hlsErrors: string[]; whepFrames: number; whepState: string }> {
    const t0 = (await player.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime)) as number;
    const f0 = (await inboundStats(viewer)).framesDecoded;
    await new Promise((resolve) => setTimeout(resolve, ms));
    const t1 = (await player.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime)) as number;
    const stats = await inboundStats(viewer);
    const hlsErrors = (await player.evaluate(() => (window as unknown as { errors: string[] }).errors)) as string[];
    return { hlsAdvancedSec: t1 - t0, hlsErrors, whepFrames: stats.framesDecoded - f0, whepState: stats.state };
  }

  /** When this test started the host (its uptime can be no longer than the time since). */
  let hostStartedPerfMs = 0;

  beforeAll(async () => {
    fs.writeFileSync(clockFile, '+0\n');
    hostStartedPerfMs = performance.now();
    clip = makeClip(path.join(work, 'clip.mp4'), { seconds: 150, scenes: 6, size: '640x360' });
    host = await startHost({
      env: cleanEnv({
        LD_PRELOAD: libfaketimePath()!,
        FAKETIME_TIMESTAMP_FILE: clockFile,
        FAKETIME_CACHE_DURATION: '1',
        // A wall-clock step leaves CLOCK_MONOTONIC alone.
        FAKETIME_DONT_FAKE_MONOTONIC: '1',
        STREAMS_LIBRARY_DEFAULT_PRESET: 'balanced',
      }),
    });
    const created = await api(host, 'POST', '/api/v1/streams', { name: 'clock', ladder: 'passthrough', latency: 'low', dvrMinutes: 1, playAuth: 'jwt' });
    expect(created.status, created.text).toBe(201);
    publisher = publishTestPattern(`${created.json.ingest.rtmp}/${created.json.key}`, { size: '426x240', fps: 15 });
    // Two hours: one is left after the jump forward.
    longJwt = (await api(host, 'POST', '/api/v1/jwt', { action: 'read', streams: ['clock'], expiresInSec: 2 * HOUR_S })).json.token as string;
    await waitFor('three segments', async () => {
      const res = await fetch(`${host.url}/live/clock/v0.m3u8?jwt=${longJwt}`);
      return res.status === 200 && (await res.text()).split('#EXTINF').length > 3;
    }, 40_000);

    browser = await launchMediaChromium();
    player = await pageAt('/__player');
    await player.addScriptTag({ content: HLS_JS });
    await player.evaluate(async (src) => {
      const w = window as unknown as { Hls: any; errors: string[] };
      w.errors = [];
      const video = document.getElementById('v') as HTMLVideoElement;
      const hls = new w.Hls({ lowLatencyMode: true, backBufferLength: 30 });
      hls.on(w.Hls.Events.ERROR, (_e: unknown, d: any) => d.fatal && w.errors.push(`${d.type}/${d.details}`));
      hls.loadSource(src);
      hls.attachMedia(video);
      await video.play().catch((e: Error) => w.errors.push(`play: ${e.message}`));
    }, `${host.url}/live/clock/index.m3u8?jwt=${longJwt}`);
    viewer = await pageAt('/__viewer');
    expect((await startWhepViewer(viewer, `${host.url}/live/clock/whep?jwt=${longJwt}`)).status).toBe(201);
    await waitFor('both players playing', async () => {
      const time = (await player.evaluate(() => (document.getElementById('v') as HTMLVideoElement).currentTime)) as number;
      return time > 1 && (await inboundStats(viewer)).framesDecoded > 10;
    }, 30_000, 250);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (publisher) {
      publisher.kill('SIGKILL');
      await exitOf(publisher);
    }
    await host?.stop();
    if (host) fs.rmSync(host.home, { recursive: true, force: true });
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('playback, tokens and a running job carry on through a jump forward and a jump back', { timeout: 240_000 }, async () => {
    const uploadId = await tusUpload(host, await clip, { filename: 'Long take.mp4' });
    const videoId = await waitFor('the video', async () => {
      const list = (await api(host, 'GET', `/api/v1/videos?uploadId=${uploadId}`)).json as unknown as { items?: { id: string }[] } | { id: string }[];
      return (Array.isArray(list) ? list : (list.items ?? []))[0]?.id;
    }, 20_000);
    const job = async (): Promise<{ state: string; progress: number; etaSec: number | null; attempts: number; error: unknown }> => (await api(host, 'GET', `/api/v1/videos/${videoId}`)).json.job;
    await waitFor('the job running, with some progress', async () => {
      const j = await job();
      return j?.state === 'running' && j.progress > 0.05 ? j : undefined;
    }, 60_000, 250);

    for (const [hours, what] of [[1, 'forward'], [0, 'back']] as const) {
      const before = await mediaPlaylist(longJwt);
      const jobBefore = await job();
      const wallBefore = Date.now();
      await setOffset(hours);
      const jobJustAfter = await job();
      // Just after the jump the ETA neither leapt nor fell to nothing (the time since the last progress
      // sample, measured across an hour's step, would have been taken as an hour of work done).
      if (jobJustAfter.state === 'running' && jobBefore.etaSec! > 20) {
        const why = `ETA just after the jump ${what}: ${String(jobJustAfter.etaSec)} s, was ${String(jobBefore.etaSec)} s`;
        expect(jobJustAfter.etaSec!, why).toBeLessThanOrEqual(jobBefore.etaSec! + 10);
        expect(jobJustAfter.etaSec!, why).toBeGreaterThanOrEqual(jobBefore.etaSec! / 2 - 5);
      }
      if (hours === 1) {
        // A WHIP publisher that starts while the clock is ahead, to go silent after the jump back.
        const created = await api(host, 'POST', '/api/v1/streams', { name: 'clockw', ladder: 'passthrough' });
        expect(created.status, created.text).toBe(201);
        whipKey = created.json.key as string;
        whipPage = await pageAt('/__whip');
        expect((await startWhipPublisher(whipPage, `${host.url}/live/clockw/whip`, whipKey)).status).toBe(201);
        // As little picture as keeps it heard: its encoder must not slow the library job whose ETA is judged.
        await whipPage.evaluate(async () => {
          for (const sender of (window as unknown as { __pc: RTCPeerConnection }).__pc.getSenders()) {
            if (sender.track?.kind === 'video') await sender.track.applyConstraints({ width: 160, height: 90, frameRate: 5 });
          }
        });
      }
      // The host's uptime is read on the monotonic clock: an hour ahead, it still says minutes.
      const started = performance.now() - hostStartedPerfMs;
      for (const [where, body] of [['/healthz', (await api(host, 'GET', '/healthz')).json], ['/api/v1/system', (await api(host, 'GET', '/api/v1/system')).json]] as const) {
        expect(body.uptimeSec as number, `${where} uptime ${what}`).toBeLessThanOrEqual(Math.ceil(started / 1000) + 1);
      }
      // Past the WHEP silence timeout and a few segments.
      const watched = await watchFor(10_000);
      expect(watched.hlsErrors, what).toEqual([]);
      expect(watched.hlsAdvancedSec, `hls.js ${what}`).toBeGreaterThan(6);
      expect(watched.whepState, `WHEP ${what}`).toBe('connected');
      expect(watched.whepFrames, `WHEP frames ${what}`).toBeGreaterThan(60);
      const after = await mediaPlaylist(longJwt);
      expect(after.msn, `segments ${what}`).toBeGreaterThan(before.msn + 2);
      // The program date-time runs on with the media, without the jump: a PDT that leapt an hour would
      // be a discontinuity to every player (and to data timed against it).
      expect(Math.abs(after.pdt - before.pdt - (Date.now() - wallBefore)), `PDT ${what}`).toBeLessThan(5000);

      // A token issued before the jump, and one issued now, both play.
      const now = (await api(host, 'POST', '/api/v1/jwt', { action: 'read', streams: ['clock'], expiresInSec: 600 })).json.token as string;
      for (const jwt of [longJwt, now]) expect((await fetch(`${host.url}/live/clock/index.m3u8?jwt=${jwt}`)).status, `JWT ${what}`).toBe(200);
      if (hours === 1) longJwtIssuedAhead = now;

      // The job was not taken for stalled, and its ETA stays a sane figure.
      const j = await job();
      expect(j.attempts, `job attempts ${what}`).toBe(1);
      expect(j.error, `job error ${what}`).toBeNull();
      expect(jobBefore.state, `the job still running at the jump ${what}`).toBe('running');
      if (j.state === 'running') {
        // Ten seconds on, the ETA went down (a speed measured across the jump would have sent it up, or
        // frozen it for an hour).
        expect(j.etaSec, `ETA ${what}`).not.toBeNull();
        expect(j.etaSec!, `ETA ${what} (was ${String(jobBefore.etaSec)})`).toBeLessThan(jobBefore.etaSec!);
        expect(j.etaSec!, `ETA ${what}`).toBeGreaterThanOrEqual(0);
      }
    }
    // The WHIP publisher heard while the clock was ahead goes silent after the jump back: a new publisher
    // with its key takes over after STALE_PUBLISHER_MS (2 s) of silence, as without a step. Timed by the
    // wall clock, its silence would read as none for an hour: every new publisher refused (409) till then.
    await whipPage.evaluate(async () => {
      for (const sender of (window as unknown as { __pc: RTCPeerConnection }).__pc.getSenders()) await sender.replaceTrack(null);
    });
    const silentAt = Date.now();
    const next = await pageAt('/__whip2');
    const statuses: number[] = [];
    await waitFor('a new WHIP publisher taking over the silent one', async () => {
      const status = (await startWhipPublisher(next, `${host.url}/live/clockw/whip`, whipKey)).status;
      statuses.push(status);
      return status === 201;
    }, 20_000, 500);
    expect(Date.now() - silentAt, `took over after ${statuses.join(', ')}`).toBeLessThan(15_000);
    // Issued an hour "ahead" (its iat now in the future), still good.
    expect((await fetch(`${host.url}/live/clock/index.m3u8?jwt=${longJwtIssuedAhead}`)).status).toBe(200);
    // The job ran on through both steps in its first attempt (the host stops it at the end).
    expect(await job()).toMatchObject({ attempts: 1, error: null });
  });
});
