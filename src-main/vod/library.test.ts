import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Job } from '../../src-shared/contract/videos.js';
import { EventBus } from '../core/bus.js';
import { silentLogger } from '../core/logger.js';
import { openDatabase, type Db } from '../store/db.js';
import { VideoStore } from '../store/videos.js';
import { PROCESS_JOB, titleOf, VideoLibrary, type QueuePort, type UploadsPort } from './library.js';
import { videoFile } from './routes.js';
import { signMpd, signPlaylist, signPreviewVtt } from './signed-text.js';

function job(subject: string, patch: Partial<Job> = {}): Job {
  return {
    id: `job-${subject}`,
    kind: PROCESS_JOB,
    subject,
    state: 'queued',
    priority: 0,
    progress: 0,
    step: null,
    etaSec: 30,
    queuePosition: 1,
    attempts: 0,
    maxAttempts: 3,
    error: null,
    createdAt: 0,
    startedAt: null,
    finishedAt: null,
    runner: null,
    ...patch,
  };
}

describe('VideoLibrary (fake uploads and queue, real SQLite)', () => {
  let db: Db;
  let bus: EventBus;
  let library: VideoLibrary;
  let jobs: Map<string, Job>;
  let deletedUploads: string[];
  let events: { id: string; state: string | null }[];
  const uploads = new Map<string, NonNullable<Awaited<ReturnType<UploadsPort['info']>>>>();

  beforeEach(() => {
    db = openDatabase(':memory:');
    bus = new EventBus();
    jobs = new Map();
    deletedUploads = [];
    events = [];
    uploads.clear();
    bus.on('video.changed', ({ id, video }) => events.push({ id, state: video?.state ?? null }));
    const queue: QueuePort = {
      enqueue: (_kind, subject) => {
        const j = job(subject);
        jobs.set(subject, j);
        return j;
      },
      cancel: (id) => {
        const j = [...jobs.values()].find((x) => x.id === id)!;
        j.state = 'cancelled';
        return j;
      },
      retry: (id) => {
        const j = [...jobs.values()].find((x) => x.id === id)!;
        j.state = 'queued';
        return j;
      },
      latestFor: (subject) => jobs.get(subject),
      removeFor: async (subject) => void jobs.delete(subject),
    };
    library = new VideoLibrary({
      store: new VideoStore(db),
      bus,
      logger: silentLogger(),
      videosDir: '/nonexistent/videos',
      uploads: {
        info: async (id) => uploads.get(id),
        delete: async (id) => void deletedUploads.push(id),
      },
      queue,
      recordings: { endedFile: (id) => (id === 'rec_aaaaaaaaaaaa' ? { file: '/r/a.mp4', stream: 'show', sizeBytes: 10 } : undefined) },
      defaultPreset: () => 'balanced',
      probe: async (file) => {
        if (file.endsWith('.txt')) throw new Error('Invalid data found when processing input');
        return { durationSec: 12, width: 1280, height: 720, sizeBytes: 1000 };
      },
      writeChapters: () => undefined,
    });
  });
  afterEach(() => db.close());

  const finish = async (id: string, file: string, metadata: Record<string, string> = { filename: 'Trip to the sea.mp4' }) => {
    library.onUploadCreated({ id, owner: 'token', size: 1000, metadata });
    uploads.set(id, { id, owner: 'token', offset: 1000, size: 1000, metadata, finished: true, file });
    await library.onUploadFinished({ id, owner: 'token', file, size: 1000, metadata });
  };

  it('an upload whose metadata asks for it is an encrypted, private video from its creation; anything else there is ignored', async () => {
    library.onUploadCreated({ id: 'upenc', owner: 'token', size: 10, metadata: { filename: 'paid.mp4', encryption: 'aes-128', visibility: 'private' } });
    library.onUploadCreated({ id: 'upodd', owner: 'token', size: 10, metadata: { filename: 'odd.mp4', encryption: 'rot13' } });
    expect(library.list({ uploadId: 'upenc' })[0]).toMatchObject({ encryption: 'aes-128', visibility: 'private' });
    expect(library.list({ uploadId: 'upodd' })[0]).toMatchObject({ encryption: 'none', visibility: 'public' });
    for (const id of ['upenc', 'upodd']) await library.delete(library.list({ uploadId: id })[0]!.id);
    events.length = 0;
  });

  it('an upload is a video from its creation, queued with its probe once finished, found by upload id', async () => {
    library.onUploadCreated({ id: 'up1', owner: 'token', size: 1000, metadata: { filename: 'Trip to the sea.mp4' } });
    const [uploading] = library.list({ uploadId: 'up1' });
    expect(uploading).toMatchObject({ state: 'uploading', title: 'Trip to the sea', upload: { offset: 0, size: 1000 }, urls: null });
    library.onUploadProgress('up1', 500, 1000);
    expect(library.get(uploading!.id).upload).toEqual({ offset: 500, size: 1000 });
    uploads.set('up1', { id: 'up1', owner: 'token', offset: 1000, size: 1000, metadata: {}, finished: true, file: '/u/up1' });
    await library.onUploadFinished({ id: 'up1', owner: 'token', file: '/u/up1', size: 1000, metadata: { filename: 'Trip to the sea.mp4' } });
    const queued = library.get(uploading!.id);
    expect(queued).toMatchObject({ state: 'queued', durationSec: 12, width: 1280, upload: null, etaSec: 30, encryption: 'none' });
    expect(events.map((e) => e.state)).toEqual(['uploading', 'uploading', 'queued']);
    expect(library.list()).toHaveLength(1);
  });

  it('an upload terminated by its client takes its video along; an expired one fails its video with the reason', async () => {
    library.onUploadCreated({ id: 'gone', owner: 'token', size: 10, metadata: { filename: 'a.mp4' } });
    library.onUploadCreated({ id: 'late', owner: 'token', size: 10, metadata: { filename: 'b.mp4' } });
    await library.onUploadRemoved('gone', 'terminated');
    await library.onUploadRemoved('late', 'expired');
    expect(library.list().map((v) => [v.fileName, v.state, v.error?.code])).toEqual([['b.mp4', 'failed', 'UPLOAD_EXPIRED']]);
    await library.onUploadRemoved('unknown', 'expired');
    expect(library.list()).toHaveLength(1);
  });

  it('a file that is not media fails at probe with the reason and its upload is deleted', async () => {
    await finish('up2', '/u/notes.txt');
    const [video] = library.list();
    expect(video).toMatchObject({ state: 'failed', error: { code: 'MEDIA_INVALID', message: expect.stringContaining('Invalid data') } });
    expect(deletedUploads).toEqual(['up2']);
    expect(jobs.size).toBe(0);
  });

  it('job states drive the video: processing, ready with outputs, failed with the reason, cancelled', async () => {
    await finish('up3', '/u/up3');
    const [video] = library.list();
    const id = video!.id;
    const j = jobs.get(id)!;
    library.onJobChanged({ ...j, state: 'running', progress: 0.4, etaSec: 9 });
    Object.assign(j, { state: 'running', progress: 0.4, etaSec: 9 });
    expect(library.get(id)).toMatchObject({ state: 'processing', progress: 0.4, etaSec: 9 });
    library.markReady(id, { media: { durationSec: 12, width: 1280, height: 720, sizeBytes: 1000 }, thumbnails: ['thumbs/01.jpg'], chapters: [{ startSec: 0, title: 'Chapter 1' }] });
    Object.assign(j, { state: 'done', progress: 1 });
    library.onJobChanged(j);
    const ready = library.get(id);
    expect(ready).toMatchObject({ state: 'ready', progress: 1, etaSec: null, chapters: [{ startSec: 0, title: 'Chapter 1' }] });
    expect(ready.urls).toMatchObject({ hls: `/vod/${id}/index.m3u8`, thumbnails: [`/vod/${id}/thumbs/01.jpg`], watch: `/watch/${id}` });

    await expect(library.process({ id, preset: 'fast' })).resolves.toMatchObject({ state: 'queued', preset: 'fast' });
    await expect(library.process({ id })).rejects.toMatchObject({ code: 'CONFLICT' });
    const again = library.cancel(id);
    library.onJobChanged(again.job!);
    expect(library.get(id)).toMatchObject({ state: 'failed', error: { code: 'CANCELLED' } });
    library.onJobChanged({ ...jobs.get(id)!, state: 'failed', error: { code: 'DISK_FULL', message: 'No space left on device' } });
    expect(library.get(id).error).toEqual({ code: 'DISK_FULL', message: 'No space left on device' });
  });

  it('edits, search and filters; delete removes the job, the upload and the row', async () => {
    await finish('up4', '/u/up4', { title: 'Kitchen tour', filename: 'x.mov' });
    await finish('up5', '/u/up5', { filename: 'garden.mp4' });
    const kitchen = library.list({ q: 'kitchen' })[0]!;
    library.update({ id: kitchen.id, tags: ['Home', 'food'], visibility: 'unlisted', chapters: [{ startSec: 30, title: 'B' }, { startSec: 0, title: 'A' }] });
    expect(library.get(kitchen.id).chapters.map((c) => c.title)).toEqual(['A', 'B']);
    expect(library.list({ tag: 'home' }).map((v) => v.title)).toEqual(['Kitchen tour']);
    expect(library.list({ visibility: 'public' }).map((v) => v.title)).toEqual(['garden']);
    expect(library.list({ q: 'garden mp4' })).toHaveLength(1);
    await library.delete(kitchen.id);
    expect(deletedUploads).toEqual(['up4']);
    expect(jobs.has(kitchen.id)).toBe(false);
    expect(events.at(-1)).toEqual({ id: kitchen.id, state: null });
    expect(() => library.get(kitchen.id)).toThrow(/no video/);
    expect(() => library.get('../etc')).toThrow(/no video/);
  });

  it('a complete recording becomes a video; an unknown one is NOT_FOUND and changes nothing', async () => {
    const video = await library.create({ title: 'Show', recordingId: 'rec_aaaaaaaaaaaa', tags: ['live'] });
    expect(video).toMatchObject({ source: 'recording', recordingId: 'rec_aaaaaaaaaaaa', state: 'queued', fileName: 'a.mp4' });
    await expect(library.create({ title: 'x', recordingId: 'rec_bbbbbbbbbbbb' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(library.create({ title: 'x', uploadId: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(library.list()).toHaveLength(1);
  });

  it('titles from upload metadata', () => {
    expect(titleOf({ title: ' My edit ', filename: 'a.mp4' })).toBe('My edit');
    expect(titleOf({ filename: 'holiday.final.mov' })).toBe('holiday.final');
    expect(titleOf({})).toBe('Untitled upload');
  });
});

describe('video files and signed text', () => {
  it('serves only the files of the layout', () => {
    expect(videoFile('index.m3u8')).toMatchObject({ file: 'master.m3u8', kind: 'playlist', view: true });
    expect(videoFile('thumbs/03.jpg')).toMatchObject({ file: 'thumbs/03.jpg', contentType: 'image/jpeg' });
    expect(videoFile('subs/abc123.vtt')).toMatchObject({ contentType: 'text/vtt; charset=utf-8' });
    expect(videoFile('chunk-ab12-stream0-00001.m4s')).toMatchObject({ cacheControl: 'public, max-age=31536000, immutable' });
    for (const bad of ['../x', 'thumbs/../../etc/passwd', 'outputs.json', 'subs/x/../y.vtt', 'video.mp4.tmp', '']) expect(videoFile(bad)).toBeNull();
  });

  it('passes a signature on to every address', () => {
    const q = 'exp=1&sig=abc';
    const master = '#EXTM3U\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",URI="subs_x.m3u8"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nmedia_0.m3u8\n';
    expect(signPlaylist(master, q)).toBe('#EXTM3U\n#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",URI="subs_x.m3u8?exp=1&sig=abc"\n#EXT-X-STREAM-INF:BANDWIDTH=1\nmedia_0.m3u8?exp=1&sig=abc\n');
    expect(signPlaylist('#EXTM3U\n#EXT-X-MAP:URI="init.m4s"\n#EXTINF:4,\nseg.m4s\n', q)).toContain('URI="init.m4s?exp=1&sig=abc"\n#EXTINF:4,\nseg.m4s?exp=1&sig=abc');
    const mpd = '<MPD><Period><AdaptationSet><SegmentTemplate initialization="init-$RepresentationID$.m4s" media="c-$Number$.m4s"/></AdaptationSet><AdaptationSet contentType="text"><Representation><BaseURL>subs/x.vtt</BaseURL></Representation></AdaptationSet></Period></MPD>';
    const signed = signMpd(mpd, q);
    expect(signed).toContain('media="c-$Number$.m4s?exp=1&amp;sig=abc"');
    expect(signed).toContain('<BaseURL>subs/x.vtt?exp=1&amp;sig=abc</BaseURL>');
    expect(signPreviewVtt('WEBVTT\n\n00:00.000 --> 00:05.000\nsprite-1.jpg#xywh=0,0,160,90\n', q)).toContain('sprite-1.jpg?exp=1&sig=abc#xywh=0,0,160,90');
    expect(signPlaylist(master, '')).toBe(master);
  });
});
