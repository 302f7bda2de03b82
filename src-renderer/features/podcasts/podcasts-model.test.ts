import { describe, expect, it } from 'vitest';
import type { Episode, Job, Recording, Show, Video } from '../../../src-shared/contract/index.js';
import { categoryChoices } from '../../../src-shared/podcast-categories.js';
import {
  emptyEpisodeDraft,
  episodeDraftOf,
  episodeFieldsOf,
  episodePatch,
  newShowInput,
  EMPTY_NEW_SHOW,
  sourceInput,
  sourceOptions,
  showDraftOf,
  showPatch,
} from './forms-model.js';
import {
  artworkUrl,
  audioLine,
  categoryGroups,
  episodeStatus,
  errorsByField,
  formatLength,
  fromLocalInput,
  numberLabel,
  relativeTime,
  toLocalInput,
  withoutFields,
} from './podcasts-model.js';

const NOW = new Date(2025, 4, 20, 12, 0).getTime();

function job(over: Partial<Job> = {}): Job {
  return {
    id: 'job1', kind: 'podcast', subject: 'ep_aaaaaaaaaaaa', state: 'running', priority: 0, progress: 0.42, step: 'loudness',
    etaSec: null, queuePosition: null, attempts: 1, maxAttempts: 3, error: null, createdAt: 1, startedAt: 1, finishedAt: null, runner: null, ...over,
  };
}

function episode(over: Partial<Episode> = {}): Episode {
  return {
    id: 'ep_aaaaaaaaaaaa', showId: 'show_aaaaaaaaaaaa', title: 'Pilot', description: '', season: null, episode: null, episodeType: 'full',
    explicit: null, status: 'published', publishAt: null, publishedAt: null, source: { videoId: 'vid_aaaaaaaaaaaa', recordingId: null, uploadId: null }, guid: 'g', live: true,
    state: 'ready', job: null, error: null, durationSec: 65, chapters: [], loudness: null, audio: null, artwork: null, transcripts: [],
    downloads: 0, createdAt: 1, updatedAt: 1, ...over,
  };
}

function show(over: Partial<Show> = {}): Show {
  return {
    id: 'show_aaaaaaaaaaaa', slug: 'pilot', title: 'Pilot', description: '', author: 'Sam', ownerName: '', ownerEmail: 'sam@example.com',
    category: 'Technology', language: 'en', explicit: false, private: false, locked: false, link: null, liveStream: null, prefixUrl: null,
    copyright: '', artwork: null, feed: '/podcasts/pilot/feed.xml', guid: 'g', episodes: 0, createdAt: 1, updatedAt: 7, ...over,
  };
}

describe('episodes as the page shows them', () => {
  it('is a draft, scheduled while its date is to come, then published', () => {
    expect(episodeStatus({ status: 'draft', publishAt: NOW + 1000 }, NOW)).toBe('draft');
    expect(episodeStatus({ status: 'published', publishAt: NOW + 1000 }, NOW)).toBe('scheduled');
    expect(episodeStatus({ status: 'published', publishAt: NOW - 1000 }, NOW)).toBe('published');
    expect(episodeStatus({ status: 'published', publishAt: null }, NOW)).toBe('published');
  });

  it("says where its audio is: the job's step and progress while encoding, the error when it failed", () => {
    expect(audioLine(episode({ state: 'queued', job: job({ state: 'queued', queuePosition: 1 }) }))).toBe('Queued · next in line');
    expect(audioLine(episode({ state: 'queued', job: job({ state: 'queued', queuePosition: 3 }) }))).toBe('Queued · 3 in line');
    expect(audioLine(episode({ state: 'processing', job: job() }))).toBe('Encoding (loudness) · 42 %');
    expect(audioLine(episode({ state: 'processing', job: job({ step: null, progress: 0.999 }) }))).toBe('Encoding · 99 %');
    expect(audioLine(episode({ state: 'failed', error: { code: 'NO_AUDIO', message: 'the video has no sound' } }))).toBe('Failed: the video has no sound');
    expect(audioLine(episode())).toBe('Ready');
  });

  it('writes numbers and lengths short', () => {
    expect([numberLabel({ season: 2, episode: 5 }), numberLabel({ season: null, episode: 5 }), numberLabel({ season: 1, episode: null }), numberLabel({ season: null, episode: null })]).toEqual(['S2 · E5', 'E5', 'S1', '']);
    expect([formatLength(65), formatLength(3725), formatLength(4.6), formatLength(null)]).toEqual(['1:05', '1:02:05', '0:05', '—']);
    expect([relativeTime(NOW + 3 * 3_600_000, NOW), relativeTime(NOW - 5 * 60_000, NOW), relativeTime(NOW + 3 * 86_400_000, NOW)]).toEqual(['in 3 h', '5 min ago', 'in 3 days']);
  });
});

describe('forms', () => {
  it("puts the host's field errors by field; an error of the whole input under form", () => {
    const errors = errorsByField([
      { path: 'ownerEmail', message: 'an e-mail address' },
      { path: 'ownerEmail', message: 'second' },
      { path: '', message: 'give videoId or uploadId' },
      { path: 'link.0', message: 'an http(s) URL' },
    ]);
    expect(errors).toEqual({ ownerEmail: 'an e-mail address', form: 'give videoId or uploadId', link: 'an http(s) URL' });
    expect(withoutFields(errors, { ownerEmail: 'x' })).toEqual({ form: 'give videoId or uploadId', link: 'an http(s) URL' });
  });

  it('sends a new show without the optional fields left empty', () => {
    expect(newShowInput({ ...EMPTY_NEW_SHOW, title: 'T', author: 'A', ownerEmail: 'a@b.c', language: ' ' })).toEqual({
      title: 'T', author: 'A', ownerEmail: 'a@b.c', category: 'Technology', explicit: false, private: false,
    });
    expect(newShowInput({ ...EMPTY_NEW_SHOW, slug: ' my-show ', description: 'About' })).toMatchObject({ slug: 'my-show', description: 'About', language: 'en' });
  });

  it("sends only a show's changed settings, an emptied URL as null", () => {
    const s = show({ link: 'https://example.com' });
    expect(showPatch(s, showDraftOf(s))).toEqual({});
    expect(showPatch(s, { ...showDraftOf(s), link: ' ', liveStream: 'main', locked: true, title: 'New' })).toEqual({ link: null, liveStream: 'main', locked: true, title: 'New' });
  });

  it('checks an episode before asking the host, and turns the publish choice into status and date', () => {
    const draft = { ...emptyEpisodeDraft(NOW), title: ' Pilot ' };
    expect(episodeFieldsOf(draft, NOW)).toEqual({
      fields: { title: 'Pilot', description: '', season: null, episode: null, episodeType: 'full', explicit: null, status: 'published', publishAt: null },
    });
    expect(episodeFieldsOf({ ...draft, publish: 'draft', season: '2', episode: '10', explicit: 'no' }, NOW)).toMatchObject({ fields: { status: 'draft', season: 2, episode: 10, explicit: false } });
    // A new schedule starts tomorrow at 9:00, local time.
    expect(episodeFieldsOf({ ...draft, publish: 'schedule' }, NOW)).toMatchObject({ fields: { status: 'published', publishAt: new Date(2025, 4, 21, 9, 0).getTime() } });
    expect(episodeFieldsOf({ ...draft, title: '', season: '0', episode: 'x', publish: 'schedule', publishAt: toLocalInput(NOW - 60_000) }, NOW)).toEqual({
      errors: { title: 'required', season: 'a whole number from 1', episode: 'a whole number from 1', publishAt: 'a moment still to come: or publish it now' },
    });
  });

  it("edits an episode without touching its date unless the publish choice changed", () => {
    const ep = episode({ publishAt: NOW - 86_400_000, season: 1 });
    const draft = { ...episodeDraftOf(ep, NOW), title: 'Renamed' };
    expect(draft.publish).toBe('now');
    const made = episodeFieldsOf(draft, NOW);
    if (!('fields' in made)) throw new Error('refused');
    expect(episodePatch(ep, made.fields, draft, NOW)).toEqual({ title: 'Renamed' });
    const unpublish = { ...draft, publish: 'draft' as const };
    const fields = episodeFieldsOf(unpublish, NOW);
    if (!('fields' in fields)) throw new Error('refused');
    expect(episodePatch(ep, fields.fields, unpublish, NOW)).toEqual({ title: 'Renamed', status: 'draft', publishAt: null });
    const later = episode({ publishAt: NOW + 3_600_000 });
    expect(episodeDraftOf(later, NOW)).toMatchObject({ publish: 'schedule', publishAt: toLocalInput(NOW + 3_600_000) });
  });

  it('reads and writes datetime-local values in local time', () => {
    expect(toLocalInput(new Date(2025, 0, 2, 3, 4).getTime())).toBe('2025-01-02T03:04');
    expect(fromLocalInput('2025-01-02T03:04')).toBe(new Date(2025, 0, 2, 3, 4).getTime());
    expect([fromLocalInput(''), fromLocalInput('2025-02-30T10:00'), fromLocalInput('tomorrow')]).toEqual([null, null, null]);
  });

  it('groups the Apple categories under their parents', () => {
    const groups = categoryGroups(categoryChoices());
    expect(groups.find((g) => g.parent === 'Technology')?.options).toEqual([{ value: 'Technology', label: 'Technology (all)' }]);
    expect(groups.find((g) => g.parent === 'Arts')?.options.slice(0, 2)).toEqual([{ value: 'Arts', label: 'Arts (all)' }, { value: 'Arts > Books', label: 'Books' }]);
    expect(groups.flatMap((g) => g.options)).toHaveLength(categoryChoices().length);
  });

  it('busts the cache of replaced artwork', () => {
    expect(artworkUrl(show())).toBeNull();
    expect(artworkUrl(show({ artwork: '/podcasts/pilot/artwork.jpg' }))).toBe('/podcasts/pilot/artwork.jpg?v=7');
  });
});

describe("an episode's source", () => {
  const video = (id: string, state: Video['state'], durationSec: number | null) => ({ id, title: `Video ${id}`, state, durationSec }) as Video;
  const recording = (id: string, over: Partial<Recording>) =>
    ({ id, stream: 'show', state: 'complete', startedAt: 5, endedAt: 65, durationSec: 60, audio: { codec: 'aac', sampleRate: 48000, channels: 2 }, ...over }) as Recording;

  it('offers ready videos and ended recordings with sound', () => {
    const options = sourceOptions(
      [video('a', 'ready', 65), video('b', 'processing', 10), video('c', 'ready', null)],
      [recording('r1', {}), recording('r2', { state: 'recording', endedAt: null }), recording('r3', { audio: null }), recording('r4', { state: 'interrupted', durationSec: 3725 })],
      (ms) => `t${ms}`,
    );
    expect(options.videos).toEqual([
      { value: 'video:a', label: 'Video a (1:05)', title: 'Video a' },
      { value: 'video:c', label: 'Video c', title: 'Video c' },
    ]);
    expect(options.recordings.map((o) => [o.value, o.label])).toEqual([['recording:r1', 'show · t5 (1:00)'], ['recording:r4', 'show · t5 (1:02:05)']]);
  });

  it('sends the choice as the field the host takes', () => {
    expect([sourceInput('video:vid_1'), sourceInput('recording:rec:1'), sourceInput(''), sourceInput('upload:x')]).toEqual([{ videoId: 'vid_1' }, { recordingId: 'rec:1' }, null, null]);
  });
});
