/**
 * Where a show's files are served (pure). Everything under an episode's generation is immutable (a new
 * encode is a new generation), so the edges keep it like a VOD segment:
 *
 *   /podcasts/<slug>/feed.xml                        the feed (a private show: 404)
 *   /podcasts/<slug>/art/<generation>.jpg            the show's artwork
 *   /podcasts/<slug>/e/<episode>/<generation>/<file> episode.mp3, episode.m4a, chapters.json, transcript-<lang>.vtt, artwork.jpg
 *   /podcasts/<slug>/s/<token>/...                   the same, for one subscriber (the only way to a private show)
 */

export const PODCASTS_PREFIX = '/podcasts';

export const EPISODE_FILES = {
  mp3: 'episode.mp3',
  m4a: 'episode.m4a',
  chapters: 'chapters.json',
  artwork: 'artwork.jpg',
  transcript: (language: string): string => `transcript-${language}.vtt`,
} as const;

const FILE_TYPES: Record<string, string> = {
  mp3: 'audio/mpeg',
  m4a: 'audio/mp4',
  json: 'application/json+chapters',
  vtt: 'text/vtt; charset=utf-8',
  jpg: 'image/jpeg',
};

export const contentTypeOf = (file: string): string => FILE_TYPES[file.split('.').pop() ?? ''] ?? 'application/octet-stream';

/** The part of a path after the show (`s/<token>/` taken off); null when it names nothing we serve. */
export type PodcastTarget =
  | { kind: 'feed' }
  | { kind: 'artwork'; generation: string }
  | { kind: 'episode'; episode: string; generation: string; file: string };

export interface ParsedPodcastPath {
  slug: string;
  token: string | null;
  target: PodcastTarget;
}

const SLUG = '[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?';
const FILE = '(episode\\.mp3|episode\\.m4a|chapters\\.json|artwork\\.jpg|transcript-[A-Za-z0-9-]{2,35}\\.vtt)';
const PATH_RE = new RegExp(
  `^/podcasts/(${SLUG})/(?:s/([A-Za-z0-9_-]{16,64})/)?(?:(feed\\.xml)|art/([a-f0-9]{8})\\.jpg|e/(ep_[a-z0-9]{12})/([a-f0-9]{8})/${FILE})$`,
);

export function parsePodcastPath(pathname: string): ParsedPodcastPath | null {
  const m = PATH_RE.exec(pathname);
  if (!m) return null;
  const [, slug, token, feed, art, episode, generation, file] = m;
  const target: PodcastTarget = feed ? { kind: 'feed' } : art ? { kind: 'artwork', generation: art } : { kind: 'episode', episode: episode!, generation: generation!, file: file! };
  return { slug: slug!, token: token ?? null, target };
}

/** `/podcasts/<slug>` or, for a subscriber, `/podcasts/<slug>/s/<token>`: what every path of the feed starts with. */
export const showBase = (slug: string, token: string | null): string => `${PODCASTS_PREFIX}/${slug}${token ? `/s/${token}` : ''}`;
export const episodeFilePath = (base: string, episode: string, generation: string, file: string): string => `${base}/e/${episode}/${generation}/${file}`;

/** An enclosure URL behind an analytics prefix: `<prefix><host>/<path>` (the scheme dropped, as Podtrac and OP3 expect). */
export function prefixed(url: string, prefix: string | null): string {
  if (!prefix) return url;
  return `${prefix.endsWith('/') ? prefix : `${prefix}/`}${url.replace(/^https?:\/\//i, '')}`;
}
