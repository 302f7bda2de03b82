import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Video } from '../../src-shared/contract/videos.js';
import { UrlSigner } from '../protocols/signing.js';
import { VodKeys } from '../recorder/vod-encryption.js';
import { videoFileHandler, type VideoFilesPort } from './routes.js';

// A library video's files as the /vod/ routes hand them over, clear and encrypted (AES-128), through
// Fastify's inject: what each file answers, and that an encrypted segment decrypts with the key its
// playlist names.
const ID = 'vid_abcdefabcdef';
const SEGMENT = Buffer.from(Array.from({ length: 4000 }, (_, i) => (i * 7) % 256));
const signer = new UrlSigner({ current: 'video-routes-key-0123456789' });
const master = crypto.randomBytes(32).toString('base64url');
let rotation = 1; // the configured key rotation, read at each request as the host reads its settings

describe('a library video\'s files', () => {
  let dir: string;
  let app: FastifyInstance;
  const video: Pick<Video, 'id' | 'visibility' | 'encryption'> & { media: { durationSec: number } } = { id: ID, visibility: 'public', encryption: 'none', media: { durationSec: 8 } };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'video-routes-'));
    fs.writeFileSync(path.join(dir, 'master.m3u8'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000000\nmedia_0.m3u8\n');
    fs.writeFileSync(
      path.join(dir, 'media_0.m3u8'),
      ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:4', '#EXT-X-PLAYLIST-TYPE:VOD', '#EXT-X-MAP:URI="init-g1-stream0.m4s"', '#EXTINF:4.000000,', 'chunk-g1-stream0-00001.m4s', '#EXT-X-ENDLIST', ''].join('\n'),
    );
    fs.writeFileSync(
      path.join(dir, 'manifest.mpd'),
      '<MPD type="static"><Period><AdaptationSet contentType="video"><Representation id="0"><SegmentTemplate initialization="init-g1-stream$RepresentationID$.m4s" media="chunk-g1-stream$RepresentationID$-$Number%05d$.m4s"/></Representation></AdaptationSet></Period></MPD>',
    );
    fs.writeFileSync(path.join(dir, 'video.mp4'), 'mp4');
    fs.writeFileSync(path.join(dir, 'init-g1-stream0.m4s'), 'init');
    fs.writeFileSync(path.join(dir, 'chunk-g1-stream0-00001.m4s'), SEGMENT);
    const port: VideoFilesPort = { readyVideo: (id) => (id === ID ? video : undefined), dirOf: () => dir, addView: () => undefined };
    const handler = videoFileHandler(port, signer, { keysOf: (id) => new VodKeys(id, rotation, master) });
    app = Fastify();
    app.get('/vod/:id/*', (req, reply) => {
      const { id, '*': rest } = req.params as { id: string; '*': string };
      return handler(req, reply, id, rest);
    });
    app.post('/vod/:id/licence', (req, reply) => handler(req, reply, (req.params as { id: string }).id, 'licence'));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = async (file: string) => {
    const res = await app.inject({ method: 'GET', url: `/vod/${ID}/${file}` });
    return { status: res.statusCode, code: res.statusCode >= 400 ? (res.json() as { error: { code: string } }).error.code : null, res };
  };

  it("publishes a media segment's SHA-256 beside it for P2P viewers, and nothing beside anything else", async () => {
    const hash = await get('chunk-g1-stream0-00001.m4s.sha256');
    expect(hash.status).toBe(200);
    expect(hash.res.body.trim()).toBe(crypto.createHash('sha256').update(SEGMENT).digest('hex'));
    for (const file of ['init-g1-stream0.m4s.sha256', 'media_0.m3u8.sha256', 'video.mp4.sha256', 'nothing-00009.m4s.sha256']) expect((await get(file)).code, file).toBe('NOT_FOUND');
  });

  it('serves a clear video\'s files as they are, and no keys', async () => {
    Object.assign(video, { visibility: 'public', encryption: 'none' });
    for (const file of ['video.mp4', 'manifest.mpd', 'chunk-g1-stream0-00001.m4s', 'media_0.m3u8']) expect([file, (await get(file)).status]).toEqual([file, 200]);
    expect((await get('media_0.m3u8')).res.body).not.toContain('EXT-X-KEY');
    expect((await get('aes-r1-chunk-g1-stream0-00001.m4s')).status).toBe(404);
    expect(await get(`keys/${new VodKeys(ID, 1, master).kidOf('chunk-g1-stream0-00001.m4s')}`)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  const licence = async (body: unknown, query = '') => {
    const res = await app.inject({ method: 'POST', url: `/vod/${ID}/licence${query ? `?${query}` : ''}`, payload: body as object, headers: { host: 'edge.example:8443' } });
    return { status: res.statusCode, code: res.statusCode >= 400 ? (res.json() as { error: { code: string } }).error.code : null, res };
  };

  it('serves an encrypted video as AES-128 HLS: keyed playlists, segments that decrypt with their key, no MP4, no clear segment', async () => {
    Object.assign(video, { visibility: 'public', encryption: 'aes-128' });
    for (const file of ['video.mp4', 'chunk-g1-stream0-00001.m4s']) expect([file, (await get(file)).status]).toEqual([file, 404]);
    // Its segments do not travel between viewers: no hash of either name.
    for (const file of ['chunk-g1-stream0-00001.m4s.sha256', 'aes-r1-chunk-g1-stream0-00001.m4s.sha256']) expect([file, (await get(file)).status]).toEqual([file, 404]);
    expect((await get('init-g1-stream0.m4s')).status).toBe(200);
    expect((await get('master.m3u8')).res.body).toContain('media_0.m3u8');
    const media = (await get('media_0.m3u8')).res.body;
    const key = /#EXT-X-KEY:METHOD=AES-128,URI="(keys\/[0-9a-f]{32})",IV=0x([0-9a-f]{32})/.exec(media)!;
    expect(media).toContain('\naes-r1-chunk-g1-stream0-00001.m4s');
    const keyAnswer = await get(key[1]!);
    expect([keyAnswer.status, keyAnswer.res.headers['cache-control'], keyAnswer.res.rawPayload.length]).toEqual([200, 'no-store, private', 16]);
    const encrypted = (await get('aes-r1-chunk-g1-stream0-00001.m4s')).res.rawPayload;
    const decipher = crypto.createDecipheriv('aes-128-cbc', keyAnswer.res.rawPayload, Buffer.from(key[2]!, 'hex'));
    expect(Buffer.concat([decipher.update(encrypted), decipher.final()])).toEqual(SEGMENT);
    // A key it does not have (another epoch, a period past its end) is not made up.
    expect((await get(`keys/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await get(`keys/${new VodKeys(ID, 1, master).epoch}${(99).toString(16).padStart(16, '0')}`)).status).toBe(404);
    for (const file of ['aes-r1-init-g1-stream0.m4s', 'aes-init-g1-stream0.m4s', 'aes-r1-../video.mp4', 'aes-../video.mp4', 'aes-r0-chunk-g1-stream0-00001.m4s', 'aes-r10001-chunk-g1-stream0-00001.m4s']) {
      expect([file, (await get(file)).status]).toEqual([file, 404]);
    }
  });

  it('keeps a segment encrypted under the rotation its name says when the rotation is changed, so a cached copy still decrypts with its key', async () => {
    Object.assign(video, { visibility: 'public', encryption: 'aes-128' });
    const decrypts = async (media: string, name: string): Promise<boolean> => {
      const key = /#EXT-X-KEY:METHOD=AES-128,URI="(keys\/[0-9a-f]{32})",IV=0x([0-9a-f]{32})/.exec(media)!;
      const keyBytes = (await get(key[1]!)).res.rawPayload;
      const decipher = crypto.createDecipheriv('aes-128-cbc', keyBytes, Buffer.from(key[2]!, 'hex'));
      try {
        return Buffer.concat([decipher.update((await get(name)).res.rawPayload), decipher.final()]).equals(SEGMENT);
      } catch {
        return false;
      }
    };
    try {
      // Segment 1: period 1 under a rotation of 1, period 0 under 2: another key.
      rotation = 1;
      const before = (await get('media_0.m3u8')).res.body;
      rotation = 2;
      const after = (await get('media_0.m3u8')).res.body;
      expect(after).toContain('\naes-r2-chunk-g1-stream0-00001.m4s');
      expect(after).not.toBe(before);
      expect(await decrypts(after, 'aes-r2-chunk-g1-stream0-00001.m4s')).toBe(true);
      // The copy named under the old rotation (in a player's or an edge's cache, or asked by an old playlist)
      // is the same bytes as before, and the old playlist's key still decrypts it.
      expect(await decrypts(before, 'aes-r1-chunk-g1-stream0-00001.m4s')).toBe(true);
      expect(await decrypts(after, 'aes-r1-chunk-g1-stream0-00001.m4s')).toBe(false);
      // A name from before rotations were named is encrypted under the configured one.
      expect(await decrypts(after, 'aes-chunk-g1-stream0-00001.m4s')).toBe(true);
    } finally {
      rotation = 1;
    }
  });

  it('gives an encrypted video a Common Encryption MPD whose ClearKey licence server answers with its cbcs key, and refuses bad requests', async () => {
    Object.assign(video, { visibility: 'public', encryption: 'aes-128' });
    const keys = new VodKeys(ID, rotation, master);
    const mpd = await app.inject({ method: 'GET', url: `/vod/${ID}/manifest.mpd`, headers: { host: 'edge.example:8443' } });
    expect([mpd.statusCode, mpd.headers.vary]).toEqual([200, 'X-Forwarded-Host']);
    expect(mpd.body).toContain('xmlns:cenc="urn:mpeg:cenc:2013"');
    expect(mpd.body).toContain('initialization="cbcs-init-g1-stream$RepresentationID$.m4s"');
    expect(mpd.body).toContain(`<dashif:Laurl>//edge.example:8443/vod/${ID}/licence</dashif:Laurl>`);
    const ask = { kids: [Buffer.from(keys.cbcsKid, 'hex').toString('base64url')], type: 'temporary' };
    const ok = await licence(ask);
    expect([ok.status, ok.res.headers['cache-control']]).toEqual([200, 'no-store, private']);
    expect(Buffer.from((ok.res.json() as { keys: { k: string }[] }).keys[0]!.k, 'base64url')).toEqual(keys.cbcsKey());
    expect(await licence({ kids: [Buffer.alloc(16, 9).toString('base64url')] })).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(await licence({ nope: 1 })).toMatchObject({ status: 400, code: 'BAD_REQUEST' });
    // The fixture's init section is no MP4: what cannot be protected is a 404 that says so, never a clear file.
    const bad = await get('cbcs-chunk-g1-stream0-00001.m4s');
    expect([bad.status, bad.res.body]).toEqual([404, expect.stringContaining('cannot be served with Common Encryption')]);
    for (const file of ['cbcs-media_0.m3u8', 'cbcs-video.mp4', 'cbcs-../video.mp4']) expect([file, (await get(file)).status]).toEqual([file, 404]);
    // A clear video has no licence server and no cbcs- files.
    Object.assign(video, { encryption: 'none' });
    expect(await licence(ask)).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect((await get('cbcs-init-g1-stream0.m4s')).status).toBe(404);
    // A private one's licence goes to its signed URL only, which its MPD passes on to the licence server.
    Object.assign(video, { visibility: 'private', encryption: 'aes-128' });
    const query = new URLSearchParams(signer.sign(`vod/${ID}`, { expiresInSec: 60 })).toString();
    expect(await licence(ask)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect((await licence(ask, query)).status).toBe(200);
    const privateMpd = (await get(`manifest.mpd?${query}`)).res.body;
    expect(privateMpd).toContain(`/vod/${ID}/licence?${query.replaceAll('&', '&amp;')}</dashif:Laurl>`);
  });

  it('gives a private encrypted video\'s keys to its signed URL only, and passes the signature on to them', async () => {
    Object.assign(video, { visibility: 'private', encryption: 'aes-128' });
    const query = new URLSearchParams(signer.sign(`vod/${ID}`, { expiresInSec: 60 })).toString();
    const media = (await get(`media_0.m3u8?${query}`)).res.body;
    const uri = /URI="(keys\/[0-9a-f]{32})\?([^"]+)"/.exec(media)!;
    expect(uri[2]).toBe(query);
    // Its playlists are asked again each time (a browser that played it clear meets the change).
    expect((await get(`media_0.m3u8?${query}`)).res.headers['cache-control']).toBe('private, no-cache');
    expect((await get(`aes-r1-chunk-g1-stream0-00001.m4s?${query}`)).res.headers['cache-control']).toBe('private, max-age=300');
    expect(media).toContain(`#EXT-X-MAP:URI="init-g1-stream0.m4s?${query}"`);
    expect(media).toContain(`\naes-r1-chunk-g1-stream0-00001.m4s?${query}\n`);
    expect((await get(`aes-r1-chunk-g1-stream0-00001.m4s?${query}`)).status).toBe(200);
    expect((await get('aes-r1-chunk-g1-stream0-00001.m4s')).status).toBe(403);
    expect(await get(uri[1]!)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect((await get(`${uri[1]!}?${query}`)).status).toBe(200);
    expect((await get(`${uri[1]!}?${query.replace(/sig=[^&]+/, `sig=${'A'.repeat(43)}`)}`)).status).toBe(403);
  });
});
