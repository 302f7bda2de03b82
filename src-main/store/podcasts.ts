import type { Chapter } from '../../src-shared/contract/videos.js';
import type { Db } from './db.js';

/** A show as kept (the contract's Show less what is computed: paths, guid, episode count). */
export interface ShowDoc {
  id: string;
  slug: string;
  title: string;
  description: string;
  author: string;
  ownerName: string;
  ownerEmail: string;
  category: string;
  language: string;
  explicit: boolean;
  private: boolean;
  locked: boolean;
  link: string | null;
  liveStream: string | null;
  prefixUrl: string | null;
  copyright: string;
  /** The artwork's generation (its file name), once set. */
  artwork: string | null;
  /** podcast:guid: made from the feed URL when the show was created, kept for good. */
  guid: string;
  createdAt: number;
  updatedAt: number;
}

/** What an episode's audio job made. */
export interface EpisodeAudio {
  /** Names the files: a new encode, new URLs (the edges keep files for good). */
  generation: string;
  durationSec: number;
  m4aBytes: number;
  mp3Bytes: number;
  chapters: Chapter[];
  loudness: { targetLufs: number; measuredLufs: number } | null;
  /** Languages of the transcripts copied from the video's subtitles. */
  transcripts: string[];
  artwork: boolean;
}

export interface EpisodeDoc {
  id: string;
  showId: string;
  title: string;
  description: string;
  season: number | null;
  episode: number | null;
  episodeType: 'full' | 'trailer' | 'bonus';
  explicit: boolean | null;
  status: 'draft' | 'published';
  /** Unix ms; null: when published (publishedAt). */
  publishAt: number | null;
  /** When it was last made published without a date. */
  publishedAt: number | null;
  videoId: string | null;
  /** Absent in episodes made before recordings could be a source directly. */
  recordingId?: string | null;
  uploadId: string | null;
  /** The episode's own artwork's generation (`<episode>/art-<generation>.jpg`), else the show's is used. */
  artwork?: string | null;
  guid: string;
  state: 'queued' | 'processing' | 'ready' | 'failed';
  error: { code: string; message: string } | null;
  audio: EpisodeAudio | null;
  createdAt: number;
  updatedAt: number;
}

export interface SubscriberRow {
  id: string;
  showId: string;
  name: string;
  token: string;
  createdAt: number;
  lastFetchAt: number | null;
}

/** One request of an enclosure file, at the origin or an edge (podcasts/downloads.ts counts them). */
export interface EnclosureRequest {
  showId: string;
  episodeId: string;
  at: number;
  ip: string;
  userAgent: string;
  method: string;
  status: number;
  range: { start: number; end: number } | null;
  bytes: number;
  fileBytes: number;
  durationSec: number;
  source: string;
}

type RequestRow = {
  show_id: string;
  episode_id: string;
  at: number;
  ip: string;
  user_agent: string;
  method: string;
  status: number;
  range_start: number | null;
  range_end: number | null;
  bytes: number;
  file_bytes: number;
  duration_sec: number;
  source: string;
};

const toRequest = (r: RequestRow): EnclosureRequest => ({
  showId: r.show_id,
  episodeId: r.episode_id,
  at: r.at,
  ip: r.ip,
  userAgent: r.user_agent,
  method: r.method,
  status: r.status,
  range: r.range_start === null || r.range_end === null ? null : { start: r.range_start, end: r.range_end },
  bytes: r.bytes,
  fileBytes: r.file_bytes,
  durationSec: r.duration_sec,
  source: r.source,
});

type SubscriberDbRow = { id: string; show_id: string; name: string; token: string; created_at: number; last_fetch_at: number | null };
const toSubscriber = (r: SubscriberDbRow): SubscriberRow => ({ id: r.id, showId: r.show_id, name: r.name, token: r.token, createdAt: r.created_at, lastFetchAt: r.last_fetch_at });

/** Shows and episodes as JSON documents (read and written whole), subscribers and requests as rows. */
export class PodcastStore {
  constructor(private readonly db: Db) {}

  shows(): ShowDoc[] {
    return (this.db.prepare('SELECT doc FROM podcast_shows ORDER BY created_at, id').all() as { doc: string }[]).map((r) => JSON.parse(r.doc) as ShowDoc);
  }

  show(id: string): ShowDoc | undefined {
    const row = this.db.prepare('SELECT doc FROM podcast_shows WHERE id = ?').get(id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as ShowDoc) : undefined;
  }

  showBySlug(slug: string): ShowDoc | undefined {
    const row = this.db.prepare('SELECT doc FROM podcast_shows WHERE slug = ?').get(slug) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as ShowDoc) : undefined;
  }

  putShow(show: ShowDoc): void {
    this.db
      .prepare('INSERT INTO podcast_shows (id, slug, doc, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc')
      .run(show.id, show.slug, JSON.stringify(show), show.createdAt);
  }

  /** The show and everything of it, in one transaction. */
  deleteShow(id: string): void {
    this.db.transaction(() => {
      for (const table of ['podcast_episodes', 'podcast_subscribers', 'podcast_requests']) this.db.prepare(`DELETE FROM ${table} WHERE show_id = ?`).run(id);
      this.db.prepare('DELETE FROM podcast_shows WHERE id = ?').run(id);
    })();
  }

  episodes(showId: string): EpisodeDoc[] {
    return (this.db.prepare('SELECT doc FROM podcast_episodes WHERE show_id = ? ORDER BY created_at DESC, id').all(showId) as { doc: string }[]).map(
      (r) => JSON.parse(r.doc) as EpisodeDoc,
    );
  }

  episode(id: string): EpisodeDoc | undefined {
    const row = this.db.prepare('SELECT doc FROM podcast_episodes WHERE id = ?').get(id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as EpisodeDoc) : undefined;
  }

  putEpisode(episode: EpisodeDoc): void {
    this.db
      .prepare('INSERT INTO podcast_episodes (id, show_id, doc, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc')
      .run(episode.id, episode.showId, JSON.stringify(episode), episode.createdAt);
  }

  deleteEpisode(id: string): void {
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM podcast_requests WHERE episode_id = ?').run(id);
      this.db.prepare('DELETE FROM podcast_episodes WHERE id = ?').run(id);
    })();
  }

  subscribers(showId: string): SubscriberRow[] {
    return (this.db.prepare('SELECT * FROM podcast_subscribers WHERE show_id = ? ORDER BY created_at, id').all(showId) as SubscriberDbRow[]).map(toSubscriber);
  }

  subscriberByToken(token: string): SubscriberRow | undefined {
    const row = this.db.prepare('SELECT * FROM podcast_subscribers WHERE token = ?').get(token) as SubscriberDbRow | undefined;
    return row ? toSubscriber(row) : undefined;
  }

  addSubscriber(s: SubscriberRow): void {
    this.db.prepare('INSERT INTO podcast_subscribers (id, show_id, name, token, created_at, last_fetch_at) VALUES (?, ?, ?, ?, ?, ?)').run(s.id, s.showId, s.name, s.token, s.createdAt, s.lastFetchAt);
  }

  removeSubscriber(showId: string, id: string): boolean {
    return this.db.prepare('DELETE FROM podcast_subscribers WHERE show_id = ? AND id = ?').run(showId, id).changes > 0;
  }

  touchSubscriber(id: string, at: number): void {
    this.db.prepare('UPDATE podcast_subscribers SET last_fetch_at = ? WHERE id = ?').run(at, id);
  }

  addRequests(requests: readonly EnclosureRequest[]): void {
    if (requests.length === 0) return;
    const insert = this.db.prepare(
      `INSERT INTO podcast_requests (show_id, episode_id, at, ip, user_agent, method, status, range_start, range_end, bytes, file_bytes, duration_sec, source)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.db.transaction(() => {
      for (const r of requests) {
        insert.run(r.showId, r.episodeId, r.at, r.ip, r.userAgent, r.method, r.status, r.range?.start ?? null, r.range?.end ?? null, r.bytes, r.fileBytes, r.durationSec, r.source);
      }
    })();
  }

  /** A show's requests in [from, to) (unix ms), oldest first. */
  requests(showId: string, from: number, to: number): EnclosureRequest[] {
    return (this.db.prepare('SELECT * FROM podcast_requests WHERE show_id = ? AND at >= ? AND at < ? ORDER BY at, id').all(showId, from, to) as RequestRow[]).map(toRequest);
  }
}
