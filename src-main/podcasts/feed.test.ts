import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { checkPodcastFeed } from '../../test-support/podcast-feed-rules.js';
import { StudioError } from '../core/errors.js';
import {
  APPLE_CATEGORIES,
  chaptersJson,
  isAppleCategory,
  podcastFeed,
  podcastGuid,
  rfc2822,
  type FeedEpisode,
  type FeedInput,
  type FeedShow,
} from './feed.js';

const FEED_URL = 'https://studio.example/podcasts/notes/feed.xml';

const show: FeedShow = {
  title: 'Studio Notes',
  description: 'Behind the scenes of a streaming studio.',
  author: 'Ada Lovelace',
  ownerName: 'Ada',
  ownerEmail: 'ada@studio.example',
  language: 'en-GB',
  category: 'Arts > Design',
  explicit: false,
  locked: true,
  link: 'https://studio.example/show',
  artworkUrl: 'https://studio.example/podcasts/notes/artwork.jpg',
  feedUrl: FEED_URL,
  guid: podcastGuid(FEED_URL),
  copyright: '© 2026 Studio',
  updatedAt: Date.UTC(2026, 10, 24, 12),
};

const older: FeedEpisode = {
  guid: 'ep_aaaaaaaaaaaa',
  title: 'Pilot',
  description: 'Where it starts.',
  publishedAt: Date.UTC(2026, 10, 17, 10),
  durationSec: 1799.6,
  enclosure: { url: 'https://studio.example/podcasts/notes/ep_aaaaaaaaaaaa.mp3', length: 28_800_000, type: 'audio/mpeg' },
  episodeType: 'trailer',
};

const newer: FeedEpisode = {
  guid: 'ep_bbbbbbbbbbbb',
  title: 'Encoders',
  description: 'Which encoder, when.',
  publishedAt: Date.UTC(2026, 10, 24, 10),
  durationSec: 2710,
  enclosure: { url: 'https://studio.example/podcasts/notes/ep_bbbbbbbbbbbb.mp3', length: 43_360_000, type: 'audio/mpeg' },
  season: 1,
  episode: 2,
  episodeType: 'full',
  explicit: true,
  artworkUrl: 'https://studio.example/podcasts/notes/ep_bbbbbbbbbbbb.jpg',
  link: 'https://studio.example/show/encoders',
  chaptersUrl: 'https://studio.example/podcasts/notes/ep_bbbbbbbbbbbb.chapters.json',
  transcripts: [
    { url: 'https://studio.example/podcasts/notes/ep_bbbbbbbbbbbb.en.vtt', type: 'text/vtt', language: 'en', rel: 'captions' },
    { url: 'https://studio.example/podcasts/notes/ep_bbbbbbbbbbbb.fr.vtt', type: 'text/vtt', language: 'fr' },
  ],
  alternates: [{ url: 'https://studio.example/podcasts/notes/ep_bbbbbbbbbbbb.m4a', length: 39_000_000, type: 'audio/mp4' }],
};

const input: FeedInput = {
  show,
  // Oldest first on purpose: the feed orders them.
  episodes: [older, newer],
  live: {
    status: 'live',
    start: Date.UTC(2026, 10, 24, 18, 30),
    end: Date.UTC(2026, 10, 24, 20),
    title: 'Live from the studio',
    guid: 'live_notes_20261124',
    enclosure: { url: 'https://studio.example/live/notes/audio.mp3', type: 'audio/mpeg' },
    contentLink: 'https://studio.example/watch/notes',
  },
  generator: 'Streams Studio 0.1.0',
};

type Node = Record<string, unknown>;
const parse = (xml: string): Node =>
  new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', parseTagValue: false, isArray: (name) => name === 'item' }).parse(xml) as Node;
const channelOf = (xml: string): Node => (parse(xml).rss as Node).channel as Node;

describe('podcastFeed', () => {
  const xml = podcastFeed(input);

  it('writes a full show with two episodes and a live item that passes the conformance rules', () => {
    expect(checkPodcastFeed(xml)).toEqual([]);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:itunes=')).toBe(true);
    expect(xml).toContain('<atom:link href="https://studio.example/podcasts/notes/feed.xml" rel="self" type="application/rss+xml"/>');
    expect(xml).toContain('<podcast:locked owner="ada@studio.example">yes</podcast:locked>');
    expect(xml).toContain('<lastBuildDate>Tue, 24 Nov 2026 12:00:00 GMT</lastBuildDate>');
    expect(xml).toContain('<generator>Streams Studio 0.1.0</generator>');
  });

  it('puts the newest episode first', () => {
    const items = channelOf(xml).item as Node[];
    expect(items.map((i) => i.title)).toEqual(['Encoders', 'Pilot']);
    expect(xml.indexOf(newer.guid)).toBeLessThan(xml.indexOf(older.guid));
    expect(input.episodes.map((e) => e.guid)).toEqual([older.guid, newer.guid]); // the input is not sorted in place
  });

  it('writes the episode tags of iTunes and Podcasting 2.0', () => {
    const [item] = channelOf(xml).item as Node[];
    expect(item).toMatchObject({
      guid: { '#text': 'ep_bbbbbbbbbbbb', '@_isPermaLink': 'false' },
      pubDate: 'Tue, 24 Nov 2026 10:00:00 GMT',
      enclosure: { '@_url': newer.enclosure.url, '@_length': '43360000', '@_type': 'audio/mpeg' },
      'itunes:duration': '2710',
      'itunes:episodeType': 'full',
      'itunes:season': '1',
      'itunes:episode': '2',
      'itunes:explicit': 'true',
      'itunes:image': { '@_href': newer.artworkUrl },
      'podcast:season': '1',
      'podcast:episode': '2',
      'podcast:chapters': { '@_url': newer.chaptersUrl, '@_type': 'application/json+chapters' },
    });
    expect(item!['podcast:transcript']).toEqual([
      { '@_url': newer.transcripts![0]!.url, '@_type': 'text/vtt', '@_language': 'en', '@_rel': 'captions' },
      { '@_url': newer.transcripts![1]!.url, '@_type': 'text/vtt', '@_language': 'fr' },
    ]);
    // The enclosure is listed first among the alternates, as the default.
    expect(item!['podcast:alternateEnclosure']).toEqual([
      { 'podcast:source': { '@_uri': newer.enclosure.url }, '@_type': 'audio/mpeg', '@_length': '43360000', '@_default': 'true' },
      { 'podcast:source': { '@_uri': newer.alternates![0]!.url }, '@_type': 'audio/mp4', '@_length': '39000000' },
    ]);
  });

  it('writes whole seconds and leaves out what an episode does not have', () => {
    const [, pilot] = channelOf(xml).item as Node[];
    expect(pilot!['itunes:duration']).toBe('1800');
    for (const tag of ['itunes:season', 'itunes:episode', 'itunes:explicit', 'itunes:image', 'podcast:chapters', 'podcast:transcript', 'podcast:alternateEnclosure', 'link']) {
      expect(pilot, tag).not.toHaveProperty([tag]);
    }
  });

  it('writes the live item as the spec shows it', () => {
    expect(xml).toContain('<podcast:liveItem status="live" start="2026-11-24T18:30:00.000Z" end="2026-11-24T20:00:00.000Z">');
    expect(xml).toContain('<enclosure url="https://studio.example/live/notes/audio.mp3" type="audio/mpeg" length="0"/>');
    expect(xml).toContain('<podcast:contentLink href="https://studio.example/watch/notes">Live from the studio</podcast:contentLink>');
    const pending = podcastFeed({ ...input, live: { ...input.live!, status: 'pending', end: undefined } });
    expect(pending).toContain('<podcast:liveItem status="pending" start="2026-11-24T18:30:00.000Z">');
    expect(checkPodcastFeed(pending)).toEqual([]);
    expect(podcastFeed({ ...input, live: null })).not.toContain('liveItem');
  });

  it('escapes text and attributes, and drops characters XML cannot hold', () => {
    const nasty = `Q&A: <b>"it's"</b> ]]> \u0000\u0007\u001b\u0085\uFFFF end`;
    const out = podcastFeed({
      ...input,
      show: { ...show, title: nasty, description: `line one\r\nline two & <three>`, ownerEmail: 'a&b@studio.example' },
      episodes: [{ ...newer, title: nasty, chaptersUrl: 'https://studio.example/c.json?a=1&b=2' }],
    });
    expect(checkPodcastFeed(out)).toEqual([]);
    expect(out).toContain('<title>Q&amp;A: &lt;b&gt;&quot;it&apos;s&quot;&lt;/b&gt; ]]&gt;  end</title>');
    expect(out).toContain('url="https://studio.example/c.json?a=1&amp;b=2"');
    const notXml = [...out].filter((c) => {
      const n = c.codePointAt(0)!;
      return (n < 0x20 && n !== 0x09 && n !== 0x0a) || (n >= 0x7f && n <= 0x9f) || n === 0xfffe || n === 0xffff;
    });
    expect(notXml).toEqual([]);
    const channel = channelOf(out);
    expect(channel.title).toBe(`Q&A: <b>"it's"</b> ]]>  end`);
    expect(channel.description).toBe('line one\nline two & <three>');
    expect((channel['podcast:locked'] as Node)['@_owner']).toBe('a&b@studio.example');
  });

  it('keeps line breaks of a description as text, not indentation', () => {
    const out = podcastFeed({ ...input, episodes: [{ ...older, description: 'one\ntwo' }] });
    expect(out).toContain('<description>one\ntwo</description>');
  });

  it('nests a subcategory in its parent, and writes a parent alone', () => {
    expect(xml).toContain('<itunes:category text="Arts">\n      <itunes:category text="Design"/>\n    </itunes:category>');
    const tech = podcastFeed({ ...input, show: { ...show, category: 'Technology' } });
    expect(tech).toContain('<itunes:category text="Technology"/>');
    const kids = podcastFeed({ ...input, show: { ...show, category: 'Kids & Family > Pets & Animals' } });
    expect(kids).toContain('<itunes:category text="Kids &amp; Family">\n      <itunes:category text="Pets &amp; Animals"/>');
    expect(checkPodcastFeed(kids)).toEqual([]);
  });

  it('refuses a category Apple does not have, with a stable code', () => {
    for (const category of ['Gadgets', 'Arts > Podcasting', 'Arts > Design > Logos']) {
      let thrown: unknown;
      try {
        podcastFeed({ ...input, show: { ...show, category } });
      } catch (e) {
        thrown = e;
      }
      expect(thrown, category).toBeInstanceOf(StudioError);
      expect((thrown as StudioError).code).toBe('VALIDATION_FAILED');
    }
  });

  it('writes the show explicit flag as true/false, and the owner name falls back to the author', () => {
    const out = podcastFeed({ ...input, show: { ...show, explicit: true, ownerName: ' ', locked: false, copyright: '' } });
    expect(out).toContain('<itunes:explicit>true</itunes:explicit>');
    expect(out).toContain('<itunes:name>Ada Lovelace</itunes:name>');
    expect(out).toContain('>no</podcast:locked>');
    expect(out).not.toContain('<copyright>');
  });

  it('writes a feed without artwork or episodes that is still well-formed', () => {
    const out = podcastFeed({ show: { ...show, artworkUrl: null }, episodes: [] });
    expect(out).not.toContain('itunes:image');
    expect(out).not.toContain('<image>');
    // Apple requires artwork: the rules say so, and nothing else.
    expect(checkPodcastFeed(out)).toEqual(['itunes.image: itunes:image href is missing or not an absolute http(s) URL']);
  });
});

describe('podcastGuid', () => {
  it('matches the examples of the podcast:guid spec', () => {
    expect(podcastGuid('https://mp3s.nashownotes.com/pc20rss.xml')).toBe('917393e3-1b1e-5cef-ace4-edaa54e1f810');
    expect(podcastGuid('https://podnews.net/rss')).toBe('9b024349-ccf0-5f69-a609-6b82873eab3c');
  });

  it('ignores the scheme and trailing slashes', () => {
    for (const url of ['http://podnews.net/rss', 'https://podnews.net/rss/', 'HTTPS://podnews.net/rss//', 'podnews.net/rss']) {
      expect(podcastGuid(url), url).toBe('9b024349-ccf0-5f69-a609-6b82873eab3c');
    }
  });

  it('is a version 5, RFC 4122 variant UUID', () => {
    expect(podcastGuid(FEED_URL)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(podcastGuid(FEED_URL)).not.toBe(podcastGuid('https://studio.example/podcasts/other/feed.xml'));
  });
});

describe('chaptersJson', () => {
  it('writes the JSON chapters format 1.2.0, chapters in ascending start time', () => {
    const json = chaptersJson(
      [
        { startSec: 410.25, title: 'Encoders' },
        { startSec: 0, title: 'Intro' },
        { startSec: 168.0004, title: 'Capture' },
      ],
      { title: 'Encoders', podcastName: 'Studio Notes' },
    );
    expect(JSON.parse(json)).toEqual({
      version: '1.2.0',
      title: 'Encoders',
      podcastName: 'Studio Notes',
      chapters: [
        { startTime: 0, title: 'Intro' },
        { startTime: 168, title: 'Capture' },
        { startTime: 410.25, title: 'Encoders' },
      ],
    });
    expect(Object.keys(JSON.parse(json) as object)[0]).toBe('version');
  });

  it('leaves the optional metadata out', () => {
    expect(JSON.parse(chaptersJson([]))).toEqual({ version: '1.2.0', chapters: [] });
  });
});

describe('categories and dates', () => {
  it('accepts a parent or a parent > sub of the Apple list', () => {
    expect(isAppleCategory('Technology')).toBe(true);
    expect(isAppleCategory('Arts > Design')).toBe(true);
    expect(isAppleCategory('Arts > Technology')).toBe(false);
    expect(isAppleCategory('Design')).toBe(false);
    expect(isAppleCategory('toString')).toBe(false);
    expect(Object.keys(APPLE_CATEGORIES)).toHaveLength(19);
  });

  it('formats RFC 2822 in GMT', () => {
    expect(rfc2822(Date.UTC(2026, 10, 24, 10))).toBe('Tue, 24 Nov 2026 10:00:00 GMT');
    expect(rfc2822(Date.UTC(2026, 2, 1, 9, 5, 7))).toBe('Sun, 01 Mar 2026 09:05:07 GMT');
    expect(() => rfc2822(Number.NaN)).toThrow(StudioError);
  });
});
