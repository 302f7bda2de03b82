import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Episode, Show, Subscriber } from '../../src-shared/contract/podcasts.js';
import type { Job } from '../../src-shared/contract/videos.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { MediaInfo } from '../recorder/media-info.js';
import type { EpisodeAudio, EpisodeDoc, PodcastStore, ShowDoc, SubscriberRow } from '../store/podcasts.js';
import type { StoredVideo } from '../store/videos.js';
import type { JobContext } from '../vod/job-queue.js';
import { POSTER_FILE, MP4_FILE } from '../vod/process/video-files.js';
import { subtitleVttFile } from '../vod/process/subtitles.js';
import type { AudioJobInput, EpisodeAudioJob } from './audio-job.js';
import { podcastGuid } from './feed.js';
import { EPISODE_FILES, episodeFilePath, showBase } from './paths.js';

export const PODCAST_AUDIO_JOB = 'podcast-audio';

type CreateShow = { slug?: string; title: string; author: string; ownerEmail: string; category: string } & Partial<
  Pick<ShowDoc, 'description' | 'ownerName' | 'language' | 'explicit' | 'private' | 'locked' | 'link' | 'liveStream' | 'prefixUrl' | 'copyright'>
>;
type ShowEdits = Partial<Omit<ShowDoc, 'id' | 'slug' | 'artwork' | 'createdAt' | 'updatedAt' | 'guid'>>;
type EpisodeEdits = Partial<Pick<EpisodeDoc, 'title' | 'description' | 'season' | 'episode' | 'episodeType' | 'explicit' | 'status' | 'publishAt'>>;

export interface PodcastServiceOptions {
  store: PodcastStore;
  /** `<home>/podcasts`: `<show>/art-<generation>.jpg`, `<show>/<episode>/<generation>/...`. */
  dir: string;
  logger: Logger;
  videos: {
    stored(id: string): StoredVideo;
    dirOf(id: string): string;
    /** The original upload or recording of a video, while it is kept. */
    sourceFile(video: StoredVideo): Promise<string | undefined>;
  };
  /** A finished tus upload's file (an audio file uploaded with metadata purpose=podcast). */
  uploadFile(id: string): Promise<string | undefined>;
  /** The file of a recording that has ended. */
  recordingFile(id: string): string | undefined;
  queue: {
    enqueue(kind: string, subject: string, payload: Record<string, unknown>): Job;
    latestFor(subject: string): Job | undefined;
    removeFor(subject: string): Promise<void>;
  };
  probe(file: string): Promise<MediaInfo>;
  audio: Pick<EpisodeAudioJob, 'run'>;
  /** A picture made the show's square JPEG artwork; throws MEDIA_INVALID when it is not one. */
  makeArtwork(input: string, output: string): Promise<void>;
  /** The downloads of each episode, all time (delivery.ts). */
  downloadsOf(showId: string): Map<string, number>;
  /** The host's own URL, for a new show's podcast:guid. */
  baseUrl(): string;
  /** Files the edges may keep that are gone or no longer listeners' (a path prefix): purged there. */
  purge?(prefix: string): void;
  now?: () => number;
}

const randomId = (prefix: string): string => `${prefix}${crypto.randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 12)}`;

/** "My Great Show!" -> "my-great-show". */
export function slugOf(title: string): string {
  const slug = title
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  return slug || 'show';
}

/** When an episode is (or was) in the feed: its date, else when it was published; null for a draft. */
export const publishTimeOf = (e: EpisodeDoc): number | null => (e.status === 'published' ? (e.publishAt ?? e.publishedAt) : null);

/** Shows, episodes and subscribers (the API's side); the feed, files and downloads are delivery.ts. */
export class PodcastService {
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly o: PodcastServiceOptions) {
    this.log = o.logger.child({ service: 'podcasts' });
    this.now = o.now ?? Date.now;
  }

  // ---- shows ----

  shows(): Show[] {
    return this.o.store.shows().map((s) => this.showView(s));
  }

  show(id: string): Show {
    return this.showView(this.showDoc(id));
  }

  showDoc(id: string): ShowDoc {
    const show = this.o.store.show(id);
    if (!show) throw new StudioError('NOT_FOUND', `no show "${id}"`);
    return show;
  }

  createShow(input: CreateShow): Show {
    const slug = input.slug ?? this.freeSlug(slugOf(input.title));
    if (this.o.store.showBySlug(slug)) {
      throw new StudioError('CONFLICT', `a show already has the feed name "${slug}"`, { fields: [{ path: 'slug', message: 'taken by another show' }] });
    }
    const now = this.now();
    const show: ShowDoc = {
      id: randomId('show_'),
      slug,
      title: input.title,
      description: input.description ?? '',
      author: input.author,
      ownerName: input.ownerName ?? input.author,
      ownerEmail: input.ownerEmail,
      category: input.category,
      language: input.language ?? 'en',
      explicit: input.explicit ?? false,
      private: input.private ?? false,
      locked: input.locked ?? true,
      link: input.link ?? null,
      liveStream: input.liveStream ?? null,
      prefixUrl: input.prefixUrl ?? null,
      copyright: input.copyright ?? '',
      artwork: null,
      guid: podcastGuid(`${this.o.baseUrl()}/podcasts/${slug}/feed.xml`),
      createdAt: now,
      updatedAt: now,
    };
    this.o.store.putShow(show);
    this.log.info({ id: show.id, slug }, 'show created');
    return this.showView(show);
  }

  updateShow(id: string, edits: ShowEdits): Show {
    const before = this.showDoc(id);
    const show = { ...before, ...definedOf(edits), updatedAt: this.now() };
    this.o.store.putShow(show);
    // Made private: what the edges keep of it is no longer anyone's to fetch without a token.
    if (show.private && !before.private) this.o.purge?.(`/podcasts/${show.slug}/`);
    return this.showView(show);
  }

  async deleteShow(id: string): Promise<{ id: string; deleted: true }> {
    this.showDoc(id);
    for (const e of this.o.store.episodes(id)) await this.o.queue.removeFor(e.id);
    const slug = this.showDoc(id).slug;
    this.o.store.deleteShow(id);
    await fs.promises.rm(path.join(this.o.dir, id), { recursive: true, force: true });
    this.o.purge?.(`/podcasts/${slug}/`);
    this.log.info({ id }, 'show deleted');
    return { id, deleted: true };
  }

  /** The show's artwork from a picture file (JPEG or PNG): made a square JPEG, a new generation. */
  async setArtwork(id: string, picture: string): Promise<Show> {
    const show = this.showDoc(id);
    const generation = crypto.randomBytes(4).toString('hex');
    const dir = path.join(this.o.dir, id);
    await fs.promises.mkdir(dir, { recursive: true });
    await this.o.makeArtwork(picture, path.join(dir, `art-${generation}.jpg`));
    const old = show.artwork;
    const updated = { ...this.showDoc(id), artwork: generation, updatedAt: this.now() };
    this.o.store.putShow(updated);
    if (old) {
      await fs.promises.rm(path.join(dir, `art-${old}.jpg`), { force: true });
      this.o.purge?.(`/podcasts/${show.slug}/art/${old}.jpg`);
    }
    return this.showView(updated);
  }

  /** An episode's own artwork (a square JPEG made from the picture); its audio is encoded again to carry it. */
  async setEpisodeArtwork(showId: string, episodeId: string, picture: string): Promise<Episode> {
    const before = this.episodeDoc(showId, episodeId);
    const generation = crypto.randomBytes(4).toString('hex');
    const dir = this.episodeDir(showId, episodeId);
    await fs.promises.mkdir(dir, { recursive: true });
    await this.o.makeArtwork(picture, path.join(dir, `art-${generation}.jpg`));
    const episode: EpisodeDoc = { ...this.episodeDoc(showId, episodeId), artwork: generation, state: 'queued', error: null, updatedAt: this.now() };
    this.o.store.putEpisode(episode);
    if (before.artwork) await fs.promises.rm(path.join(dir, `art-${before.artwork}.jpg`), { force: true });
    await this.o.queue.removeFor(episodeId);
    this.o.queue.enqueue(PODCAST_AUDIO_JOB, episodeId, { showId, episodeId, ...(episode.audio ? { durationSec: episode.audio.durationSec } : {}) });
    return this.episodeView(this.showDoc(showId), episode, this.o.downloadsOf(showId));
  }

  artworkFile(show: ShowDoc): string | null {
    return show.artwork ? path.join(this.o.dir, show.id, `art-${show.artwork}.jpg`) : null;
  }

  private freeSlug(base: string): string {
    for (let i = 1; ; i++) {
      const slug = i === 1 ? base : `${base.slice(0, 44).replace(/-+$/, '')}-${i}`;
      if (!this.o.store.showBySlug(slug)) return slug;
    }
  }

  showView(s: ShowDoc): Show {
    const base = showBase(s.slug, null);
    return {
      id: s.id,
      slug: s.slug,
      title: s.title,
      description: s.description,
      author: s.author,
      ownerName: s.ownerName,
      ownerEmail: s.ownerEmail,
      category: s.category,
      language: s.language,
      explicit: s.explicit,
      private: s.private,
      locked: s.locked,
      link: s.link,
      liveStream: s.liveStream,
      prefixUrl: s.prefixUrl,
      copyright: s.copyright,
      artwork: s.artwork ? `${base}/art/${s.artwork}.jpg` : null,
      feed: s.private ? null : `${base}/feed.xml`,
      guid: s.guid,
      episodes: this.o.store.episodes(s.id).length,
      createdAt: s.createdAt,
      updatedAt: s.updatedAt,
    };
  }

  // ---- episodes ----

  episodes(showId: string): Episode[] {
    const show = this.showDoc(showId);
    const downloads = this.o.downloadsOf(showId);
    return this.o.store.episodes(showId).map((e) => this.episodeView(show, e, downloads));
  }

  episodeDoc(showId: string, episodeId: string): EpisodeDoc {
    const episode = this.o.store.episode(episodeId);
    if (!episode || episode.showId !== showId) throw new StudioError('NOT_FOUND', `no episode "${episodeId}" in show "${showId}"`);
    return episode;
  }

  async createEpisode(showId: string, input: { title: string; videoId?: string; recordingId?: string; uploadId?: string } & EpisodeEdits): Promise<Episode> {
    const show = this.showDoc(showId);
    const source = await this.sourceOf({ videoId: input.videoId ?? null, recordingId: input.recordingId ?? null, uploadId: input.uploadId ?? null });
    let media: MediaInfo;
    try {
      media = await this.o.probe(source);
    } catch (error) {
      throw new StudioError('MEDIA_INVALID', `the source is not a media file ffprobe can read: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!media.audio) {
      const field = input.videoId ? 'videoId' : input.recordingId ? 'recordingId' : 'uploadId';
      throw new StudioError('NO_AUDIO', 'the source has no audio stream: an episode is made from sound', { fields: [{ path: field, message: 'no audio in it' }] });
    }
    const now = this.now();
    const status = input.status ?? 'draft';
    const episode: EpisodeDoc = {
      id: randomId('ep_'),
      showId,
      title: input.title,
      description: input.description ?? '',
      season: input.season ?? null,
      episode: input.episode ?? null,
      episodeType: input.episodeType ?? 'full',
      explicit: input.explicit ?? null,
      status,
      publishAt: input.publishAt ?? null,
      publishedAt: status === 'published' ? now : null,
      videoId: input.videoId ?? null,
      recordingId: input.recordingId ?? null,
      uploadId: input.uploadId ?? null,
      guid: crypto.randomUUID(),
      state: 'queued',
      error: null,
      audio: null,
      createdAt: now,
      updatedAt: now,
    };
    this.o.store.putEpisode(episode);
    this.o.queue.enqueue(PODCAST_AUDIO_JOB, episode.id, { showId, episodeId: episode.id, durationSec: media.durationSec });
    this.log.info({ show: showId, episode: episode.id, video: episode.videoId, upload: episode.uploadId }, 'episode queued');
    return this.episodeView(show, episode, this.o.downloadsOf(showId));
  }

  updateEpisode(showId: string, episodeId: string, edits: EpisodeEdits): Episode {
    const before = this.episodeDoc(showId, episodeId);
    const defined = definedOf(edits);
    const publishedAt = defined.status === 'published' && before.status !== 'published' ? this.now() : before.publishedAt;
    const episode: EpisodeDoc = { ...before, ...defined, publishedAt, updatedAt: this.now() };
    this.o.store.putEpisode(episode);
    return this.episodeView(this.showDoc(showId), episode, this.o.downloadsOf(showId));
  }

  async deleteEpisode(showId: string, episodeId: string): Promise<{ id: string; deleted: true }> {
    this.episodeDoc(showId, episodeId);
    await this.o.queue.removeFor(episodeId);
    this.o.store.deleteEpisode(episodeId);
    await fs.promises.rm(this.episodeDir(showId, episodeId), { recursive: true, force: true });
    this.o.purge?.(`/podcasts/${this.showDoc(showId).slug}/e/${episodeId}/`);
    return { id: episodeId, deleted: true };
  }

  episodeDir(showId: string, episodeId: string): string {
    return path.join(this.o.dir, showId, episodeId);
  }

  /** Whether the episode is in the feed now. */
  isLive(e: EpisodeDoc, now = this.now()): boolean {
    const at = publishTimeOf(e);
    return at !== null && at <= now && e.state === 'ready' && e.audio !== null;
  }

  episodeView(show: ShowDoc, e: EpisodeDoc, downloads: Map<string, number>): Episode {
    const base = showBase(show.slug, null);
    const file = (name: string): string => episodeFilePath(base, e.id, e.audio!.generation, name);
    return {
      id: e.id,
      showId: e.showId,
      title: e.title,
      description: e.description,
      season: e.season,
      episode: e.episode,
      episodeType: e.episodeType,
      explicit: e.explicit,
      status: e.status,
      publishAt: e.publishAt,
      source: { videoId: e.videoId, recordingId: e.recordingId ?? null, uploadId: e.uploadId },
      guid: e.guid,
      publishedAt: publishTimeOf(e),
      live: this.isLive(e),
      state: e.state,
      job: this.o.queue.latestFor(e.id) ?? null,
      error: e.error,
      durationSec: e.audio?.durationSec ?? null,
      chapters: e.audio?.chapters ?? [],
      loudness: e.audio?.loudness ?? null,
      audio: e.audio
        ? { m4a: { path: file(EPISODE_FILES.m4a), bytes: e.audio.m4aBytes }, mp3: { path: file(EPISODE_FILES.mp3), bytes: e.audio.mp3Bytes } }
        : null,
      artwork: e.audio?.artwork ? file(EPISODE_FILES.artwork) : null,
      transcripts: (e.audio?.transcripts ?? []).map((language) => ({ language, path: file(EPISODE_FILES.transcript(language)) })),
      downloads: downloads.get(e.id) ?? 0,
      createdAt: e.createdAt,
      updatedAt: e.updatedAt,
    };
  }

  /** The file an episode's audio is made from: the video's original (upload or recording), else its MP4; a recording's file; or the uploaded audio. */
  private async sourceOf(source: { videoId: string | null; recordingId: string | null; uploadId: string | null }): Promise<string> {
    if (source.recordingId) {
      const file = this.o.recordingFile(source.recordingId);
      if (!file) throw new StudioError('NOT_FOUND', `no recording "${source.recordingId}" that has ended`, { fields: [{ path: 'recordingId', message: 'no such recording, or it is still recording' }] });
      return file;
    }
    if (source.uploadId) {
      const file = await this.o.uploadFile(source.uploadId);
      if (!file) throw new StudioError('NOT_FOUND', `no finished upload "${source.uploadId}" (upload the audio file with tus metadata purpose=podcast first)`, { fields: [{ path: 'uploadId', message: 'no such finished upload' }] });
      return file;
    }
    const video = this.o.videos.stored(source.videoId!);
    const original = await this.o.videos.sourceFile(video);
    if (original) return original;
    const mp4 = path.join(this.o.videos.dirOf(video.id), MP4_FILE);
    if (video.state === 'ready' && fs.existsSync(mp4)) return mp4;
    throw new StudioError('CONFLICT', `video "${video.id}" has neither its original nor an MP4 to take the sound from (${video.state === 'ready' ? 'an encrypted video keeps no clear MP4' : `it is ${video.state}`})`);
  }

  /** The queue's runner of PODCAST_AUDIO_JOB. */
  async runAudio(ctx: JobContext): Promise<void> {
    const { showId, episodeId } = ctx.payload as { showId: string; episodeId: string };
    const show = this.showDoc(showId);
    const episode = this.episodeDoc(showId, episodeId);
    this.o.store.putEpisode({ ...episode, state: 'processing', error: null, updatedAt: this.now() });
    const video = episode.videoId ? this.o.videos.stored(episode.videoId) : null;
    const input: AudioJobInput = {
      input: await this.sourceOf({ videoId: episode.videoId, recordingId: episode.recordingId ?? null, uploadId: episode.uploadId }),
      dir: this.episodeDir(showId, episodeId),
      tags: {
        title: episode.title,
        artist: show.author,
        album: show.title,
        date: new Date(publishTimeOf(episode) ?? this.now()).toISOString().slice(0, 10),
        comment: episode.description,
        track: episode.episode,
        genre: 'Podcast',
      },
      chapters: video?.chapters ?? [],
      // The episode's own, else the show's, else the video's poster (made square).
      artwork: (episode.artwork ? path.join(this.episodeDir(showId, episodeId), `art-${episode.artwork}.jpg`) : null) ?? this.artworkFile(show) ?? posterOf(video, (id) => this.o.videos.dirOf(id)),
      transcripts: (video?.subtitles ?? []).map((s) => ({ language: s.language, file: path.join(this.o.videos.dirOf(video!.id), subtitleVttFile(s.id)) })),
      podcastName: show.title,
    };
    const audio: EpisodeAudio = await this.o.audio.run(ctx, input);
    const current = this.o.store.episode(episodeId);
    if (!current) return;
    this.o.store.putEpisode({ ...current, state: 'ready', error: null, audio, updatedAt: this.now() });
    if (current.audio && current.audio.generation !== audio.generation) this.o.purge?.(`/podcasts/${show.slug}/e/${episodeId}/${current.audio.generation}/`);
    this.log.info({ show: showId, episode: episodeId, durationSec: audio.durationSec, loudness: audio.loudness }, 'episode audio ready');
  }

  /** A job of an episode changed: a failure is the episode's. */
  onJobChanged(job: Job): void {
    if (job.kind !== PODCAST_AUDIO_JOB) return;
    const episode = this.o.store.episode(job.subject);
    if (!episode) return;
    if (job.state === 'failed' || job.state === 'cancelled') {
      const error = job.error ?? { code: 'CANCELLED', message: 'the encoding was cancelled' };
      this.o.store.putEpisode({ ...episode, state: 'failed', error, updatedAt: this.now() });
    } else if (job.state === 'queued' && episode.state === 'failed') {
      this.o.store.putEpisode({ ...episode, state: 'queued', error: null, updatedAt: this.now() });
    }
  }

  // ---- subscribers ----

  subscribers(showId: string): Subscriber[] {
    const show = this.showDoc(showId);
    return this.o.store.subscribers(showId).map((s) => this.subscriberView(show, s));
  }

  addSubscriber(showId: string, name: string): Subscriber {
    const show = this.showDoc(showId);
    const row: SubscriberRow = { id: randomId('sub_'), showId, name, token: crypto.randomBytes(24).toString('base64url'), createdAt: this.now(), lastFetchAt: null };
    this.o.store.addSubscriber(row);
    return this.subscriberView(show, row);
  }

  removeSubscriber(showId: string, id: string): { id: string; deleted: true } {
    this.showDoc(showId);
    if (!this.o.store.removeSubscriber(showId, id)) throw new StudioError('NOT_FOUND', `no subscriber "${id}" of show "${showId}"`);
    return { id, deleted: true };
  }

  private subscriberView(show: ShowDoc, s: SubscriberRow): Subscriber {
    return { id: s.id, name: s.name, feed: `${showBase(show.slug, s.token)}/feed.xml`, createdAt: s.createdAt, lastFetchAt: s.lastFetchAt };
  }
}

const posterOf = (video: StoredVideo | null, dirOf?: (id: string) => string): string | null => {
  if (!video || !dirOf) return null;
  const poster = path.join(dirOf(video.id), POSTER_FILE);
  return fs.existsSync(poster) ? poster : null;
};

/** The fields of `edits` that are not undefined. */
function definedOf<T extends object>(edits: T): Partial<T> {
  return Object.fromEntries(Object.entries(edits).filter(([, v]) => v !== undefined)) as Partial<T>;
}
