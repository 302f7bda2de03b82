// An AES-128 low-latency stream end to end without a browser: a real host, ffmpeg publishing over RTMP,
// ffmpeg (the reference decrypter) playing the signed playlist across key rotations, and the key
// server's refusals: no credential, another stream's, a kid never made, the MPD of an HLS-only stream.
import { execFile, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startHost, type HostProcess } from '../../../../test-support/host-process.js';
import { checkLlPlaylist } from '../../../../test-support/ll-hls-conformance.js';
import { cbcsFfmpeg, framemd5Of, publishTestPattern } from '../../../../test-support/media.js';
import { needs } from '../../../../test-support/peers.js';
import { waitFor } from '../../../../test-support/wait.js';
import { locateFfmpeg, isLocateError } from '../../../encoder/locate.js';

describe.skipIf(needs('ffmpeg'))('an AES-128 low-latency stream from a real host', () => {
  let host: HostProcess;
  let publisher: ReturnType<typeof publishTestPattern> | undefined;
  /** The signed master playlist URL of the encrypted stream, and of another private stream. */
  let master: string;
  let otherMaster: string;
  /** A key of the recording's VOD (the VOD test), asked for past the rate limit. */
  let vodKeyUri: URL | undefined;

  beforeAll(async () => {
    // A key every segment: a few seconds of play cross several keys.
    host = await startHost({ env: { STREAMS_LIVE_KEY_ROTATION_SEGMENTS: '1' } });
    const made = await api(host, 'POST', '/api/v1/streams', { name: 'sealed', ladder: 'passthrough', latency: 'low', private: true, encryption: 'aes-128' });
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ encryption: 'aes-128', private: true });
    expect((await api(host, 'POST', '/api/v1/streams', { name: 'other', latency: 'low', private: true })).status).toBe(201);
    master = (await api(host, 'POST', '/api/v1/streams/sealed/signed-urls', {})).json.hls;
    otherMaster = (await api(host, 'POST', '/api/v1/streams/other/signed-urls', {})).json.hls;
    publisher = publishTestPattern(`${made.json.ingest.rtmp}/${made.json.key}`, { size: '640x360' });
    await waitFor('the encrypted master playlist', async () => (await fetch(master)).status === 200, 30_000);
  }, 60_000);

  afterAll(async () => {
    publisher?.kill('SIGKILL');
    expect(await host?.stop('SIGTERM')).toBe(0);
  });

  const mediaUrl = async (): Promise<URL> => {
    const text = await (await fetch(master)).text();
    const video = text.split('\n').find((l) => l.startsWith('v0.m3u8'))!;
    return new URL(video, master);
  };

  it('refuses AES-128 on a standard-latency stream, and keeps the setting of a low-latency one', async () => {
    const refused = await api(host, 'POST', '/api/v1/streams', { name: 'slow', latency: 'standard', encryption: 'aes-128' });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: 'VALIDATION_FAILED' });
    const moved = await api(host, 'PATCH', '/api/v1/streams/sealed', { latency: 'standard' });
    expect(moved.status).toBe(400);
    expect((await api(host, 'GET', '/api/v1/streams/sealed')).json).toMatchObject({ latency: 'low', encryption: 'aes-128' });
    expect((await api(host, 'GET', '/api/v1/streams/slow')).status).toBe(404);
  });

  it('lists a key per segment in conforming playlists and serves parts and segments that are not clear fMP4', async () => {
    const url = await mediaUrl();
    let text = '';
    await waitFor('three keys listed', async () => {
      text = await (await fetch(url)).text();
      return (text.match(/#EXT-X-KEY:METHOD=AES-128/g) ?? []).length >= 3;
    }, 20_000);
    expect(checkLlPlaylist(text)).toEqual([]);
    const keyLines = text.split('\n').filter((l) => l.startsWith('#EXT-X-KEY'));
    for (const line of keyLines) expect(line).toMatch(/^#EXT-X-KEY:METHOD=AES-128,URI="keys\/[0-9a-f]{32}\?sid=[^"]*&exp=\d+&sig=[^"]+"$/);
    // The init section is clear (no key before the first EXT-X-MAP); media is not.
    const lines = text.split('\n');
    expect(lines.findIndex((l) => l.startsWith('#EXT-X-MAP'))).toBeLessThan(lines.findIndex((l) => l.startsWith('#EXT-X-KEY')));
    const init = Buffer.from(await (await fetch(new URL(/#EXT-X-MAP:URI="([^"]+)"/.exec(text)![1]!, url))).arrayBuffer());
    expect(init.subarray(4, 8).toString()).toBe('ftyp');
    const part = /#EXT-X-PART:[^\n]*URI="([^"]+)"/.exec(text)![1]!;
    const partBytes = Buffer.from(await (await fetch(new URL(part, url))).arrayBuffer());
    expect(partBytes.length % 16).toBe(0);
    expect(partBytes.includes(Buffer.from('moof'))).toBe(false);
    expect(partBytes.includes(Buffer.from('mdat'))).toBe(false);
  });

  it('plays in ffmpeg, which decrypts it across key rotations', () => {
    const found = locateFfmpeg(process.env);
    if (!found || isLocateError(found)) throw new Error('no ffmpeg');
    const run = spawnSync(found.path, ['-hide_banner', '-loglevel', 'error', '-i', master, '-t', '8', '-map', '0:v:0', '-f', 'framemd5', '-'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.stderr.trim(), 'ffmpeg printed errors').toBe('');
    expect(run.status).toBe(0);
    // 8 s at 30 fps; four or more keys at one per 2 s segment.
    const frames = run.stdout.split('\n').filter((l) => /^0,/.test(l));
    expect(frames.length).toBeGreaterThanOrEqual(200);
  }, 90_000);

  it('gives a key to an admitted viewer only: 401 without a credential, 403 with another stream\'s, 404 for a kid never made', async () => {
    const url = await mediaUrl();
    const text = await (await fetch(url)).text();
    const keyUri = new URL(/#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)"/.exec(text)![1]!, url);
    const granted = await fetch(keyUri);
    expect(granted.status).toBe(200);
    expect(granted.headers.get('cache-control')).toBe('no-store, private');
    expect(granted.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await granted.arrayBuffer())).toHaveLength(16);

    const bare = new URL(keyUri.pathname, keyUri);
    const unauthorized = await fetch(bare);
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get('cache-control')).toBe('no-store');
    expect(await unauthorized.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });

    const theirs = new URL(keyUri.pathname + new URL(otherMaster).search, keyUri);
    const forbidden = await fetch(theirs);
    expect(forbidden.status).toBe(403);
    const forbiddenBody = Buffer.from(await forbidden.arrayBuffer());
    expect(JSON.parse(forbiddenBody.toString())).toMatchObject({ error: { code: 'FORBIDDEN' } });

    const kid = keyUri.pathname.split('/').at(-1)!;
    for (const other of [`${kid.slice(0, 16)}${'f'.repeat(15)}0`, `${'0'.repeat(16)}${kid.slice(16)}`, 'not-a-kid']) {
      const missing = await fetch(new URL(`${keyUri.pathname.replace(kid, other)}${keyUri.search}`, keyUri));
      expect(missing.status, other).toBe(404);
      expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
    // AES-128 is HLS's: the stream has no DASH manifest, rather than a clear one.
    const signedDash = (await api(host, 'POST', '/api/v1/streams/sealed/signed-urls', {})).json.dash;
    const mpd = await fetch(signedDash);
    expect(mpd.status).toBe(404);
    expect((await mpd.json()).error.message).toContain('AES-128');
    // Refusals and the first key are in the audit log.
    const audit = await api(host, 'GET', '/api/v1/audit?action=play.key&limit=50');
    expect(audit.status).toBe(200);
    const entries = audit.json.entries as { result: string; detail: string }[];
    expect(entries.some((e) => e.result === 'ok')).toBe(true);
    expect(entries.filter((e) => e.result === 'denied').map((e) => e.detail)).toEqual(expect.arrayContaining(['UNAUTHORIZED', 'FORBIDDEN']));
  });

  it('serves the recording of an encrypted stream as an encrypted VOD that ffmpeg plays with its keys, and nothing clear', async () => {
    const started = await api(host, 'POST', '/api/v1/streams/sealed/recording', {});
    expect(started.status).toBe(201);
    await new Promise((r) => setTimeout(r, 9000));
    expect((await api(host, 'DELETE', '/api/v1/streams/sealed/recording')).status).toBe(200);
    const id = started.json.id as string;
    await waitFor('the recording complete', async () => (await api(host, 'GET', `/api/v1/recordings/${id}`)).json.state === 'complete', 30_000);
    expect((await api(host, 'POST', `/api/v1/recordings/${id}/vod`, { ladder: 'passthrough' })).status).toBe(202);
    await waitFor('the VOD', async () => (await api(host, 'GET', `/api/v1/recordings/${id}`)).json.vod.state === 'ready', 60_000);
    const signed = new URL(master).search;
    const vod = `${host.url}/vod/${id}/index.m3u8${signed}`;
    const masterText = await (await fetch(vod)).text();
    const mediaUri = masterText.split('\n').find((l) => l !== '' && !l.startsWith('#'))!;
    expect(masterText).toContain('#EXT-X-STREAM-INF');
    expect(mediaUri).toContain('sig=');
    const mediaUrl = new URL(mediaUri, vod);
    const media = await (await fetch(mediaUrl)).text();
    const segments = media.split('\n').filter((l) => l.endsWith('.m4s') && !l.startsWith('#'));
    expect(segments.length).toBeGreaterThan(1);
    for (const seg of segments) expect(seg).toMatch(/^aes-r\d+-chunk-/);
    expect(media).toMatch(/#EXT-X-KEY:METHOD=AES-128,URI="keys\/[0-9a-f]{32}\?exp=\d+&sig=[^"]+",IV=0x[0-9a-f]{32}/);
    const lines = media.split('\n');
    expect(lines.findIndex((l) => l.startsWith('#EXT-X-MAP'))).toBeLessThan(lines.findIndex((l) => l.startsWith('#EXT-X-KEY')));
    // A segment is encrypted; by its clear name it is not served at all.
    const sealed = Buffer.from(await (await fetch(new URL(segments[0]!, mediaUrl))).arrayBuffer());
    expect(sealed.includes(Buffer.from('moof'))).toBe(false);
    expect((await fetch(new URL(segments[0]!.replace(/^aes-r\d+-/, ''), mediaUrl))).status).toBe(404);
    await checkCbcsVod(id, signed, segments[0]!.replace(/^aes-r\d+-/, ''));
    const keyUri = new URL(/#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)"/.exec(media)![1]!, mediaUrl);
    expect((await fetch(keyUri)).status).toBe(200);
    expect((await fetch(new URL(keyUri.pathname, keyUri))).status).toBe(401);
    expect((await fetch(new URL(keyUri.pathname + new URL(otherMaster).search, keyUri))).status).toBe(403);
    vodKeyUri = keyUri;
    // The recording's first key and its refusals are in the audit log, as the live keys' are.
    const audit = (await api(host, 'GET', '/api/v1/audit?action=play.key&limit=100')).json.entries as { result: string; detail: string }[];
    expect(audit.some((e) => e.result === 'ok' && e.detail.startsWith(`first key of recording ${id}`))).toBe(true);
    expect(audit.filter((e) => e.result === 'denied').map((e) => e.detail)).toEqual(expect.arrayContaining([`UNAUTHORIZED (recording ${id})`, `FORBIDDEN (recording ${id})`]));
    // ffmpeg decrypts the whole VOD.
    const found = locateFfmpeg(process.env);
    if (!found || isLocateError(found)) throw new Error('no ffmpeg');
    const run = spawnSync(found.path, ['-hide_banner', '-loglevel', 'error', '-i', vod, '-map', '0:v:0', '-f', 'framemd5', '-'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr.trim(), 'ffmpeg printed errors').toBe('');
    expect(run.stdout.split('\n').filter((l) => /^0,/.test(l)).length).toBeGreaterThanOrEqual(150);
  }, 150_000);

  /**
   * The DASH side of an encrypted recording's VOD: Common Encryption (cbcs) named in its MPD with the
   * ClearKey licence server, which answers the stream's viewers only; ffmpeg decrypts its segments with
   * the licence's key. `clearSegment`: a video segment's file name.
   */
  async function checkCbcsVod(id: string, signed: string, clearSegment: string): Promise<void> {
    const mpd = await (await fetch(`${host.url}/vod/${id}/manifest.mpd${signed}`)).text();
    const sets = mpd.match(/<AdaptationSet\b/g) ?? [];
    expect(sets.length).toBeGreaterThan(0);
    expect(mpd.match(/schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cbcs"/g)).toHaveLength(sets.length);
    expect(mpd).toContain('xmlns:cenc="urn:mpeg:cenc:2013"');
    expect(mpd).toMatch(/initialization="cbcs-init-/);
    expect(mpd).toMatch(/media="cbcs-chunk-/);
    const kid = /cenc:default_KID="([0-9a-f-]{36})"/.exec(mpd)![1]!.replaceAll('-', '');
    const laUrl = new URL(`http:${/<dashif:Laurl>([^<]+)<\/dashif:Laurl>/.exec(mpd)![1]!.replaceAll('&amp;', '&')}`);
    expect([laUrl.host, laUrl.pathname]).toEqual([new URL(host.url).host, `/vod/${id}/licence`]);
    expect(laUrl.search).toContain('sig=');
    const ask = (url: URL | string, body: unknown): Promise<Response> => fetch(url, { method: 'POST', body: JSON.stringify(body) });
    const request = { kids: [Buffer.from(kid, 'hex').toString('base64url')], type: 'temporary' };
    const licence = await ask(laUrl, request);
    expect([licence.status, licence.headers.get('cache-control')]).toEqual([200, 'no-store, private']);
    const { keys } = (await licence.json()) as { keys: { kty: string; kid: string; k: string }[] };
    expect(keys.map((k) => [k.kty, Buffer.from(k.kid, 'base64url').toString('hex')])).toEqual([['oct', kid]]);
    const key = Buffer.from(keys[0]!.k, 'base64url');
    // The refusals: no credential, another stream's, a key it does not have, a body that is no licence request.
    expect((await ask(new URL(laUrl.pathname, laUrl), request)).status).toBe(401);
    expect((await ask(new URL(laUrl.pathname + new URL(otherMaster).search, laUrl), request)).status).toBe(403);
    expect((await ask(laUrl, { kids: [Buffer.alloc(16, 9).toString('base64url')] })).status).toBe(404);
    expect((await ask(laUrl, { nope: true })).status).toBe(400);
    // The protected init and segments (what the MPD names); a playlist by a cbcs- name is not served.
    const init = await fetch(`${host.url}/vod/${id}/cbcs-${clearSegment.replace(/^chunk-(.+)-\d+\.m4s$/, 'init-$1.m4s')}`);
    const segment = await fetch(`${host.url}/vod/${id}/cbcs-${clearSegment}`);
    expect([init.status, segment.status, segment.headers.get('cache-control')]).toEqual([200, 200, 'public, max-age=31536000, immutable']);
    expect((await fetch(`${host.url}/vod/${id}/cbcs-media_0.m3u8`)).status).toBe(404);
    const file = Buffer.concat([Buffer.from(await init.arrayBuffer()), Buffer.from(await segment.arrayBuffer())]);
    expect(file.includes(Buffer.from('encv'))).toBe(true);
    const ffmpeg = cbcsFfmpeg();
    if (!ffmpeg) return; // ffmpeg 4.1 does not decrypt cbcs: the live cbcs tests say so too.
    const decrypted = framemd5Of(ffmpeg, file, key);
    expect(decrypted.stderr).toBe('');
    expect(decrypted.md5s.length).toBeGreaterThanOrEqual(60);
    expect(framemd5Of(ffmpeg, file, Buffer.alloc(16, 7)).md5s).not.toEqual(decrypted.md5s);
  }

  it('answers too many key requests from one viewer with 429', async () => {
    const url = await mediaUrl();
    const text = await (await fetch(url)).text();
    const keyUri = new URL(/#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)"/.exec(text)![1]!, url);
    const statuses: number[] = [];
    // The limiter's window is fixed and may have begun with the earlier tests' key requests, so it can
    // end during this loop: 450 quick requests span at most two windows, one of which gets past 200.
    while (statuses.length < 450 && !statuses.includes(429)) statuses.push((await fetch(keyUri)).status);
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(400);
    // A recording's keys are limited the same way (the same limiter, per address and viewer id).
    expect(vodKeyUri, 'the VOD test ran first').toBeDefined();
    const vodStatuses: number[] = [];
    while (vodStatuses.length < 450 && !vodStatuses.includes(429)) vodStatuses.push((await fetch(vodKeyUri!)).status);
    expect(vodStatuses).toContain(429);
    expect(vodStatuses.filter((s) => s === 200).length).toBeLessThanOrEqual(400);
  }, 60_000);
});

describe.skipIf(needs('ffmpeg'))('an AES-128 stream whose keys come from a key provider', () => {
  let host: HostProcess;
  let provider: http.Server;
  const publishers: ReturnType<typeof publishTestPattern>[] = [];
  /** Kids the provider was asked for; `silent`: it stops answering. */
  const asked: string[] = [];
  let silent = false;
  const keyOf = (kid: string, provider = 'provider'): Buffer => crypto.createHash('sha256').update(`${provider}:${kid}`).digest().subarray(0, 16);
  /** Kids a stream's own provider (the same server at /own) was asked for. */
  const askedOwn: string[] = [];
  /** The tokens each provider wants, and the requests it refused (path and Authorization). */
  const HOST_TOKEN = 'host-provider-token-7d1e';
  const OWN_TOKEN = 'own-provider-token-5f2a';
  const refusals: string[] = [];
  const WIDEVINE = 'edef8ba9-79d6-4ace-a3c8-27dcd51d21ed';
  const widevinePssh = (kid: string): Buffer => {
    const data = Buffer.from(`wv:${kid}`);
    const head = Buffer.alloc(32);
    head.writeUInt32BE(32 + data.length, 0);
    head.write('pssh', 4, 'latin1');
    Buffer.from(WIDEVINE.replaceAll('-', ''), 'hex').copy(head, 12);
    head.writeUInt32BE(data.length, 28);
    return Buffer.concat([head, data]);
  };

  beforeAll(async () => {
    // Our own provider, as a platform's key service would be: {stream, kid, method} -> {key}.
    provider = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        if (silent) return;
        const { kid, method } = JSON.parse(text) as { kid: string; method: string };
        // Each provider gives keys to the bearer of its own token only.
        const wanted = req.url === '/own' ? OWN_TOKEN : HOST_TOKEN;
        if (req.headers.authorization !== `Bearer ${wanted}`) {
          refusals.push(`${req.url} ${req.headers.authorization ?? 'none'}`);
          return void res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"who are you?"}');
        }
        if (req.url === '/own') {
          askedOwn.push(kid);
          return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ key: keyOf(kid, 'own').toString('base64') }));
        }
        asked.push(kid);
        // For Common Encryption, another DRM system's signalling too (a made-up Widevine pssh).
        const systems = method === 'SAMPLE-AES' ? [{ systemId: WIDEVINE, pssh: widevinePssh(kid).toString('base64'), laUrl: 'https://drm.example/wv', hls: `METHOD=SAMPLE-AES,URI="skd://${kid}",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"` }] : undefined;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ key: keyOf(kid).toString('base64'), ...(systems ? { systems } : {}) }));
      });
    });
    await new Promise<void>((r) => provider.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(provider.address() as { port: number }).port}/cpix`;
    host = await startHost({ env: { STREAMS_LIVE_KEY_PROVIDER_URL: url, STREAMS_LIVE_KEY_PROVIDER_TOKEN: HOST_TOKEN, STREAMS_LIVE_KEY_PROVIDER_TIMEOUT_MS: '500', STREAMS_LIVE_KEY_ROTATION_SEGMENTS: '2' } });
  }, 60_000);

  afterAll(async () => {
    for (const p of publishers) p.kill('SIGKILL');
    expect(await host?.stop('SIGTERM')).toBe(0);
    provider?.closeAllConnections();
    await new Promise((r) => provider?.close(r));
  });

  const live = async (name: string, encryption = 'aes-128', more: Record<string, unknown> = {}): Promise<{ master: string }> => {
    const made = await api(host, 'POST', '/api/v1/streams', { name, ladder: 'passthrough', latency: 'low', private: true, encryption, ...more });
    expect(made.status).toBe(201);
    publishers.push(publishTestPattern(`${made.json.ingest.rtmp}/${made.json.key}`, { size: '640x360' }));
    return { master: (await api(host, 'POST', `/api/v1/streams/${name}/signed-urls`, {})).json.hls };
  };

  it('serves the provider\'s keys to admitted viewers, and ffmpeg plays the stream with them', async () => {
    const { master } = await live('vendor');
    await waitFor('the master playlist', async () => (await fetch(master)).status === 200, 30_000);
    const video = new URL((await (await fetch(master)).text()).split('\n').find((l) => l.startsWith('v0.m3u8'))!, master);
    let text = '';
    await waitFor('two segments', async () => (text = await (await fetch(video)).text()).split('#EXTINF').length > 2, 20_000);
    const keyUri = new URL(/#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)"/.exec(text)![1]!, video);
    const kid = keyUri.pathname.split('/').at(-1)!;
    expect(asked).toContain(kid);
    expect(Buffer.from(await (await fetch(keyUri)).arrayBuffer()).equals(keyOf(kid))).toBe(true);
    const found = locateFfmpeg(process.env);
    if (!found || isLocateError(found)) throw new Error('no ffmpeg');
    // Not spawnSync: the provider answers from this process while ffmpeg plays (keys are asked ahead).
    const run = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      execFile(found.path, ['-hide_banner', '-loglevel', 'error', '-i', master, '-t', '6', '-map', '0:v:0', '-f', 'framemd5', '-'], { timeout: 60_000, maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
        error && !stderr ? reject(error) : resolve({ stdout, stderr }));
    });
    expect(run.stderr.trim(), 'ffmpeg printed errors').toBe('');
    expect(run.stdout.split('\n').filter((l) => /^0,/.test(l)).length).toBeGreaterThanOrEqual(150);
  }, 90_000);

  it('sends the host\'s provider its token, and shows the token nowhere but as its last 4 characters', async () => {
    const config = await api(host, 'GET', '/api/v1/config');
    expect(config.json.config.live.keyProviderToken).toBe('…7d1e');
    expect(config.json.fields.find((f: { path: string }) => f.path === 'live.keyProviderToken')).toMatchObject({ secret: true });
    expect(JSON.stringify(config.json)).not.toContain(HOST_TOKEN);
    expect(refusals.filter((r) => r.startsWith('/cpix'))).toEqual([]);
  });

  it('takes a stream\'s keys from its own provider with its own token, and refuses a provider that is not an http(s) URL or a bad token', async () => {
    const own = provider.address() as { port: number };
    const { master } = await live('own-keys', 'aes-128', { keyProviderUrl: `http://127.0.0.1:${own.port}/own`, keyProviderToken: OWN_TOKEN });
    await waitFor('the master playlist', async () => (await fetch(master)).status === 200, 30_000);
    const video = new URL((await (await fetch(master)).text()).split('\n').find((l) => l.startsWith('v0.m3u8'))!, master);
    let text = '';
    await waitFor('a segment', async () => (text = await (await fetch(video)).text()).includes('#EXTINF'), 20_000);
    const keyUri = new URL(/#EXT-X-KEY:METHOD=AES-128,URI="([^"]+)"/.exec(text)![1]!, video);
    const kid = keyUri.pathname.split('/').at(-1)!;
    expect(askedOwn).toContain(kid);
    expect(asked).not.toContain(kid);
    expect(Buffer.from(await (await fetch(keyUri)).arrayBuffer()).equals(keyOf(kid, 'own'))).toBe(true);
    for (const bad of ['ftp://keys.example/cpix', 'keys.example', 'http:// spaced']) {
      const refused = await api(host, 'PATCH', '/api/v1/streams/own-keys', { keyProviderUrl: bad });
      expect([bad, refused.status, refused.json.error.code]).toEqual([bad, 400, 'VALIDATION_FAILED']);
    }
    for (const bad of ['two words', 'x'.repeat(4097), 'naïve', 42]) {
      const refused = await api(host, 'PATCH', '/api/v1/streams/own-keys', { keyProviderToken: bad });
      expect([refused.status, refused.json.error.code, refused.json.error.details?.fields?.[0]?.path]).toEqual([400, 'VALIDATION_FAILED', 'keyProviderToken']);
    }
    const shown = await api(host, 'GET', '/api/v1/streams/own-keys');
    expect([shown.json.keyProviderUrl, shown.json.keyProviderTokenHint]).toEqual([`http://127.0.0.1:${own.port}/own`, '…5f2a']);
    expect(JSON.stringify((await api(host, 'GET', '/api/v1/streams')).json)).not.toContain(OWN_TOKEN);
    // Neither token went to the other provider, and nothing was refused.
    expect(refusals).toEqual([]);
    // A token without the stream's own provider is refused (it would go nowhere, or to the host's provider).
    const bare = await api(host, 'POST', '/api/v1/streams', { name: 'bare-token', latency: 'low', encryption: 'aes-128', keyProviderToken: OWN_TOKEN });
    expect([bare.status, bare.json.error.code, bare.json.error.details?.fields?.[0]?.path]).toEqual([400, 'VALIDATION_FAILED', 'keyProviderToken']);
    expect((await api(host, 'GET', '/api/v1/streams/bare-token')).status).toBe(404);
    // Another provider without a new token: the old token does not follow it there.
    const moved = await api(host, 'PATCH', '/api/v1/streams/own-keys', { keyProviderUrl: `http://127.0.0.1:${own.port}/elsewhere` });
    expect([moved.status, moved.json.keyProviderTokenHint]).toEqual([200, null]);
    // Emptied: the host's provider again (from the next run).
    expect((await api(host, 'PATCH', '/api/v1/streams/own-keys', { keyProviderUrl: '' })).json.keyProviderUrl).toBe('');
  }, 90_000);

  it('does not go live when its own provider refuses its token, and says which token to check', async () => {
    const own = provider.address() as { port: number };
    await live('wrong-token', 'aes-128', { keyProviderUrl: `http://127.0.0.1:${own.port}/own`, keyProviderToken: 'not-the-right-token' });
    const stream = await waitFor('the stream in error', async () => {
      const s = (await api(host, 'GET', '/api/v1/streams/wrong-token')).json;
      return s.state === 'error' ? s : null;
    }, 30_000);
    expect(stream.stateReason).toContain('the key provider refused the host (401)');
    expect(stream.stateReason).toContain('keyProviderToken');
    expect(refusals).toContain('/own Bearer not-the-right-token');
  }, 60_000);

  it('writes the DRM systems the provider gives with a cbcs key into the init sections, the MPD and the playlists; the key decrypts the stream', async () => {
    const { master } = await live('vendor-cenc', 'cbcs');
    await waitFor('the master playlist', async () => (await fetch(master)).status === 200, 30_000);
    const video = new URL((await (await fetch(master)).text()).split('\n').find((l) => l.startsWith('v0.m3u8'))!, master);
    let text = '';
    await waitFor('three segments', async () => (text = await (await fetch(video)).text()).split('#EXTINF').length > 3, 20_000);
    const kid = /KEYID=0x([0-9a-f]{32})/.exec(text)![1]!;
    expect(asked).toContain(kid);
    expect(text).toContain(`#EXT-X-KEY:METHOD=SAMPLE-AES,URI="skd://${kid}",KEYFORMAT="com.apple.streamingkeydelivery",KEYFORMATVERSIONS="1"`);
    const mpd = await (await fetch(new URL(`manifest.mpd${video.search}`, video))).text();
    expect(mpd).toContain(`<ContentProtection schemeIdUri="urn:uuid:${WIDEVINE}">`);
    expect(mpd).toContain(`<cenc:pssh>${widevinePssh(kid).toString('base64')}</cenc:pssh>`);
    expect(mpd).toContain('<dashif:Laurl>https://drm.example/wv</dashif:Laurl>');
    const init = Buffer.from(await (await fetch(new URL(/#EXT-X-MAP:URI="([^"]+)"/.exec(text)![1]!, video))).arrayBuffer());
    expect(init.includes(widevinePssh(kid))).toBe(true);
    // The complete segments of the first run, with the provider's key, decode in ffmpeg (5.x decrypts cbcs).
    const ffmpeg = cbcsFfmpeg();
    if (!ffmpeg) return console.log('[encryption] no ffmpeg 5 here: decryption of the cbcs segments not checked');
    const lines = text.split('\n');
    const segments = lines.filter((l, i) => l && !l.startsWith('#') && lines[i - 1]?.startsWith('#EXTINF')).slice(0, 2);
    const media = await Promise.all(segments.map(async (u) => Buffer.from(await (await fetch(new URL(u, video))).arrayBuffer())));
    const decoded = framemd5Of(ffmpeg, Buffer.concat([init, ...media]), keyOf(kid));
    expect(decoded.stderr).toBe('');
    expect(decoded.md5s.length).toBeGreaterThanOrEqual(100);
    expect(framemd5Of(ffmpeg, Buffer.concat([init, ...media]), Buffer.alloc(16, 1)).md5s).not.toEqual(decoded.md5s);
  }, 90_000);

  it('does not go live, encrypted or clear, when the provider does not give the first key, and says why', async () => {
    silent = true;
    const { master } = await live('dark');
    const stream = await waitFor('the stream in error', async () => {
      const s = (await api(host, 'GET', '/api/v1/streams/dark')).json;
      return s.state === 'error' ? s : null;
    }, 30_000);
    expect(stream.stateReason).toContain('the key provider did not answer in 500 ms');
    expect(stream.stateReason).toContain('encrypted or clear');
    expect((await fetch(master)).status).not.toBe(200);
  }, 60_000);
});

