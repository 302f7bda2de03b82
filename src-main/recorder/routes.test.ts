import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { NO_VOD, type StoredRecording } from './recording-store.js';
import { UrlSigner } from '../protocols/signing.js';
import { recordingRoutes, signedDownloadPath, vodFile, type RecordingFiles } from './routes.js';

const ID = 'rec_abcdefabcdef';
const CONVERTING = 'rec_converting00';
const BODY = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));

const signer = new UrlSigner({ current: 'recording-routes-key-0123456789' });

describe('recording routes', () => {
  let root: string;
  let recording: StoredRecording;
  let app: FastifyInstance;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'recording-routes-'));
    const vod = path.join(root, 'vod', ID);
    fs.mkdirSync(vod, { recursive: true });
    fs.mkdirSync(path.join(root, 'thumbs'));
    fs.writeFileSync(path.join(root, 'main_2024-05-01_14-03-09_rec.mp4'), BODY);
    fs.writeFileSync(path.join(root, 'thumbs', `${ID}.jpg`), 'jpeg');
    fs.writeFileSync(path.join(root, 'secret.txt'), 'not for you');
    fs.writeFileSync(path.join(vod, 'master.m3u8'), '#EXTM3U\nmedia_0.m3u8\n');
    fs.writeFileSync(path.join(vod, 'media_0.m3u8'), '#EXTM3U\n#EXT-X-ENDLIST\n');
    fs.writeFileSync(path.join(vod, 'manifest.mpd'), '<MPD type="static"/>');
    fs.writeFileSync(path.join(vod, 'chunk-k2x9-stream0-00001.m4s'), 'segment');
    recording = {
      id: ID, stream: 'main', file: 'main_2024-05-01_14-03-09_rec.mp4', container: 'mp4', state: 'complete',
      startedAt: Date.UTC(2024, 4, 1, 14, 3, 9), endedAt: null, durationSec: 1, sizeBytes: BODY.length,
      video: null, audio: null, error: null, thumbnail: `${ID}.jpg`, vod: NO_VOD,
    };
    const service: RecordingFiles = {
      fileOf: (id, what) => {
        if (id !== ID) return undefined;
        return what === 'file' ? { dir: root, file: recording.file, recording } : { dir: path.join(root, 'thumbs'), file: `${ID}.jpg`, recording };
      },
      readyVodDir: (id) => (id === ID ? vod : undefined),
    };
    app = Fastify();
    await recordingRoutes(service, silentLogger(), signer)(app);
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  it('serves a complete recording through a signed download URL (for edges), refusing unsigned or wrong ones', async () => {
    const signed = signedDownloadPath(signer, recording, 60);
    expect(signed).toMatch(new RegExp(`^/vod/${ID}/download/main%202024-05-01%2014-03-09\\.mp4\\?exp=\\d+&sig=[A-Za-z0-9_-]{43}$`));
    const ok = await get(signed);
    expect(ok.statusCode).toBe(200);
    expect(ok.rawPayload.equals(BODY)).toBe(true);
    expect(ok.headers['cache-control']).toBe('private, max-age=3600');
    expect(ok.headers['content-disposition']).toContain('filename="main 2024-05-01 14-03-09.mp4"');
    const unsigned = await get(signed.split('?')[0]!);
    expect(unsigned.statusCode).toBe(403);
    expect(unsigned.json().error.details.reason).toBe('missing');
    const other = signedDownloadPath(new UrlSigner({ current: 'another-key-0123456789abc' }), recording, 60);
    expect((await get(other)).json().error.details.reason).toBe('bad_signature');
    // Signed for another recording, or another name: no.
    expect((await get(signed.replace(`/vod/${ID}/`, '/vod/rec_000000000000/'))).statusCode).toBe(404);
    expect((await get(signed.replace('download/main', 'download/other'))).statusCode).toBe(404);
    // A recording still being written is not handed out (an edge would keep the partial file).
    recording.state = 'recording';
    try {
      expect((await get(signed)).statusCode).toBe(404);
    } finally {
      recording.state = 'complete';
    }
  });

  it('serves the file as a download with a friendly name, an ETag and Range support', async () => {
    const full = await get(`/api/v1/recordings/${ID}/file`);
    expect(full.statusCode).toBe(200);
    expect(full.headers['content-type']).toBe('video/mp4');
    expect(full.headers['content-disposition']).toBe(`attachment; filename="main 2024-05-01 14-03-09.mp4"; filename*=UTF-8''main%202024-05-01%2014-03-09.mp4`);
    expect(full.headers['accept-ranges']).toBe('bytes');
    expect(full.rawPayload.equals(BODY)).toBe(true);
    const etag = String(full.headers.etag);
    expect(etag).toMatch(/^W\/"/);

    const part = await get(`/api/v1/recordings/${ID}/file`, { range: 'bytes=100-199' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 100-199/${BODY.length}`);
    expect(part.rawPayload.equals(BODY.subarray(100, 200))).toBe(true);

    expect((await get(`/api/v1/recordings/${ID}/file`, { 'if-none-match': etag })).statusCode).toBe(304);
    const beyond = await get(`/api/v1/recordings/${ID}/file`, { range: 'bytes=5000-6000' });
    expect(beyond.statusCode).toBe(416);
    expect(beyond.headers['content-disposition']).toBeUndefined();
    expect(beyond.json()).toEqual({ error: { code: 'BAD_REQUEST', message: 'range not satisfiable' } });
  });

  it('serves the thumbnail', async () => {
    const res = await get(`/api/v1/recordings/${ID}/thumbnail.jpg`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.body).toBe('jpeg');
  });

  it('answers unknown ids with a JSON 404 that is not cached', async () => {
    for (const url of ['/api/v1/recordings/rec_000000000000/file', '/api/v1/recordings/nope/thumbnail.jpg', `/vod/${CONVERTING}/index.m3u8`]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.json().error.code).toBe('NOT_FOUND');
    }
  });

  it('serves the VOD: master as index.m3u8, MPD, media playlists and segments, with CORS and caching', async () => {
    const master = await get(`/vod/${ID}/index.m3u8`);
    expect(master.statusCode).toBe(200);
    expect(master.headers['content-type']).toBe('application/vnd.apple.mpegurl');
    expect(master.headers['access-control-allow-origin']).toBe('*');
    expect(master.headers['cache-control']).toBe('public, max-age=60');
    expect(master.body).toContain('media_0.m3u8');
    const mpd = await get(`/vod/${ID}/manifest.mpd`);
    expect([mpd.statusCode, mpd.headers['content-type']]).toEqual([200, 'application/dash+xml']);
    expect((await get(`/vod/${ID}/media_0.m3u8`)).body).toContain('ENDLIST');
    const segment = await get(`/vod/${ID}/chunk-k2x9-stream0-00001.m4s`, { range: 'bytes=0-2' });
    expect(segment.statusCode).toBe(206);
    expect(segment.headers['content-type']).toBe('video/mp4');
    expect(segment.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(segment.body).toBe('seg');
    const preflight = await app.inject({ method: 'OPTIONS', url: `/vod/${ID}/index.m3u8`, headers: { origin: 'http://x', 'access-control-request-method': 'GET' } });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('*');
  });

  it('refuses traversal and unknown files with a JSON 404', async () => {
    for (const url of [
      `/vod/${ID}/..%2F..%2Fsecret.txt`,
      `/vod/${ID}/%2e%2e/secret.txt`,
      `/vod/..%2F${ID}/index.m3u8`,
      `/vod/${ID}/missing-00001.m4s`,
      `/vod/${ID}/notes.txt`,
      `/vod/${ID}/a/b/c.m4s`,
      '/vod/',
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code, url).toBe('NOT_FOUND');
      expect(res.body).not.toContain('not for you');
    }
    // Dot segments are resolved before routing: this one leaves /vod (the app's 404 handler answers).
    const dots = await get(`/vod/${ID}/../../secret.txt`);
    expect(dots.statusCode).toBe(404);
    expect(dots.body).not.toContain('not for you');
  });
});

describe('vodFile', () => {
  it('maps URL names to files, types and caching', () => {
    expect(vodFile('index.m3u8')).toEqual({ file: 'master.m3u8', contentType: 'application/vnd.apple.mpegurl', cacheControl: 'public, max-age=60' });
    expect(vodFile('media_12.m3u8')?.file).toBe('media_12.m3u8');
    expect(vodFile('init-ab12-stream1.m4s')?.cacheControl).toBe('public, max-age=31536000, immutable');
    for (const bad of ['media_x.m3u8', 'manifest.mpd.tmp', '.hidden.m4s', 'x.exe', '']) expect(vodFile(bad), bad).toBeNull();
  });
});
