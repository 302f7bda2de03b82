// A protected show for DASH players: a real host packages an RTMP publish for low latency with Common
// Encryption (cbcs: the samples in every fragment encrypted, the init sections naming the key), and
// dash.js in Chromium, with its defaults, finds the ClearKey licence server in the MPD, asks it through
// EME (Chromium's own ClearKey decryptor) and plays; hls.js, told to use EME and given the licence
// server, plays the HLS side (SAMPLE-AES, ClearKey) the same way. A viewer whose licence request carries no
// credential gets the MPD and the segments, and no picture; the licence server's bad inputs are answered
// with their codes. A second host rotates the key every segment: hls.js follows the rotations (the new
// EXT-X-KEY, the fragments' seig and pssh) without a stall.
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EdgeProcess } from '../test-support/edge.js';
import { api, type HostProcess } from '../test-support/host-process.js';
import { needs } from '../test-support/peers.js';
import { startProtectedStream, type ProtectedStream } from '../test-support/protected-stream.js';
import { waitFor } from '../test-support/wait.js';

const DASH_JS = fs.readFileSync(new URL('../node_modules/dashjs/dist/modern/umd/dash.all.min.js', import.meta.url), 'utf8');
const HLS_JS = fs.readFileSync(new URL('../node_modules/hls.js/dist/hls.min.js', import.meta.url), 'utf8');

interface Played {
  advancedSec: number;
  /** Frames the browser decoded (getVideoPlaybackQuality): none without the key. */
  framesDecoded: number;
  latencies: number[];
  errors: string[];
  licences: string[];
  /** The key ids the licence requests asked for (hex), all of them. */
  kidsAsked: Set<string>;
  refused: string[];
  /** What the page's EME said about the key session (the key ids and their statuses). */
  keyStatuses: string[];
}

/** The key id (base64url) of `period` in the run of `kid` (base64url): its epoch, then the period. */
const periodKid = (kid: string, period: number): string =>
  Buffer.from(Buffer.from(kid, 'base64url').toString('hex', 0, 8) + period.toString(16).padStart(16, '0'), 'hex').toString('base64url');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** `seconds` of the protected stream `s` in `player` from `origin` (the host or its edge), as a viewer sees it. */
async function playIn(s: ProtectedStream, seconds: number, stripLicenceQuery: boolean, player: 'dash.js' | 'hls.js', origin: string): Promise<Played> {
  const { browser, signedQuery } = s;
  const page: Page = await browser.newPage();
  const licences: string[] = [];
  const refused: string[] = [];
  const kidsAsked = new Set<string>();
  page.on('request', (r) => {
    if (!r.url().includes('/licence')) return;
    licences.push(`${r.method()} ${r.url().split('?')[0]}`);
    const kids = (JSON.parse(r.postDataBuffer()?.toString('utf8') || '{}') as { kids?: string[] }).kids ?? [];
    for (const kid of kids) kidsAsked.add(Buffer.from(kid, 'base64url').toString('hex'));
  });
  page.on('response', (r) => r.status() >= 400 && r.url().includes('/live/') && refused.push(`${r.status()} ${r.url().split('?')[0]}`));
  try {
    await page.route(`${origin}/__player`, (route) => route.fulfill({ contentType: 'text/html', body: '<video id=v muted playsinline></video>' }));
    if (stripLicenceQuery) await page.route('**/licence**', (route) => route.continue({ url: route.request().url().split('?')[0]! }));
    await page.goto(`${origin}/__player`);
    await page.addScriptTag({ content: player === 'dash.js' ? DASH_JS : HLS_JS });
    const watched = await page.evaluate(async ([url, secs, licenceUrl]) => {
      const video = document.getElementById('v') as HTMLVideoElement;
      const errors: string[] = [];
      const keyStatuses: string[] = [];
      video.addEventListener('encrypted', () => keyStatuses.push('encrypted event'));
      let latencyOf: () => number;
      let stop: () => void;
      const dashjs = (window as any).dashjs;
      if (dashjs) {
        const player = dashjs.MediaPlayer().create();
        player.on('error', (e: any) => errors.push(JSON.stringify(e.error ?? e).slice(0, 200)));
        player.initialize(video, url, true);
        latencyOf = () => player.getCurrentLiveLatency();
        stop = () => player.reset();
      } else {
        // hls.js plays Common Encryption through EME when told so and given the licence server.
        const Hls = (window as any).Hls;
        const hls = new Hls({ lowLatencyMode: true, emeEnabled: true, drmSystems: { 'org.w3.clearkey': { licenseUrl: licenceUrl } } });
        hls.on(Hls.Events.ERROR, (_e: unknown, d: any) => d.fatal && errors.push(`${d.type}/${d.details}`));
        hls.loadSource(url);
        hls.attachMedia(video);
        void video.play().catch((e: Error) => errors.push(`play: ${e.message}`));
        latencyOf = () => hls.latency;
        stop = () => hls.destroy();
      }
      const t0 = Date.now();
      while (video.currentTime === 0 && Date.now() - t0 < 20_000 && errors.length === 0) await new Promise((r) => setTimeout(r, 100));
      const from = video.currentTime;
      const latencies: number[] = [];
      const end = Date.now() + secs * 1000;
      while (Date.now() < end && errors.length === 0) {
        await new Promise((r) => setTimeout(r, 500));
        const latency = latencyOf();
        if (Number.isFinite(latency) && latency > 0) latencies.push(latency);
      }
      const advancedSec = video.currentTime - from;
      const framesDecoded = video.getVideoPlaybackQuality().totalVideoFrames;
      stop();
      return { advancedSec, framesDecoded, latencies, errors, keyStatuses };
    }, [
      `${origin}/live/sealed/${player === 'dash.js' ? 'manifest.mpd' : 'index.m3u8'}${signedQuery}`,
      seconds,
      `${origin}/live/sealed/licence${stripLicenceQuery ? '' : signedQuery}`,
    ] as const);
    return { ...watched, licences, kidsAsked, refused };
  } finally {
    await page.close();
  }
}

/** `seconds` of a VOD's MPD (`url`) in dash.js with its defaults, as a viewer at `origin` sees it. */
async function playVodIn(s: ProtectedStream, url: string, origin: string, seconds: number): Promise<Pick<Played, 'advancedSec' | 'errors' | 'licences' | 'refused'>> {
  const page: Page = await s.browser.newPage();
  const licences: string[] = [];
  const refused: string[] = [];
  page.on('request', (r) => r.url().includes('/licence') && licences.push(`${r.method()} ${r.url().split('?')[0]}`));
  page.on('response', (r) => r.status() >= 400 && r.url().includes('/vod/') && refused.push(`${r.status()} ${r.url().split('?')[0]}`));
  try {
    await page.route(`${origin}/__player`, (route) => route.fulfill({ contentType: 'text/html', body: '<video id=v muted playsinline></video>' }));
    await page.goto(`${origin}/__player`);
    await page.addScriptTag({ content: DASH_JS });
    const watched = await page.evaluate(async ([mpd, secs]) => {
      const video = document.getElementById('v') as HTMLVideoElement;
      const errors: string[] = [];
      const player = (window as any).dashjs.MediaPlayer().create();
      player.on('error', (e: any) => errors.push(JSON.stringify(e.error ?? e).slice(0, 200)));
      player.initialize(video, mpd, true);
      const until = Date.now() + 20_000;
      while (video.currentTime < secs && Date.now() < until && errors.length === 0) await new Promise((r) => setTimeout(r, 100));
      const advancedSec = video.currentTime;
      player.reset();
      return { advancedSec, errors };
    }, [url, seconds] as const);
    return { ...watched, licences, refused };
  } finally {
    await page.close();
  }
}

describe.skipIf(needs('chromium', 'nginx'))('a cbcs low-latency stream in dash.js through EME (ClearKey)', () => {
  let stream: ProtectedStream;
  let host: HostProcess;
  let edge: EdgeProcess;
  let signedQuery: string;

  beforeAll(async () => {
    stream = await startProtectedStream({ name: 'sealed', encryption: 'cbcs' });
    ({ host, edge, signedQuery } = stream);
    await api(host, 'POST', '/api/v1/streams', { name: 'open', ladder: 'passthrough', latency: 'low' });
  }, 90_000);

  afterAll(async () => {
    await stream?.stop();
  });

  const play = (seconds: number, stripLicenceQuery = false, player: 'dash.js' | 'hls.js' = 'dash.js', origin = host.url): Promise<Played> =>
    playIn(stream, seconds, stripLicenceQuery, player, origin);

  it('the MPD names the key and the licence server; the init sections are protected', async () => {
    const mpd = await (await fetch(`${host.url}/live/sealed/manifest.mpd${signedQuery}`)).text();
    expect(mpd).toMatch(/<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cbcs" cenc:default_KID="[0-9a-f-]{36}"\/>/);
    expect(mpd).toMatch(/<dashif:Laurl>\/\/127\.0\.0\.1:\d+\/live\/sealed\/licence\?[^<]+<\/dashif:Laurl>/);
    const playlist = await (await fetch(`${host.url}/live/sealed/v0.m3u8${signedQuery}`)).text();
    expect(playlist).toMatch(/#EXT-X-KEY:METHOD=SAMPLE-AES,URI="data:text\/plain;base64,[^"]+",KEYID=0x[0-9a-f]{32},KEYFORMAT="org.w3.clearkey"/);
    const init = playlist.match(/#EXT-X-MAP:URI="([^"]+)"/)![1]!;
    const bytes = Buffer.from(await (await fetch(new URL(init, `${host.url}/live/sealed/`))).arrayBuffer());
    expect(bytes.includes(Buffer.from('encv'))).toBe(true);
    expect(bytes.includes(Buffer.from('cbcs'))).toBe(true);
  });

  it('plays in dash.js with its defaults, the key from the ClearKey licence server through EME', { timeout: 60_000 }, async () => {
    const played = await play(10);
    const p50 = median(played.latencies);
    console.log(`[cbcs-dash] dash.js cbcs ClearKey: latency p50 ${p50.toFixed(2)} s, played ${played.advancedSec.toFixed(1)} s, licences ${played.licences.length}, keys asked ${played.kidsAsked.size}, encrypted events ${played.keyStatuses.length}, errors ${played.errors.join(' ').slice(0, 400) || 'none'}, refused ${played.refused.join(', ') || 'none'}`);
    expect(played.errors).toEqual([]);
    expect(played.refused).toEqual([]);
    expect(played.licences.length).toBeGreaterThanOrEqual(1);
    expect(played.licences[0]).toMatch(/^POST .*\/live\/sealed\/licence$/);
    expect(played.advancedSec).toBeGreaterThan(7);
    expect(p50).toBeLessThan(4);
  });

  it('plays through an edge, the licence asked of the address the MPD names', { timeout: 60_000 }, async () => {
    const played = await play(10, false, 'dash.js', edge.url);
    const p50 = median(played.latencies);
    console.log(`[cbcs-dash] dash.js cbcs ClearKey through an edge: latency p50 ${p50.toFixed(2)} s, played ${played.advancedSec.toFixed(1)} s, licences ${played.licences.join(', ')}, refused ${played.refused.join(', ') || 'none'}`);
    expect(played.errors).toEqual([]);
    expect(played.refused).toEqual([]);
    expect(played.licences.length).toBeGreaterThanOrEqual(1);
    // Asked of the edge (which names itself to the origin), passed to the origin, kept by nobody.
    expect(played.licences[0]).toBe(`POST ${edge.url}/live/sealed/licence`);
    const mpd = await (await fetch(`${edge.url}/live/sealed/manifest.mpd${signedQuery}`)).text();
    const kid = Buffer.from(mpd.match(/cenc:default_KID="([0-9a-f-]{36})"/)![1]!.replaceAll('-', ''), 'hex').toString('base64url');
    for (let i = 0; i < 2; i += 1) {
      const res = await fetch(`${edge.url}/live/sealed/licence${signedQuery}`, { method: 'POST', body: JSON.stringify({ kids: [kid] }) });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store, private');
      expect(res.headers.get('x-cache') ?? 'MISS').not.toBe('HIT');
    }
    expect(played.advancedSec).toBeGreaterThan(7);
    expect(p50).toBeLessThan(4);
  });

  it('plays in hls.js too, with EME on and the licence server in its DRM settings (SAMPLE-AES, ClearKey)', { timeout: 60_000 }, async () => {
    const played = await play(10, false, 'hls.js');
    const p50 = median(played.latencies);
    console.log(`[cbcs-dash] hls.js cbcs ClearKey: latency p50 ${p50.toFixed(2)} s, played ${played.advancedSec.toFixed(1)} s, licences ${played.licences.length}, keys asked ${played.kidsAsked.size}, refused ${played.refused.join(', ') || 'none'}`);
    expect(played.errors).toEqual([]);
    expect(played.refused).toEqual([]);
    expect(played.licences.length).toBeGreaterThanOrEqual(1);
    expect(played.advancedSec).toBeGreaterThan(7);
    expect(p50).toBeLessThan(4);
  });

  it('shows no picture to a viewer whose licence request carries no credential', { timeout: 60_000 }, async () => {
    const played = await play(4, true);
    console.log(`[cbcs-dash] without a credential for the licence: ${played.errors.join(', ').slice(0, 300)}; refused ${played.refused.slice(0, 3).join(', ')}`);
    expect(played.refused.some((r) => /^401 .*\/licence$/.test(r))).toBe(true);
    // No frame decoded; the position moves by no more than dash.js's nudges over a gap (3.5 ms seen), never by playing.
    expect(played.framesDecoded).toBe(0);
    expect(played.advancedSec).toBeLessThan(0.1);
  });

  it('answers bad licence requests with their codes, and no key', async () => {
    const mpd = await (await fetch(`${host.url}/live/sealed/manifest.mpd${signedQuery}`)).text();
    const kid = Buffer.from(mpd.match(/cenc:default_KID="([0-9a-f-]{36})"/)![1]!.replaceAll('-', ''), 'hex').toString('base64url');
    const ask = (path: string, body: unknown, contentType = 'application/json') =>
      fetch(`${host.url}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const ok = await ask(`/live/sealed/licence${signedQuery}`, { kids: [kid], type: 'temporary' }, 'text/plain;charset=UTF-8');
    expect(ok.status).toBe(200);
    expect(ok.headers.get('cache-control')).toBe('no-store, private');
    const licence = await ok.json();
    expect(licence.keys).toHaveLength(1);
    expect(licence.keys[0]).toMatchObject({ kty: 'oct', kid });
    expect(Buffer.from(licence.keys[0].k, 'base64url')).toHaveLength(16);
    // A run whose key does not rotate has no other key.
    const later = await ask(`/live/sealed/licence${signedQuery}`, { kids: [periodKid(kid, 1)] });
    expect(later.status).toBe(404);
    expect(await later.text()).not.toContain('"k"');
    // The CDM's message as bytes, as some players post it.
    const bytes = await ask(`/live/sealed/licence${signedQuery}`, { kids: [kid], type: 'temporary' }, 'application/octet-stream');
    expect(bytes.status).toBe(200);

    const bare = await ask('/live/sealed/licence', { kids: [kid] });
    expect(bare.status).toBe(401);
    expect((await bare.json()).error.code).toBe('UNAUTHORIZED');
    const otherStream = new URL((await api(host, 'POST', '/api/v1/streams/open/signed-urls', { expiresInSec: 600 })).json.hls).search;
    const wrong = await ask(`/live/sealed/licence${otherStream}`, { kids: [kid] });
    expect(wrong.status).toBe(403);
    expect(JSON.stringify(await wrong.json())).not.toContain('"k"');
    const unknown = await ask(`/live/sealed/licence${signedQuery}`, { kids: [Buffer.alloc(16, 9).toString('base64url')] });
    expect(unknown.status).toBe(404);
    const malformed = await ask(`/live/sealed/licence${signedQuery}`, 'not json', 'text/plain');
    expect(malformed.status).toBe(400);
    expect((await malformed.json()).error.code).toBe('BAD_REQUEST');
    // A forwarded host that is not a host is not written into the MPD.
    const odd = await (await fetch(`${host.url}/live/sealed/manifest.mpd${signedQuery}`, { headers: { 'x-forwarded-host': 'evil"><x' } })).text();
    expect(odd).toMatch(/<dashif:Laurl>\/\/127\.0\.0\.1:\d+\/live\/sealed\/licence/);
    // A stream that is not cbcs has no licence server.
    const clear = await ask('/live/open/licence', { kids: [kid] });
    expect(clear.status).toBe(404);
  });

  it('plays the stream\'s recording as VOD in dash.js with its defaults, Common Encryption and the licence from the host and through an edge', { timeout: 120_000 }, async () => {
    const started = await api(host, 'POST', '/api/v1/streams/sealed/recording', {});
    expect(started.status).toBe(201);
    await new Promise((r) => setTimeout(r, 10_000));
    expect((await api(host, 'DELETE', '/api/v1/streams/sealed/recording')).status).toBe(200);
    const id = started.json.id as string;
    await waitFor('the recording complete', async () => (await api(host, 'GET', `/api/v1/recordings/${id}`)).json.state === 'complete', 30_000);
    expect((await api(host, 'POST', `/api/v1/recordings/${id}/vod`, { ladder: 'passthrough' })).status).toBe(202);
    await waitFor('the VOD', async () => (await api(host, 'GET', `/api/v1/recordings/${id}`)).json.vod?.state === 'ready', 60_000);
    // From the host with the stream's signed URL; through the edge with the recording's own (what edges check).
    const playback = new URL((await api(host, 'GET', `/api/v1/recordings/${id}/playback`)).json.dash as string);
    expect(playback.pathname).toBe(`/vod/${id}/manifest.mpd`);
    const own = playback.search;
    for (const [origin, query] of [[host.url, signedQuery], [edge.url, own]] as const) {
      const played = await playVodIn(stream, `${origin}/vod/${id}/manifest.mpd${query}`, origin, 5);
      console.log(`[cbcs-dash] dash.js cbcs ClearKey VOD from ${origin === host.url ? 'the host' : 'an edge'}: played ${played.advancedSec.toFixed(1)} s, licences ${played.licences.join(', ')}, errors ${played.errors.join(' ').slice(0, 300) || 'none'}, refused ${played.refused.join(', ') || 'none'}`);
      expect(played.errors).toEqual([]);
      expect(played.refused).toEqual([]);
      expect(played.licences).toEqual([`POST ${origin}/vod/${id}/licence`]);
      expect(played.advancedSec).toBeGreaterThan(3);
    }
    // Without a credential the licence is refused and nothing plays.
    const bare = await playVodIn(stream, `${host.url}/vod/${id}/manifest.mpd`, host.url, 3);
    expect(bare.refused.some((r) => /^401 .*\/licence$/.test(r))).toBe(true);
    expect(bare.advancedSec).toBe(0);
  });

  it('refuses cbcs on a standard-latency stream, nothing created or changed', async () => {
    const refused = await api(host, 'POST', '/api/v1/streams', { name: 'slow', latency: 'standard', encryption: 'cbcs' });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(refused.json.error)).toContain('cbcs needs latency');
    expect((await api(host, 'GET', '/api/v1/streams/slow')).status).toBe(404);
    const moved = await api(host, 'PATCH', '/api/v1/streams/sealed', { latency: 'standard' });
    expect(moved.status).toBe(400);
    expect((await api(host, 'GET', '/api/v1/streams/sealed')).json).toMatchObject({ latency: 'low', encryption: 'cbcs' });
  });
});

describe.skipIf(needs('chromium', 'nginx'))('a cbcs low-latency stream whose key rotates every segment, in hls.js', () => {
  let stream: ProtectedStream;

  beforeAll(async () => {
    stream = await startProtectedStream({ name: 'sealed', encryption: 'cbcs', env: { STREAMS_LIVE_CBCS_KEY_ROTATION_SEGMENTS: '1' } });
  }, 90_000);

  afterAll(async () => {
    await stream?.stop();
  });

  it('plays through the rotations without a stall, each key asked for as the fragments name it', { timeout: 60_000 }, async () => {
    const played = await playIn(stream, 10, false, 'hls.js', stream.host.url);
    const p50 = median(played.latencies);
    console.log(`[cbcs-dash] hls.js cbcs ClearKey, a key per segment: latency p50 ${p50.toFixed(2)} s, played ${played.advancedSec.toFixed(1)} s, licences ${played.licences.length}, keys asked ${played.kidsAsked.size}, refused ${played.refused.join(', ') || 'none'}`);
    expect(played.errors).toEqual([]);
    expect(played.refused).toEqual([]);
    // Ten seconds of a key per two-second segment: more than one licence, more than the first key.
    expect(played.licences.length).toBeGreaterThanOrEqual(2);
    expect(played.kidsAsked.size).toBeGreaterThanOrEqual(2);
    expect(played.advancedSec).toBeGreaterThan(7);
    expect(p50).toBeLessThan(4);
  });

  it('names each key in the playlist and the fragments; answers the keys asked for and those of the live edge, none made ahead of their time', async () => {
    const { host, signedQuery } = stream;
    const playlist = await (await fetch(`${host.url}/live/sealed/v0.m3u8${signedQuery}`)).text();
    const kids = [...playlist.matchAll(/KEYID=0x([0-9a-f]{32})/g)].map((m) => m[1]!);
    expect(new Set(kids).size).toBeGreaterThanOrEqual(3);
    const first = Buffer.from(kids[0]!, 'hex').toString('base64url');
    const ask = (body: unknown) => fetch(`${host.url}/live/sealed/licence${signedQuery}`, { method: 'POST', body: JSON.stringify(body) });
    const licence = await (await ask({ kids: [first], type: 'temporary' })).json();
    const given = licence.keys.map((k: { kid: string }) => Buffer.from(k.kid, 'base64url').toString('hex'));
    // The one asked for, and the newest segments' and the next (what a player starting now needs).
    expect(given[0]).toBe(kids[0]);
    expect(given).toContain(kids.at(-1));
    expect(new Set(licence.keys.map((k: { k: string }) => k.k)).size).toBe(given.length);
    const ahead = await ask({ kids: [periodKid(first, 100_000)] });
    expect(ahead.status).toBe(404);
    expect(await ahead.text()).not.toContain('"k"');
  });
});
