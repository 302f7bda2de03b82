import { describe, expect, it } from 'vitest';
import type { Job, Video } from '../../../src-shared/contract/index.js';
import { addDraft, checkDrafts, draftsChanged, draftsOf, parseClock } from './chapters-model.js';
import { allTags, filterVideos, formatEta, formatViews, nextStep, NO_FILTER, parseTags, subtitleFormatOf, titleFromFile } from './format.js';

function job(over: Partial<Job> = {}): Job {
  return {
    id: 'job1', kind: 'process', subject: 'vid_aaaaaaaaaaaa', state: 'queued', priority: 0, progress: 0, step: null,
    etaSec: null, queuePosition: null, attempts: 0, maxAttempts: 3, error: null, createdAt: 1, startedAt: null, finishedAt: null, runner: null, ...over,
  };
}

function video(id: string, over: Partial<Video> = {}): Video {
  return {
    id, title: id, description: '', visibility: 'public', encryption: 'none', tags: [], source: 'upload', uploadId: null, recordingId: null,
    fileName: null, state: 'ready', preset: 'balanced', normalizeLoudness: false, upload: null, progress: 1, etaSec: null,
    job: null, error: null, durationSec: 60, width: 1280, height: 720, sizeBytes: 1, views: 0, subtitles: [], chapters: [],
    urls: null, createdAt: 1, updatedAt: 1, readyAt: 1, ...over,
  };
}

describe('library model', () => {
  it('writes an ETA in words', () => {
    expect(formatEta(null)).toBeNull();
    expect(formatEta(-1)).toBeNull();
    expect(formatEta(40)).toBe('less than a minute');
    expect(formatEta(130)).toBe('about 3 min');
    expect(formatEta(4000)).toBe('about 1 h 7 min');
    expect(formatEta(7200)).toBe('about 2 h');
  });

  it('says what happens next, from the upload to ready or failed', () => {
    expect(nextStep(video('a', { state: 'uploading', upload: { offset: 50, size: 200 } }))).toBe('Uploading · 25 %');
    expect(nextStep(video('a', { state: 'queued', job: job({ queuePosition: 1 }), etaSec: 95 }))).toBe('Queued · next in line · ready in about 2 min');
    expect(nextStep(video('a', { state: 'queued', job: job({ queuePosition: 4 }) }))).toBe('Queued · 4th in line');
    expect(nextStep(video('a', { state: 'processing', progress: 0.426, job: job({ state: 'running', step: 'encode', etaSec: 30 }) }))).toBe(
      'Processing (encode) · 42 % · less than a minute left',
    );
    // On a transcoding runner: named when the runner list knows it, else its id.
    const remote = video('a', { state: 'processing', progress: 0.5, job: job({ state: 'running', step: 'encode', runner: 'run_1' }) });
    expect(nextStep(remote, { run_1: 'render-1' })).toBe('Processing (encode) · 50 % · on runner render-1');
    expect(nextStep(remote)).toBe('Processing (encode) · 50 % · on runner run_1');
    expect(nextStep(video('a', { state: 'failed', error: { code: 'MEDIA_INVALID', message: 'not a media file' } }))).toBe('Failed: not a media file');
    expect(nextStep(video('a'))).toBe('Ready');
  });

  it('filters by words, state, visibility and tag, newest first', () => {
    const all = {
      a: video('a', { title: 'Launch talk', tags: ['talk'], createdAt: 1 }),
      b: video('b', { title: 'Demo', description: 'the launch demo', state: 'processing', createdAt: 3 }),
      c: video('c', { title: 'Holiday', fileName: 'beach.mov', visibility: 'private', tags: ['family', 'talk'], createdAt: 2 }),
    };
    expect(filterVideos(all, NO_FILTER).map((v) => v.id)).toEqual(['b', 'c', 'a']);
    expect(filterVideos(all, { ...NO_FILTER, q: 'LAUNCH' }).map((v) => v.id)).toEqual(['b', 'a']);
    expect(filterVideos(all, { ...NO_FILTER, q: 'launch demo' }).map((v) => v.id)).toEqual(['b']);
    expect(filterVideos(all, { ...NO_FILTER, q: 'beach' }).map((v) => v.id)).toEqual(['c']);
    expect(filterVideos(all, { ...NO_FILTER, state: 'processing' }).map((v) => v.id)).toEqual(['b']);
    expect(filterVideos(all, { ...NO_FILTER, visibility: 'private' }).map((v) => v.id)).toEqual(['c']);
    expect(filterVideos(all, { ...NO_FILTER, tag: 'talk' }).map((v) => v.id)).toEqual(['c', 'a']);
    expect(allTags(all)).toEqual(['family', 'talk']);
  });

  it('reads tags, titles, subtitle formats and views as people type them', () => {
    expect(parseTags('talk, Demo ,talk,,demo')).toEqual(['talk', 'Demo']);
    expect(titleFromFile('my_trip-2024.final.mp4')).toBe('my trip 2024.final');
    expect(subtitleFormatOf('en.SRT')).toBe('srt');
    expect(subtitleFormatOf('x.ssa')).toBe('ass');
    expect(subtitleFormatOf('x.txt')).toBeNull();
    expect(formatViews(1)).toBe('1 view');
    expect(formatViews(1234)).toBe('1,234 views');
  });
});

describe('chapter editor model', () => {
  it('reads times as m:ss, h:mm:ss or seconds', () => {
    expect(parseClock('2:05')).toBe(125);
    expect(parseClock('1:02:05')).toBe(3725);
    expect(parseClock('125')).toBe(125);
    expect(parseClock('0:07.5')).toBe(7.5);
    expect(parseClock('2:75')).toBeNull();
    expect(parseClock('1:75:00')).toBeNull();
    expect(parseClock('soon')).toBeNull();
  });

  it('checks rows and hands back sorted chapters, or the error of each row', () => {
    const drafts = draftsOf([
      { startSec: 31, title: 'Part two' },
      { startSec: 0, title: 'Intro' },
    ]);
    expect(drafts.map((d) => d.start)).toEqual(['0:00', '0:31']);
    const added = addDraft(drafts, 45);
    expect(added[2]).toMatchObject({ start: '0:45', title: 'Chapter 3' });
    expect(checkDrafts(added, 60)).toEqual({
      chapters: [
        { startSec: 0, title: 'Intro' },
        { startSec: 31, title: 'Part two' },
        { startSec: 45, title: 'Chapter 3' },
      ],
      errors: {},
    });
    const bad = [
      { key: 1, start: 'x', title: 'a' },
      { key: 2, start: '1:30', title: 'b' },
      { key: 3, start: '0:10', title: ' ' },
      { key: 4, start: '0:20', title: 'c' },
      { key: 5, start: '20', title: 'd' },
    ];
    const check = checkDrafts(bad, 60);
    expect(check.chapters).toBeNull();
    expect(Object.keys(check.errors).map(Number)).toEqual([1, 2, 3, 5]);
    expect(check.errors[2]).toBe('Starts after the end (1:00)');
  });

  it('knows when the rows differ from what is saved', () => {
    const saved = [{ startSec: 0, title: 'Intro' }, { startSec: 31.46, title: 'Detected' }];
    expect(draftsOf(saved)[1]!.start).toBe('0:31.5');
    expect(draftsChanged(draftsOf(saved), saved)).toBe(false);
    expect(draftsChanged(addDraft(draftsOf(saved), 5), saved)).toBe(true);
    expect(draftsChanged([{ key: 9, start: '0:00', title: 'Intro!' }, { key: 10, start: '0:31.5', title: 'Detected' }], saved)).toBe(true);
  });
});
