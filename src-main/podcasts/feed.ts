/**
 * A show's podcast feed, as pure functions: RSS 2.0 with the iTunes namespace (what Apple Podcasts
 * and most apps read) and the Podcasting 2.0 namespace (guid, locked, chapters, transcripts,
 * alternate enclosures, live items), plus the JSON chapters file its `podcast:chapters` points to.
 *
 * Specs followed, tag by tag: RSS 2.0 and the RSS Advisory Board's Best Practices Profile; Apple's
 * "RSS feed requirements" (Podcasts Connect); github.com/Podcastindex-org/podcast-namespace docs/tags/*
 * and docs/examples/chapters/jsonChapters.md (chapters format 1.2). Checked against those rules by
 * test-support/podcast-feed-rules.ts.
 */

import { createHash } from 'node:crypto';
import { StudioError } from '../core/errors.js';
import { APPLE_CATEGORIES, isAppleCategory, splitCategory } from '../../src-shared/podcast-categories.js';

// The shared list, so the studio's form, the contract and the feed agree on one table.
export { APPLE_CATEGORIES, isAppleCategory };

export interface FeedShow {
  title: string;
  description: string;
  author: string;
  ownerName: string;
  ownerEmail: string;
  /** BCP 47, e.g. "en" or "en-GB". */
  language: string;
  /** An Apple category, "Parent" or "Parent > Sub" (e.g. "Technology", "Arts > Design"). */
  category: string;
  explicit: boolean;
  /** podcast:locked yes|no, with owner="ownerEmail". */
  locked: boolean;
  /** The show's website (absolute URL). */
  link: string;
  /** Absolute URL of a square JPEG/PNG. */
  artworkUrl: string | null;
  /** Absolute URL of this feed (atom:link rel="self"). */
  feedUrl: string;
  /** podcast:guid, a UUID v5 (podcastGuid of the feed URL when the show was created). */
  guid: string;
  copyright?: string;
  /** Unix ms, for lastBuildDate. */
  updatedAt: number;
}

export interface FeedEnclosure {
  url: string;
  length: number;
  type: string;
}

export interface FeedTranscript {
  url: string;
  type: string;
  language: string;
  rel?: 'captions';
}

export interface FeedEpisode {
  /** Stable for the episode's life, written isPermaLink="false". */
  guid: string;
  title: string;
  description: string;
  /** Unix ms -> pubDate (RFC 2822). */
  publishedAt: number;
  /** itunes:duration, written as whole seconds. */
  durationSec: number;
  /** audio/mpeg or audio/mp4. */
  enclosure: FeedEnclosure;
  season?: number;
  episode?: number;
  episodeType: 'full' | 'trailer' | 'bonus';
  /** Absent: the show's. */
  explicit?: boolean;
  artworkUrl?: string | null;
  link?: string;
  /** podcast:chapters, a JSON chapters file (chaptersJson). */
  chaptersUrl?: string | null;
  transcripts?: FeedTranscript[];
  /** Other encodings of the same audio (podcast:alternateEnclosure). */
  alternates?: FeedEnclosure[];
}

export interface FeedLiveItem {
  status: 'pending' | 'live' | 'ended';
  /** Unix ms. */
  start: number;
  end?: number;
  title: string;
  guid: string;
  enclosure: { url: string; type: string };
  /** A page that plays the stream, for apps that cannot. */
  contentLink: string;
}

export interface FeedInput {
  show: FeedShow;
  episodes: FeedEpisode[];
  live?: FeedLiveItem | null;
  generator?: string;
}

export const NAMESPACES = {
  itunes: 'http://www.itunes.com/dtds/podcast-1.0.dtd',
  podcast: 'https://podcastindex.org/namespace/1.0',
  atom: 'http://www.w3.org/2005/Atom',
} as const;

/** The "podcast" namespace UUID of the podcast:guid tag. */
export const PODCAST_GUID_NAMESPACE = 'ead4c236-bf58-58c6-a2c6-a6b28d128cb6';

export const CHAPTERS_TYPE = 'application/json+chapters';

// ---------------------------------------------------------------------------------------------
// Text and markup

/**
 * Characters XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates, U+FFFE/FFFF), and the C1
 * controls it discourages: a stray one in a title would make the whole feed unreadable.
 */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\u007E\u00A0-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text made safe for XML content; CR LF becomes LF (parsers normalise it anyway). */
export function xmlText(value: string | number): string {
  return String(value)
    .replace(/\r\n?/g, '\n')
    .replace(NOT_XML_CHAR, '')
    .replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** An attribute value also keeps its tabs and line breaks, which attribute normalisation would turn into spaces. */
const xmlAttr = (value: string | number): string =>
  xmlText(value).replace(/[\t\n]/g, (c) => (c === '\t' ? '&#9;' : '&#10;'));

type Attrs = Record<string, string | number | null | undefined>;
/** Rendered entries: each is one element, and starts a line (its text may hold line breaks). */
type Lines = string[];

function openTag(name: string, attrs: Attrs): string {
  const list = Object.entries(attrs)
    .filter((kv): kv is [string, string | number] => kv[1] !== null && kv[1] !== undefined)
    .map(([k, v]) => ` ${k}="${xmlAttr(v)}"`)
    .join('');
  return `<${name}${list}`;
}

/** One element: its text escaped, or self-closing without text. */
function leaf(name: string, attrs: Attrs, text?: string | number): Lines {
  const content = text === undefined ? '' : xmlText(typeof text === 'string' ? text.trim() : text);
  return [content === '' ? `${openTag(name, attrs)}/>` : `${openTag(name, attrs)}>${content}</${name}>`];
}

/** An element with children, indented by two spaces; only each entry's start is indented, never its text. */
function branch(name: string, attrs: Attrs, children: (Lines | null | undefined | false)[]): Lines {
  const inner = children.filter((c): c is Lines => Array.isArray(c)).flat();
  return [`${openTag(name, attrs)}>`, ...inner.map((line) => `  ${line}`), `</${name}>`];
}

const when = <T>(value: T | null | undefined | false | '', render: (v: T) => Lines): Lines | null =>
  value === null || value === undefined || value === false || value === '' ? null : render(value);

// ---------------------------------------------------------------------------------------------
// Values

/** Unix ms as RFC 2822 in GMT, e.g. "Tue, 24 Nov 2026 10:00:00 GMT" (ECMAScript fixes toUTCString to this form). */
export function rfc2822(ms: number): string {
  const date = new Date(ms);
  if (!Number.isFinite(date.getTime())) throw new StudioError('VALIDATION_FAILED', `Not a time: ${ms}`, { value: ms });
  return date.toUTCString();
}

function iso8601(ms: number): string {
  const date = new Date(ms);
  if (!Number.isFinite(date.getTime())) throw new StudioError('VALIDATION_FAILED', `Not a time: ${ms}`, { value: ms });
  return date.toISOString();
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');
const trueFalse = (b: boolean): string => (b ? 'true' : 'false');
const wholeSeconds = (sec: number): number => Math.max(0, Math.round(sec));

function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1').update(Buffer.from(namespace.replace(/-/g, ''), 'hex')).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * podcast:guid of a feed: a UUID v5 of its URL without the scheme and trailing slashes, in the
 * podcast namespace. Computed once, when a show is created: it stays when the feed URL changes.
 */
export function podcastGuid(feedUrl: string): string {
  const name = feedUrl.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\/+$/, '');
  return uuidV5(name, PODCAST_GUID_NAMESPACE);
}

/** The JSON chapters file (format 1.2.0), chapters in ascending start time as the format assumes. */
export function chaptersJson(
  chapters: readonly { startSec: number; title: string }[],
  meta: { title?: string; podcastName?: string } = {},
): string {
  const sorted = [...chapters].sort((a, b) => a.startSec - b.startSec);
  const doc = {
    version: '1.2.0',
    ...(meta.title ? { title: meta.title } : {}),
    ...(meta.podcastName ? { podcastName: meta.podcastName } : {}),
    chapters: sorted.map((c) => ({ startTime: Math.max(0, Math.round(c.startSec * 1000) / 1000), title: c.title })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

// ---------------------------------------------------------------------------------------------
// The feed

/** itunes:category, a subcategory nested in its parent as Apple asks. */
function category(text: string): Lines {
  const parts = splitCategory(text);
  if (!parts) {
    throw new StudioError('VALIDATION_FAILED', `Not an Apple Podcasts category: "${text}"`, { field: 'show.category', value: text });
  }
  const [parent, sub] = parts;
  return sub === undefined
    ? leaf('itunes:category', { text: parent })
    : branch('itunes:category', { text: parent }, [leaf('itunes:category', { text: sub })]);
}

const enclosureAttrs = (e: FeedEnclosure): Attrs => ({ url: e.url, length: Math.max(0, Math.round(e.length)), type: e.type });

function alternate(e: FeedEnclosure, isDefault: boolean): Lines {
  return branch('podcast:alternateEnclosure', { type: e.type, length: Math.max(0, Math.round(e.length)), default: isDefault ? 'true' : null }, [
    leaf('podcast:source', { uri: e.url }),
  ]);
}

function item(e: FeedEpisode): Lines {
  const alternates = e.alternates ?? [];
  return branch('item', {}, [
    leaf('title', {}, e.title),
    leaf('itunes:title', {}, e.title),
    leaf('description', {}, e.description),
    when(e.link, (link) => leaf('link', {}, link)),
    leaf('guid', { isPermaLink: 'false' }, e.guid),
    leaf('pubDate', {}, rfc2822(e.publishedAt)),
    leaf('enclosure', enclosureAttrs(e.enclosure)),
    leaf('itunes:duration', {}, wholeSeconds(e.durationSec)),
    leaf('itunes:episodeType', {}, e.episodeType),
    when(e.season, (n) => leaf('itunes:season', {}, n)),
    when(e.episode, (n) => leaf('itunes:episode', {}, n)),
    e.explicit === undefined ? null : leaf('itunes:explicit', {}, trueFalse(e.explicit)),
    when(e.artworkUrl, (href) => leaf('itunes:image', { href })),
    when(e.season, (n) => leaf('podcast:season', {}, n)),
    when(e.episode, (n) => leaf('podcast:episode', {}, n)),
    when(e.chaptersUrl, (url) => leaf('podcast:chapters', { url, type: CHAPTERS_TYPE })),
    ...(e.transcripts ?? []).map((t) =>
      leaf('podcast:transcript', { url: t.url, type: t.type, language: t.language || null, rel: t.rel ?? null }),
    ),
    // An app that reads alternateEnclosure offers only those: the enclosure comes first, marked
    // default, as in the spec's example, so choosing an alternate never hides the main file.
    ...(alternates.length > 0 ? [alternate(e.enclosure, true), ...alternates.map((a) => alternate(a, false))] : []),
  ]);
}

function liveItem(live: FeedLiveItem): Lines {
  return branch('podcast:liveItem', { status: live.status, start: iso8601(live.start), end: live.end === undefined ? null : iso8601(live.end) }, [
    leaf('title', {}, live.title),
    leaf('guid', { isPermaLink: 'false' }, live.guid),
    // RSS requires a length; a stream has none, and the Best Practices Profile says 0 for unknown.
    leaf('enclosure', { url: live.enclosure.url, type: live.enclosure.type, length: 0 }),
    leaf('podcast:contentLink', { href: live.contentLink }, live.title),
  ]);
}

/** The feed document, episodes newest first, the live item (when any) before them. */
export function podcastFeed(input: FeedInput): string {
  const { show } = input;
  const episodes = [...input.episodes].sort((a, b) => b.publishedAt - a.publishedAt);
  const newest = episodes[0];
  const channel = branch('channel', {}, [
    leaf('title', {}, show.title),
    leaf('link', {}, show.link),
    leaf('description', {}, show.description),
    leaf('language', {}, show.language),
    when(show.copyright?.trim(), (c) => leaf('copyright', {}, c)),
    when(input.generator, (g) => leaf('generator', {}, g)),
    when(newest, (e) => leaf('pubDate', {}, rfc2822(e.publishedAt))),
    leaf('lastBuildDate', {}, rfc2822(show.updatedAt)),
    leaf('atom:link', { href: show.feedUrl, rel: 'self', type: 'application/rss+xml' }),
    when(show.artworkUrl, (url) =>
      branch('image', {}, [leaf('url', {}, url), leaf('title', {}, show.title), leaf('link', {}, show.link)]),
    ),
    when(show.artworkUrl, (href) => leaf('itunes:image', { href })),
    category(show.category),
    leaf('itunes:explicit', {}, trueFalse(show.explicit)),
    leaf('itunes:author', {}, show.author),
    branch('itunes:owner', {}, [
      leaf('itunes:name', {}, show.ownerName.trim() || show.author),
      leaf('itunes:email', {}, show.ownerEmail),
    ]),
    leaf('itunes:type', {}, 'episodic'),
    leaf('podcast:guid', {}, show.guid),
    leaf('podcast:locked', { owner: show.ownerEmail }, yesNo(show.locked)),
    when(input.live, liveItem),
    ...episodes.map(item),
  ]);
  const rss = branch('rss', { version: '2.0', 'xmlns:itunes': NAMESPACES.itunes, 'xmlns:podcast': NAMESPACES.podcast, 'xmlns:atom': NAMESPACES.atom }, [
    channel,
  ]);
  return `${['<?xml version="1.0" encoding="UTF-8"?>', ...rss].join('\n')}\n`;
}
