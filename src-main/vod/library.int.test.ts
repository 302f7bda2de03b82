// The video library through a real host: a tus-js-client upload in parallel parts becomes a video
// by itself, is processed (fast preset) into HLS, DASH, MP4, poster, thumbnails, seek previews and
// chapters, takes a subtitle track, goes private (signed URLs only), and is deleted with its files.
// A file that is not media fails at probe and frees its disk. A host SIGKILLed mid-transcode
// finishes the job after a restart: one video, one job, nothing lost or run twice. A recording's VOD
// conversion is a job of the same queue: a host SIGKILLed mid-conversion resumes it after a restart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { api, cleanEnv, startHost, tempHome, type HostProcess } from '../../test-support/host-process.js';
import { exitOf, ffprobe, publishTestPattern, stopHostCleanly } from '../../test-support/media.js';
import { makeClip, SAMPLE_SRT, tusUpload } from '../../test-support/vod-media.js';
import { waitFor } from '../../test-support/wait.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'streams-library-'));
let clip = '';
let host: HostProcess | undefined;
afterAll(async () => {
  await stopHostCleanly(host);
  fs.rmSync(work, { recursive: true, force: true });
});

async function videoOf(h: HostProcess, uploadId: string): Promise<Record<string, any>> {
  const list = await api(h, 'GET', `/api/v1/videos?uploadId=${uploadId}`);
  expect(list.status).toBe(200);
  expect(list.json).toHaveLength(1);
  return (list.json as unknown as Record<string, any>[])[0]!;
}

/** The status of a WebSocket upgrade at `url`: 101 when it opened (closed again at once). */
const upgradeStatus = (url: string): Promise<number> =>
  new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once('open', () => {
      ws.close();
      resolve(101);
    });
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.once('error', reject);
  });

const until = (h: HostProcess, id: string, state: string, timeoutMs: number) =>
  waitFor(
    `video ${id} ${state}`,
    async () => {
      const video = (await api(h, 'GET', `/api/v1/videos/${id}`)).json;
      if (video.state === 'failed' && state !== 'failed') throw new Error(`failed: ${JSON.stringify(video.error)}`);
      return video.state === state ? video : undefined;
    },
    timeoutMs,
    250,
  );

describe('video library through a real host', () => {
  beforeAll(async () => {
    clip = await makeClip(path.join(work, 'clip.mp4'), { seconds: 24, scenes: 4 });
    host = await startHost({ env: cleanEnv({ STREAMS_LIBRARY_DEFAULT_PRESET: 'fast' }) });
  }, 120_000);

  it('upload in parallel parts -> ready with every output; subtitles; private; delete', async () => {
    const h = host!;
    const uploadId = await tusUpload(h, clip, { filename: 'Sea trip.mp4' }, 3);
    const created = await videoOf(h, uploadId);
    expect(created).toMatchObject({ title: 'Sea trip', source: 'upload', uploadId, fileName: 'Sea trip.mp4' });
    expect(['queued', 'processing', 'ready']).toContain(created.state);
    const ready = await until(h, created.id, 'ready', 240_000);
    expect(ready.durationSec).toBeGreaterThan(23);
    expect(ready.urls.thumbnails).toHaveLength(10);
    expect(ready.chapters.length).toBeGreaterThanOrEqual(2);

    for (const url of [ready.urls.hls, ready.urls.dash, ready.urls.mp4]) {
      const probe = ffprobe(`${h.url}${url}`);
      expect(probe.error, url).toBeUndefined();
      expect(probe.streams.map((s) => s.codec_type).sort()).toEqual(expect.arrayContaining(['audio', 'video']));
    }
    // ffprobe opened the master and the MPD as viewers do; a signed-in studio's play does not count.
    const views = (await api(h, 'GET', `/api/v1/videos/${ready.id}`)).json.views;
    expect(views).toBeGreaterThanOrEqual(2);
    await fetch(`${h.url}${ready.urls.hls}`, { headers: { cookie: 'streams_session=x' } });
    expect((await api(h, 'GET', `/api/v1/videos/${ready.id}`)).json.views).toBe(views);
    const range = await fetch(`${h.url}${ready.urls.mp4}`, { headers: { range: 'bytes=0-99' } });
    expect(range.status).toBe(206);
    expect((await range.arrayBuffer()).byteLength).toBe(100);
    for (const url of [ready.urls.poster, ready.urls.thumbnails[9], ready.urls.sprite, ready.urls.chapters]) {
      expect((await fetch(`${h.url}${url}`)).status, url).toBe(200);
    }
    const previews = await (await fetch(`${h.url}${ready.urls.sprite}`)).text();
    const sheet = /^(sprite-\d+\.jpg)#xywh=\d+,\d+,\d+,\d+$/m.exec(previews);
    expect(sheet).not.toBeNull();
    expect((await fetch(`${h.url}/vod/${ready.id}/${sheet![1]}`)).headers.get('content-type')).toBe('image/jpeg');

    const subbed = await api(h, 'POST', `/api/v1/videos/${ready.id}/subtitles`, { language: 'en', format: 'srt', content: SAMPLE_SRT });
    expect(subbed.status).toBe(201);
    expect(subbed.json.subtitles).toEqual([expect.objectContaining({ language: 'en', label: 'English' })]);
    const master = await (await fetch(`${h.url}${ready.urls.hls}`)).text();
    expect(master).toMatch(/#EXT-X-MEDIA:TYPE=SUBTITLES,.*LANGUAGE="en"/);
    expect(master).toMatch(/#EXT-X-STREAM-INF:.*SUBTITLES="subs"/);
    const mpd = await (await fetch(`${h.url}${ready.urls.dash}`)).text();
    expect(mpd).toMatch(/<AdaptationSet[^>]*contentType="text"[^>]*lang="en"|<AdaptationSet[^>]*lang="en"[^>]*contentType="text"/);
    const vtt = await (await fetch(`${h.url}${subbed.json.subtitles[0].url}`)).text();
    expect(vtt).toMatch(/^WEBVTT/);
    expect(vtt).toContain('Hello from the studio');
    const bad = await api(h, 'POST', `/api/v1/videos/${ready.id}/subtitles`, { language: 'fr', format: 'srt', content: 'not subtitles at all' });
    expect(bad.status).toBe(400);
    expect((await api(h, 'GET', `/api/v1/videos/${ready.id}`)).json.subtitles).toHaveLength(1);

    // A public video's watch page shares segments: its swarm's tracker answers, each segment's hash is published.
    const tracker = `${h.url.replace(/^http/, 'ws')}/p2p/videos/${ready.id}/announce`;
    expect(await (await fetch(`${h.url}/watch/${ready.id}`)).text()).toContain(`"tracker":"/p2p/videos/${ready.id}/announce"`);
    expect(await upgradeStatus(tracker)).toBe(101);
    expect(await upgradeStatus(`${h.url.replace(/^http/, 'ws')}/p2p/videos/vid_000000000000/announce`)).toBe(404);
    const media = await (await fetch(new URL(master.split('\n').find((l) => l.startsWith('media_'))!, `${h.url}${ready.urls.hls}`))).text();
    const segmentUrl = new URL(media.split('\n').find((l) => l && !l.startsWith('#'))!, `${h.url}/vod/${ready.id}/`);
    const segment = Buffer.from(await (await fetch(segmentUrl)).arrayBuffer());
    expect((await (await fetch(`${segmentUrl.href}.sha256`)).text()).trim()).toBe(crypto.createHash('sha256').update(segment).digest('hex'));

    expect((await api(h, 'PATCH', `/api/v1/videos/${ready.id}`, { visibility: 'private' })).status).toBe(200);
    expect((await fetch(`${h.url}${ready.urls.hls}`)).status).toBe(403);
    expect((await fetch(`${h.url}/watch/${ready.id}`)).status).toBe(403);
    // A private video's viewers do not share: no swarm, no P2P on its (signed) watch page.
    expect(await upgradeStatus(tracker)).toBe(403);
    const signed = (await api(h, 'GET', `/api/v1/videos/${ready.id}/watch-url`)).json;
    expect(signed.hls).toMatch(/\?exp=\d+&sig=/);
    const signedMaster = await (await fetch(signed.hls)).text();
    const variant = signedMaster.split('\n').find((l) => l.startsWith('media_'));
    expect(variant).toMatch(/\?exp=\d+&sig=/);
    expect((await fetch(new URL(variant!, signed.hls))).status).toBe(200);
    expect(ffprobe(signed.hls).error).toBeUndefined();
    const signedWatch = await fetch(signed.watch);
    expect(signedWatch.status).toBe(200);
    expect(await signedWatch.text()).toContain('const P2P = null;');

    const dir = path.join(h.home, 'library', 'videos', ready.id);
    expect(fs.existsSync(dir)).toBe(true);
    expect((await api(h, 'DELETE', `/api/v1/videos/${ready.id}`)).status).toBe(200);
    expect(fs.existsSync(dir)).toBe(false);
    expect(fs.existsSync(path.join(h.home, 'library', 'uploads', uploadId))).toBe(false);
    expect((await api(h, 'GET', `/api/v1/videos/${ready.id}`)).status).toBe(404);
    expect((await fetch(`${h.url}${ready.urls.hls}`)).status).toBe(404);
  }, 300_000);

  it('a file that is not media fails at probe with the reason, and its upload leaves the disk', async () => {
    const h = host!;
    const text = path.join(work, 'notes.mp4');
    fs.writeFileSync(text, 'these are my notes, not a video\n'.repeat(2000));
    const uploadId = await tusUpload(h, text, { filename: 'notes.mp4', title: 'Notes' });
    const failed = await until(h, (await videoOf(h, uploadId)).id, 'failed', 30_000);
    expect(failed.error).toMatchObject({ code: 'MEDIA_INVALID' });
    expect(failed.error.message.length).toBeGreaterThan(5);
    expect(fs.existsSync(path.join(h.home, 'library', 'uploads', uploadId))).toBe(false);
    expect((await api(h, 'POST', `/api/v1/videos/${failed.id}/process`)).json.error.code).toBe('CONFLICT');
  }, 60_000);

  it('an upload is a video from its creation (uploading); terminated by its client, the video goes too', async () => {
    const h = host!;
    const tus = { authorization: `Bearer ${h.token}`, 'tus-resumable': '1.0.0' };
    const created = await fetch(`${h.url}/api/v1/uploads`, {
      method: 'POST',
      headers: { ...tus, 'upload-length': '1000', 'upload-metadata': `filename ${Buffer.from('half.mp4').toString('base64')}` },
    });
    expect(created.status).toBe(201);
    const uploadId = created.headers.get('location')!.split('/').pop()!;
    expect(await videoOf(h, uploadId)).toMatchObject({ state: 'uploading', title: 'half', upload: { offset: 0, size: 1000 } });
    expect((await fetch(`${h.url}/api/v1/uploads/${uploadId}`, { method: 'DELETE', headers: tus })).status).toBe(204);
    // The video goes right after the upload's 204 (the library hears of the termination once tus answered).
    await waitFor('the video gone', async () => ((await api(h, 'GET', `/api/v1/videos?uploadId=${uploadId}`)).json.length === 0 ? true : undefined), 5000, 50);
  });

  it('bad input to the API is refused with a code and changes nothing', async () => {
    const h = host!;
    const before = (await api(h, 'GET', '/api/v1/videos')).json;
    expect((await api(h, 'POST', '/api/v1/videos', { title: 'x' })).json.error.code).toBe('VALIDATION_FAILED');
    expect((await api(h, 'POST', '/api/v1/videos', { title: 'x', uploadId: 'nope' })).json.error.code).toBe('NOT_FOUND');
    expect((await api(h, 'POST', '/api/v1/videos', { title: 'x', recordingId: 'rec_aaaaaaaaaaaa' })).json.error.code).toBe('NOT_FOUND');
    expect((await api(h, 'GET', '/api/v1/videos/vid_aaaaaaaaaaaa')).json.error.code).toBe('NOT_FOUND');
    expect((await api(h, 'GET', '/api/v1/videos/../../etc')).status).toBe(404);
    // An encryption no player knows: refused, whichever video it names.
    const some = (before as { id: string }[])[0]?.id ?? 'vid_aaaaaaaaaaaa';
    const badEncryption = await api(h, 'PATCH', `/api/v1/videos/${some}`, { encryption: 'rot13' });
    expect([badEncryption.status, badEncryption.json.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect((await api(h, 'GET', `/vod/vid_aaaaaaaaaaaa/keys/${'0'.repeat(32)}`)).status).toBe(404);
    expect((await api(h, 'GET', '/api/v1/videos', undefined, null)).status).toBe(401);
    expect((await api(h, 'GET', '/api/v1/videos')).json).toEqual(before);
  });
});

describe('a host killed during a transcode', () => {
  it('resumes the queue after a restart: the video is ready, one job, no duplicate', async () => {
    await stopHostCleanly(host);
    host = undefined;
    const home = tempHome();
    const long = await makeClip(path.join(work, 'long.mp4'), { seconds: 40, size: '854x480', scenes: 3 });
    const env = cleanEnv({ STREAMS_LIBRARY_DEFAULT_PRESET: 'balanced' });
    let h = await startHost({ home, env });
    const uploadId = await tusUpload(h, long, { filename: 'long.mp4' });
    const id = (await videoOf(h, uploadId)).id as string;
    await waitFor('the transcode under way', async () => {
      const video = (await api(h, 'GET', `/api/v1/videos/${id}`)).json;
      return video.state === 'processing' && video.progress > 0.05 ? video : undefined;
    }, 120_000, 200);
    await h.stop('SIGKILL');
    h = await startHost({ home, env });
    host = h;
    const ready = await until(h, id, 'ready', 400_000);
    expect(ready.job).toMatchObject({ state: 'done', attempts: 2 });
    const { jobs } = (await api(h, 'GET', '/api/v1/jobs')).json;
    expect(jobs.filter((j: { subject: string }) => j.subject === id)).toHaveLength(1);
    expect((await api(h, 'GET', '/api/v1/videos')).json).toHaveLength(1);
    expect(ffprobe(`${h.url}${ready.urls.hls}`).error).toBeUndefined();
    expect(fs.readdirSync(path.join(home, 'library', 'videos'))).toEqual([id]);
  }, 600_000);
});

describe("a host killed during a recording's VOD conversion", () => {
  it('resumes it from the shared queue after a restart: the VOD is ready, one job, run twice', async () => {
    await stopHostCleanly(host);
    host = undefined;
    const home = tempHome();
    let h = await startHost({ home });
    const stream = (await api(h, 'POST', '/api/v1/streams', { name: 'rec', ladder: 'passthrough', record: true })).json;
    // 30 s of media at 4x real time: a remux that keeps up.
    expect(await exitOf(publishTestPattern(`${stream.ingest.rtmp}/${stream.key}`, { size: '854x480', seconds: 30, readrate: 4 }))).toBe(0);
    const recording = await waitFor('a complete recording', async () => ((await api(h, 'GET', '/api/v1/recordings?stream=rec')).json as any[]).find((r) => r.state === 'complete'), 30_000, 250);
    const id = recording.id as string;
    expect((await api(h, 'POST', `/api/v1/recordings/${id}/vod`, { ladder: 'standard' })).status).toBe(202);
    await waitFor('the conversion under way', async () => {
      const vod = (await api(h, 'GET', `/api/v1/recordings/${id}`)).json.vod;
      return vod.state === 'converting' && vod.progress > 0.05 ? vod : undefined;
    }, 60_000, 100);
    const { jobs: running } = (await api(h, 'GET', '/api/v1/jobs')).json;
    expect(running.filter((j: { subject: string }) => j.subject === id)).toMatchObject([{ kind: 'recording-vod', state: 'running', attempts: 1 }]);
    await h.stop('SIGKILL');

    h = await startHost({ home });
    host = h;
    // Still converting after the restart (not failed), then ready.
    expect((await api(h, 'GET', `/api/v1/recordings/${id}`)).json.vod.state).toBe('converting');
    const ready = await waitFor('the VOD ready', async () => {
      const vod = (await api(h, 'GET', `/api/v1/recordings/${id}`)).json.vod;
      if (vod.state === 'failed') throw new Error(`failed: ${vod.error}`);
      return vod.state === 'ready' ? vod : undefined;
    }, 120_000, 250);
    expect(ready).toEqual({ state: 'ready', progress: 1, ladder: 'standard', hls: `/vod/${id}/index.m3u8`, dash: `/vod/${id}/manifest.mpd`, error: null });
    const { jobs } = (await api(h, 'GET', '/api/v1/jobs')).json;
    expect(jobs.filter((j: { subject: string }) => j.subject === id)).toMatchObject([{ kind: 'recording-vod', state: 'done', attempts: 2 }]);
    expect(ffprobe(`${h.url}${ready.hls}`).error).toBeUndefined();
    await stopHostCleanly(h);
    host = undefined;
    fs.rmSync(home, { recursive: true, force: true });
  }, 240_000);
});
