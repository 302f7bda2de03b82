import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, cleanEnv, runStreams, startHost, tempHome, type HostProcess } from '../../test-support/host-process.js';
import { ffprobe, publishTestPattern } from '../../test-support/media.js';
import { needs } from '../../test-support/peers.js';
import { startFfmpegListener, stopChild, type FfmpegListener } from '../../test-support/receivers.js';
import { makeClip, tusUpload } from '../../test-support/vod-media.js';
import { waitFor } from '../../test-support/wait.js';

/**
 * `streams backup` of a home whose host is live (a publisher on, the library serving), then
 * `streams restore` into another home, started on other ports beside the first: the stream key
 * publishes, the tokens call the API, the video plays, the restream key (sealed in the database) opens.
 */
describe.skipIf(needs('ffmpeg', 'ffprobe'))('backup and restore of a live home', () => {
  let work: string;
  let a: HostProcess;
  let b: HostProcess | undefined;
  let homeB: string;
  const publishers: ChildProcess[] = [];
  let listener: FfmpegListener | undefined;
  let key = '';
  let videoId = '';
  let readerToken = '';
  let destinationId = '';

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-'));
    const clip = makeClip(path.join(work, 'clip.mp4'), { seconds: 6, scenes: 2, size: '320x180' });
    a = await startHost({ env: cleanEnv({ STREAMS_LIBRARY_DEFAULT_PRESET: 'fast', STREAMS_BACKUP_KEEP: '2' }) });
    const created = await api(a, 'POST', '/api/v1/streams', { name: 'show', ladder: 'passthrough' });
    expect(created.status, created.text).toBe(201);
    key = created.json.key as string;
    const made = await api(a, 'POST', '/api/v1/tokens', { name: 'reader', scopes: ['streams:read'] });
    expect(made.status, made.text).toBe(201);
    readerToken = made.json.token as string;
    // Where the restored host will relay to: a sealed key, and no start on the first host.
    const destination = await api(a, 'POST', '/api/v1/streams/show/destinations', { url: 'rtmp://127.0.0.1:9/live', key: 'sealed-restream-key', autoStart: false, label: 'relay' });
    expect(destination.status, destination.text).toBe(201);
    destinationId = destination.json.id as string;
    const uploadId = await tusUpload(a, await clip, { filename: 'Trip.mp4' });
    videoId = await waitFor('the video made from the upload', async () => {
      const list = (await api(a, 'GET', `/api/v1/videos?uploadId=${uploadId}`)).json as unknown as { items?: { id: string }[] } | { id: string }[];
      const items = Array.isArray(list) ? list : (list.items ?? []);
      return items[0]?.id;
    }, 20_000);
    await waitFor('the video ready', async () => {
      const video = (await api(a, 'GET', `/api/v1/videos/${videoId}`)).json;
      if (video.state === 'failed') throw new Error(JSON.stringify(video.error));
      return video.state === 'ready';
    }, 120_000, 500);
    publishers.push(publishTestPattern(`rtmp://127.0.0.1:${a.rtmpPort}/live/${key}`, { size: '320x180', fps: 15 }));
    await waitFor('the stream live on the first host', async () => (await api(a, 'GET', '/api/v1/streams/show')).json.state === 'live', 30_000, 250);
  }, 240_000);

  afterAll(async () => {
    for (const proc of publishers) await stopChild(proc);
    if (listener) await stopChild(listener.proc);
    await b?.stop();
    await a?.stop();
    for (const dir of [a?.home, homeB, work]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('backs up while live, restores into another home that works on other ports', { timeout: 180_000 }, async () => {
    const file = path.join(work, 'studio.tar.gz');
    const backup = await runStreams(['backup', file, '--home', a.home, '--media'], cleanEnv(), 60_000);
    expect(backup.code, backup.stdout + backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/1 stream, .*1 video, .*1 API token/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // The first host went on serving while it was taken.
    expect((await api(a, 'GET', '/api/v1/streams/show')).json.state).toBe('live');

    homeB = tempHome();
    const restore = await runStreams(['restore', file, '--home', homeB], cleanEnv(), 60_000);
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    expect(restore.stdout).toContain(`Start it: streams host --home ${homeB}`);
    // What a host makes again at start was not carried over.
    for (const transient of ['logs', 'live', 'children']) expect(fs.existsSync(path.join(homeB, transient)), transient).toBe(false);

    b = await startHost({ home: homeB, env: cleanEnv() });
    expect(b.port).not.toBe(a.port);
    // The home's own API token and a token made on the first host call the API.
    expect(b.token).toBe(a.token);
    const listed = await api(b, 'GET', '/api/v1/streams');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.json)).toContain('"show"');
    const asReader = await api(b, 'GET', '/api/v1/streams/show', undefined, readerToken);
    expect(asReader.status, asReader.text).toBe(200);
    expect((await api(b, 'POST', '/api/v1/streams', { name: 'nope' }, readerToken)).status).toBe(403);

    // The video plays from the restored library.
    const video = (await api(b, 'GET', `/api/v1/videos/${videoId}`)).json;
    expect(video.state).toBe('ready');
    const played = ffprobe(`${b.url}${video.urls.hls as string}`);
    expect(played.error).toBeUndefined();
    expect(played.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'video']);

    // The stream key publishes to the restored host, whose live playlist plays.
    publishers.push(publishTestPattern(`rtmp://127.0.0.1:${b.rtmpPort}/live/${key}`, { size: '320x180', fps: 15 }));
    await waitFor('the stream live on the restored host', async () => (await api(b!, 'GET', '/api/v1/streams/show')).json.state === 'live', 30_000, 250);
    const playback = (await api(b, 'GET', '/api/v1/streams/show')).json.playback.hls as string;
    const live = new URL(playback, b.url).toString();
    // Every media playlist has a whole segment before ffprobe opens the master (ffmpeg's HLS demuxer
    // can crash on a live playlist that has none yet).
    await waitFor('a segment in every media playlist of the restored host', async () => {
      const res = await fetch(live);
      if (!res.ok) return undefined;
      const variants = [...(await res.text()).matchAll(/^([^#\s][^\s]*\.m3u8[^\s"]*)|URI="([^"]+\.m3u8[^"]*)"/gm)].map((m) => (m[1] ?? m[2])!);
      if (variants.length === 0) return undefined;
      for (const variant of variants) {
        const media = await fetch(new URL(variant, live));
        if (!media.ok || !(await media.text()).includes('#EXTINF')) return undefined;
      }
      return true;
    }, 30_000, 500);
    const liveProbe = ffprobe(live);
    expect(liveProbe.error).toBeUndefined();
    expect(liveProbe.streams.some((s) => s.codec_type === 'video')).toBe(true);

    // The restream key, sealed with the database's own secret, opens: the relay reaches a listener.
    listener = await startFfmpegListener(path.join(work, 'relay.flv'), 'sealed-restream-key');
    const patched = await api(b, 'PATCH', `/api/v1/streams/show/destinations/${destinationId}`, { url: listener.url });
    expect(patched.status, patched.text).toBe(200);
    expect((await api(b, 'POST', `/api/v1/streams/show/destinations/${destinationId}/start`)).status).toBeLessThan(300);
    await waitFor('the relay writing to the listener', () => fs.existsSync(listener!.file) && fs.statSync(listener!.file).size > 50_000, 30_000, 250);
    const relay = (await api(b, 'GET', '/api/v1/streams/show/destinations')).json as unknown as { id: string; keyHint: string | null }[];
    expect(relay.find((d) => d.id === destinationId)?.keyHint).toBe('…-key');
  });

  it('refuses a home that holds a studio, a damaged file and a file that is no backup, changing nothing', { timeout: 60_000 }, async () => {
    const file = path.join(work, 'studio.tar.gz');
    // Over the restored home (its host running): refused before anything is read.
    const before = fs.readdirSync(homeB).sort();
    const again = await runStreams(['restore', file, '--home', homeB], cleanEnv(), 30_000);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already|another host is already running/);
    expect(fs.readdirSync(homeB).sort()).toEqual(before);

    // Cut short (a copy that stopped half-way).
    const cut = path.join(work, 'cut.tar.gz');
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const homeC = path.join(work, 'home-c');
    const damaged = await runStreams(['restore', cut, '--home', homeC], cleanEnv(), 30_000);
    expect(damaged.code, damaged.stdout + damaged.stderr).toBe(2);
    expect(damaged.stderr).toContain('is not a readable backup');
    expect(fs.existsSync(path.join(homeC, 'studio.db'))).toBe(false);
    expect(fs.existsSync(homeC) ? fs.readdirSync(homeC) : []).toEqual([]);

    const notBackup = path.join(work, 'clip.mp4');
    const wrong = await runStreams(['restore', notBackup, '--home', homeC], cleanEnv(), 30_000);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/is not a (readable backup|Streams Studio backup)/);
    expect(fs.existsSync(homeC) ? fs.readdirSync(homeC) : []).toEqual([]);

    const missing = await runStreams(['backup', path.join(work, 'x.tar.gz'), '--home', path.join(work, 'no-home')], cleanEnv(), 30_000);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no studio database');
    expect(fs.existsSync(path.join(work, 'x.tar.gz'))).toBe(false);
  });

  it('backs up on demand through the API into the backups folder, keeping backup.keep of them', { timeout: 60_000 }, async () => {
    expect((await api(a, 'POST', '/api/v1/backups', undefined, readerToken)).status).toBe(403);
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api(a, 'POST', '/api/v1/backups');
      expect(res.status, res.text).toBeLessThan(300);
      expect(res.json).toMatchObject({ media: false });
      made.push(res.json.name as string);
      // Dated to the second: a second one in the same second gets a number, so no wait is needed.
    }
    expect(new Set(made).size).toBe(3);
    const status = (await api(a, 'GET', '/api/v1/backups')).json;
    expect(status).toMatchObject({ everyHours: 24, keep: 2, dir: path.join(a.home, 'backups'), running: false, last: { ok: true, name: made[2] } });
    expect((status.items as { name: string }[]).map((item) => item.name)).toEqual([made[2], made[1]]);
    const names: string[] = [];
    await tar.list({ file: path.join(a.home, 'backups', made[2]!), onReadEntry: (entry) => names.push(entry.path) });
    expect(names).toEqual(expect.arrayContaining(['streams-backup.json', 'studio.db', 'home/config.yaml', 'home/api-token']));
    expect(names.filter((n) => n.startsWith('home/backups'))).toEqual([]);
    // The host went on serving the live stream.
    expect((await api(a, 'GET', '/api/v1/streams/show')).json.state).toBe('live');
  });
});
