import crypto from 'node:crypto';
import path from 'node:path';
import type { EdgeDownloadRecord } from '../../src-shared/contract/cdn.js';
import type { DownloadReport } from '../../src-shared/contract/podcasts.js';
import { StudioError } from '../core/errors.js';
import type { EnclosureRequest, EpisodeDoc, PodcastStore, ShowDoc } from '../store/podcasts.js';
import { countDownloads, DAY_MS, perDay, utcDay, type DownloadRequest } from './downloads.js';
import { podcastFeed, type FeedEpisode, type FeedLiveItem } from './feed.js';
import { contentTypeOf, EPISODE_FILES, episodeFilePath, parsePodcastPath, prefixed, showBase, type ParsedPodcastPath } from './paths.js';
import { publishTimeOf, type PodcastService } from './service.js';

export type Resolved =
  | { kind: 'feed'; show: ShowDoc; token: string | null }
  | { kind: 'file'; show: ShowDoc; file: string; contentType: string; private: boolean; episode: EpisodeDoc | null; enclosure: boolean };

/** `bytes 0-99/1234` -> the range and total; null for anything else. */
export function parseContentRange(value: string | null | undefined): { start: number; end: number; total: number | null } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value ?? '');
  if (!m) return null;
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? null : Number(m[3]) };
}

/**
 * The listener's side of the podcasts: which show and file a path names (a private show only under a
 * subscriber's token: otherwise 404, as for a show that does not exist), the feed written for the host
 * it was asked by, and downloads counted by the IAB rules from the requests the origin served and the
 * edges logged.
 */
export class PodcastDelivery {
  /** showId -> [requests stored when counted, downloads per episode]. */
  private readonly totals = new Map<string, { requests: number; perEpisode: Map<string, number> }>();
  private readonly stored = new Map<string, number>();

  constructor(
    private readonly o: {
      store: PodcastStore;
      service: PodcastService;
      /** Whether a stream is live, since when (the feed's podcast:liveItem). */
      liveSince(stream: string): number | null;
      now?: () => number;
    },
  ) {}

  private get now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** What `pathname` names, or null (404: unknown, private without a valid token, not yet published). */
  resolve(pathname: string): Resolved | null {
    const parsed = parsePodcastPath(pathname);
    if (!parsed) return null;
    const show = this.o.store.showBySlug(parsed.slug);
    if (!show) return null;
    if (parsed.token !== null || show.private) {
      const subscriber = parsed.token ? this.o.store.subscriberByToken(parsed.token) : undefined;
      if (!subscriber || subscriber.showId !== show.id) return null;
      if (parsed.target.kind === 'feed') this.o.store.touchSubscriber(subscriber.id, this.now);
    }
    return this.target(show, parsed);
  }

  private target(show: ShowDoc, parsed: ParsedPodcastPath): Resolved | null {
    const t = parsed.target;
    const isPrivate = show.private;
    if (t.kind === 'feed') return { kind: 'feed', show, token: parsed.token };
    if (t.kind === 'artwork') {
      const file = this.o.service.artworkFile(show);
      return show.artwork === t.generation && file ? { kind: 'file', show, file, contentType: 'image/jpeg', private: isPrivate, episode: null, enclosure: false } : null;
    }
    const episode = this.o.store.episode(t.episode);
    if (!episode || episode.showId !== show.id || !episode.audio || episode.audio.generation !== t.generation) return null;
    // Files of an episode not (yet) in the feed stay unknown to listeners.
    if (!this.o.service.isLive(episode, this.now)) return null;
    if (t.file.startsWith('transcript-') && !episode.audio.transcripts.some((l) => t.file === EPISODE_FILES.transcript(l))) return null;
    if (t.file === EPISODE_FILES.artwork && !episode.audio.artwork) return null;
    const file = path.join(this.o.service.episodeDir(show.id, episode.id), episode.audio.generation, t.file);
    const enclosure = t.file === EPISODE_FILES.mp3 || t.file === EPISODE_FILES.m4a;
    return { kind: 'file', show, file, contentType: contentTypeOf(t.file), private: isPrivate, episode, enclosure };
  }

  /** The feed for a listener who asked `origin` (scheme and host): with its validators. */
  feed(show: ShowDoc, token: string | null, origin: string): { xml: string; etag: string; lastModified: number } {
    const now = this.now;
    const base = `${origin}${showBase(show.slug, token)}`;
    const episodes = this.o.store.episodes(show.id).filter((e) => this.o.service.isLive(e, now));
    episodes.sort((a, b) => publishTimeOf(b)! - publishTimeOf(a)!);
    const items: FeedEpisode[] = episodes.map((e) => {
      const audio = e.audio!;
      const file = (name: string): string => `${origin}${episodeFilePath(showBase(show.slug, token), e.id, audio.generation, name)}`;
      return {
        guid: e.guid,
        title: e.title,
        description: e.description,
        publishedAt: publishTimeOf(e)!,
        durationSec: audio.durationSec,
        enclosure: { url: prefixed(file(EPISODE_FILES.mp3), show.prefixUrl), length: audio.mp3Bytes, type: 'audio/mpeg' },
        alternates: [{ url: prefixed(file(EPISODE_FILES.m4a), show.prefixUrl), length: audio.m4aBytes, type: 'audio/mp4' }],
        ...(e.season !== null ? { season: e.season } : {}),
        ...(e.episode !== null ? { episode: e.episode } : {}),
        episodeType: e.episodeType,
        ...(e.explicit !== null ? { explicit: e.explicit } : {}),
        artworkUrl: audio.artwork ? file(EPISODE_FILES.artwork) : null,
        chaptersUrl: audio.chapters.length > 0 ? file(EPISODE_FILES.chapters) : null,
        transcripts: audio.transcripts.map((language) => ({ url: file(EPISODE_FILES.transcript(language)), type: 'text/vtt', language, rel: 'captions' as const })),
      };
    });
    const live = this.liveItem(show, origin);
    const lastModified = Math.max(show.updatedAt, ...episodes.map((e) => Math.max(e.updatedAt, publishTimeOf(e)!)), live ? live.start : 0);
    const xml = podcastFeed({
      show: {
        title: show.title,
        description: show.description || show.title,
        author: show.author,
        ownerName: show.ownerName,
        ownerEmail: show.ownerEmail,
        language: show.language,
        category: show.category,
        explicit: show.explicit,
        locked: show.locked,
        link: show.link ?? origin,
        // Directories require a picture: without the show's own, the newest episode's cover (made from its video).
        artworkUrl: show.artwork ? `${base}/art/${show.artwork}.jpg` : (items.find((i) => i.artworkUrl)?.artworkUrl ?? null),
        feedUrl: `${base}/feed.xml`,
        guid: show.guid,
        ...(show.copyright ? { copyright: show.copyright } : {}),
        updatedAt: lastModified,
      },
      episodes: items,
      live,
      generator: 'Streams Studio',
    });
    const etag = `"${crypto.createHash('sha1').update(xml).digest('base64url').slice(0, 27)}"`;
    return { xml, etag, lastModified };
  }

  private liveItem(show: ShowDoc, origin: string): FeedLiveItem | null {
    if (!show.liveStream || show.private) return null;
    const since = this.o.liveSince(show.liveStream);
    if (since === null) return null;
    return {
      status: 'live',
      start: since,
      title: `${show.title}: live now`,
      guid: `${show.guid}-live-${since}`,
      enclosure: { url: `${origin}/live/${show.liveStream}/index.m3u8`, type: 'application/x-mpegURL' },
      contentLink: `${origin}/play/${show.liveStream}`,
    };
  }

  // ---- downloads ----

  /** Enclosure requests served here (not an edge's fetch: the edge logs its listeners itself). */
  record(requests: EnclosureRequest[]): void {
    this.o.store.addRequests(requests);
    for (const r of requests) this.stored.set(r.showId, (this.stored.get(r.showId) ?? 0) + 1);
  }

  /** An edge's log lines of enclosure requests: those naming a known episode file are kept. */
  recordEdge(edgeId: string, records: readonly EdgeDownloadRecord[]): number {
    const kept: EnclosureRequest[] = [];
    for (const r of records) {
      const parsed = parsePodcastPath(r.uri);
      if (!parsed || parsed.target.kind !== 'episode') continue;
      const { file, episode: episodeId } = parsed.target;
      if (file !== EPISODE_FILES.mp3 && file !== EPISODE_FILES.m4a) continue;
      const episode = this.o.store.episode(episodeId);
      if (!episode?.audio) continue;
      const range = parseContentRange(r.contentRange);
      kept.push({
        showId: episode.showId,
        episodeId,
        at: r.at,
        ip: r.ip.slice(0, 64),
        userAgent: r.userAgent.slice(0, 512),
        method: r.method.slice(0, 16),
        status: r.status,
        range: range ? { start: range.start, end: range.end } : null,
        bytes: r.bytes,
        fileBytes: file === EPISODE_FILES.mp3 ? episode.audio.mp3Bytes : episode.audio.m4aBytes,
        durationSec: episode.audio.durationSec,
        source: edgeId,
      });
    }
    this.record(kept);
    return kept.length;
  }

  /** Downloads per episode, all time (recounted when requests came in since). */
  downloadsOf(showId: string): Map<string, number> {
    const count = this.stored.get(showId) ?? -1;
    const cached = this.totals.get(showId);
    if (cached && cached.requests === count && count !== -1) return cached.perEpisode;
    const { downloads } = countDownloads(this.o.store.requests(showId, 0, Number.MAX_SAFE_INTEGER).map(toDownloadRequest));
    const perEpisode = new Map<string, number>();
    for (const d of downloads) perEpisode.set(d.episode, (perEpisode.get(d.episode) ?? 0) + 1);
    this.stored.set(showId, Math.max(count, 0));
    this.totals.set(showId, { requests: Math.max(count, 0), perEpisode });
    return perEpisode;
  }

  /** `podcasts.downloads`: per day and episode over [from, to] (UTC days). */
  report(showId: string, from?: string, to?: string): DownloadReport {
    this.o.service.showDoc(showId);
    const last = to ?? utcDay(this.now);
    const first = from ?? utcDay(Date.parse(`${last}T00:00:00Z`) - 29 * DAY_MS);
    const start = Date.parse(`${first}T00:00:00Z`);
    const end = Date.parse(`${last}T00:00:00Z`) + DAY_MS;
    if (!(start < end)) throw new StudioError('VALIDATION_FAILED', 'from is after to', { fields: [{ path: 'from', message: 'on or before to' }] });
    if ((end - start) / DAY_MS > 366) throw new StudioError('VALIDATION_FAILED', 'at most 366 days at once', { fields: [{ path: 'from', message: 'at most 366 days before to' }] });
    // A download that began the day before the period may have requests in it: counted from a day earlier, kept by its first day.
    const requests = this.o.store.requests(showId, start - DAY_MS, end);
    const { downloads, excluded } = countDownloads(requests.map(toDownloadRequest));
    const inPeriod = downloads.filter((d) => d.at >= start && d.at < end);
    const episodes = this.o.store.episodes(showId).map((e) => e.id);
    const totals = new Map<string, number>();
    for (const d of inPeriod) totals.set(d.episode, (totals.get(d.episode) ?? 0) + 1);
    return {
      from: first,
      to: last,
      days: perDay(inPeriod, first, last, episodes),
      totals: episodes.map((episode) => ({ episode, downloads: totals.get(episode) ?? 0 })),
      excluded,
      requests: requests.filter((r) => r.at >= start).length,
    };
  }
}

const toDownloadRequest = (r: EnclosureRequest): DownloadRequest => ({
  at: r.at,
  episode: r.episodeId,
  ip: r.ip,
  userAgent: r.userAgent,
  method: r.method,
  status: r.status,
  range: r.range,
  bytes: r.bytes,
  fileBytes: r.fileBytes,
  durationSec: r.durationSec,
  source: r.source,
});
