import { describe, expect, it } from 'vitest';
import { checkPodcastFeed, parseIso8601, parseRfc2822 } from './podcast-feed-rules.js';

// Written by hand, not by podcastFeed, so the checker is not only proved by the writer it checks.
const GOOD = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>Studio Notes &amp; Friends</title>
    <link>https://studio.example/show</link>
    <description>Behind the scenes.</description>
    <language>en-GB</language>
    <lastBuildDate>Tue, 24 Nov 2026 10:00:00 GMT</lastBuildDate>
    <atom:link href="https://studio.example/podcasts/notes/feed.xml" rel="self" type="application/rss+xml"/>
    <itunes:image href="https://studio.example/podcasts/notes/artwork.jpg"/>
    <itunes:category text="Arts">
      <itunes:category text="Design"/>
    </itunes:category>
    <itunes:explicit>false</itunes:explicit>
    <itunes:author>Ada</itunes:author>
    <itunes:owner>
      <itunes:name>Ada</itunes:name>
      <itunes:email>ada@studio.example</itunes:email>
    </itunes:owner>
    <itunes:type>episodic</itunes:type>
    <podcast:guid>9b024349-ccf0-5f69-a609-6b82873eab3c</podcast:guid>
    <podcast:locked owner="ada@studio.example">yes</podcast:locked>
    <podcast:liveItem status="live" start="2026-11-24T18:30:00.000Z" end="2021-09-26T09:30:00.000-0600">
      <title>Live now</title>
      <guid isPermaLink="false">live-1</guid>
      <enclosure url="https://studio.example/live/notes.mp3" type="audio/mpeg" length="0"/>
      <podcast:contentLink href="https://studio.example/live/notes">Listen live</podcast:contentLink>
    </podcast:liveItem>
    <item>
      <title>Episode 2</title>
      <description>Second.</description>
      <guid isPermaLink="false">ep-2</guid>
      <pubDate>Tue, 24 Nov 2026 10:00:00 GMT</pubDate>
      <enclosure url="https://studio.example/e/2.mp3" length="1234567" type="audio/mpeg"/>
      <itunes:duration>1830</itunes:duration>
      <itunes:episodeType>full</itunes:episodeType>
      <itunes:season>1</itunes:season>
      <itunes:episode>2</itunes:episode>
      <podcast:season>1</podcast:season>
      <podcast:episode>2</podcast:episode>
      <podcast:chapters url="https://studio.example/e/2/chapters.json" type="application/json+chapters"/>
      <podcast:transcript url="https://studio.example/e/2/en.vtt" type="text/vtt" language="en" rel="captions"/>
      <podcast:alternateEnclosure type="audio/mp4" length="998877">
        <podcast:source uri="https://studio.example/e/2.m4a"/>
      </podcast:alternateEnclosure>
    </item>
    <item>
      <title>Episode 1</title>
      <description><![CDATA[<p>First & best</p>]]></description>
      <guid isPermaLink="false">ep-1</guid>
      <pubDate>Tue, 17 Nov 2026 11:00:00 +0100</pubDate>
      <enclosure url="https://studio.example/e/1.m4a" length="2345678" type="audio/mp4"/>
      <itunes:duration>00:45:10</itunes:duration>
      <itunes:episodeType>trailer</itunes:episodeType>
    </item>
  </channel>
</rss>
`;

/** GOOD with one substring replaced; the substring must be there, so a typo cannot make a test pass. */
function broken(find: string | RegExp, replace: string): string {
  const out = GOOD.replace(find, replace);
  expect(out, `fixture change ${String(find)}`).not.toBe(GOOD);
  return out;
}

const rulesOf = (xml: string): string[] => checkPodcastFeed(xml).map((v) => v.slice(0, v.indexOf(':')));

describe('checkPodcastFeed', () => {
  it('passes a conforming feed', () => {
    expect(checkPodcastFeed(GOOD)).toEqual([]);
  });

  it.each([
    ['a missing enclosure length', broken(' length="1234567"', ''), 'enclosure.length', /item 1 \("Episode 2"\).*length "\(missing\)"/],
    ['a zero enclosure length', broken('length="1234567"', 'length="0"'), 'enclosure.length', /not an integer > 0/],
    ['a relative enclosure URL', broken('url="https://studio.example/e/2.mp3"', 'url="/e/2.mp3"'), 'enclosure.url', /"\/e\/2.mp3"/],
    ['an enclosure type apps do not play', broken('type="audio/mpeg"/>\n      <itunes:duration>1830', 'type="audio/ogg"/>\n      <itunes:duration>1830'), 'enclosure.type', /audio\/ogg/],
    ['a category Apple does not have', broken('<itunes:category text="Arts">', '<itunes:category text="Art">'), 'itunes.category', /"Art" is not an Apple Podcasts category/],
    ['a subcategory of another parent', broken('text="Design"', 'text="Podcasting"'), 'itunes.category', /"Podcasting" is not a subcategory of "Arts"/],
    ['explicit as yes', broken('<itunes:explicit>false</itunes:explicit>', '<itunes:explicit>yes</itunes:explicit>'), 'itunes.explicit', /"yes", not true or false/],
    ['explicit missing', broken('<itunes:explicit>false</itunes:explicit>', ''), 'itunes.explicit', /\(missing\)/],
    ['a duplicate guid', broken('>ep-1</guid>', '>ep-2</guid>'), 'item.guid', /item 2 \("Episode 1"\) repeats the guid "ep-2" of item 1/],
    ['a permalink guid that is no URL', broken('<guid isPermaLink="false">ep-1</guid>', '<guid>ep-1</guid>'), 'item.guid', /permalink guid but not a URL/],
    ['a pubDate in ISO form', broken('Tue, 17 Nov 2026 11:00:00 +0100', '2026-11-17T10:00:00Z'), 'item.pubDate', /"2026-11-17T10:00:00Z" is not an RFC 2822 date/],
    ['a pubDate with the wrong weekday', broken('Tue, 17 Nov 2026 11:00:00 +0100', 'Wed, 17 Nov 2026 11:00:00 +0100'), 'item.pubDate', /Wed, 17 Nov/],
    ['an unescaped &', broken('Studio Notes &amp; Friends', 'Studio Notes & Friends'), 'xml.wellformed', /&/],
    ['an undefined entity', broken('Behind the scenes.', 'Behind&nbsp;the scenes.'), 'xml.wellformed', /&nbsp;/],
    ['a control character', broken('Behind the scenes.', 'Behind\u0007 the scenes.'), 'xml.wellformed', /control character/],
    ['an unclosed element', broken('</itunes:owner>', ''), 'xml.wellformed', /itunes:owner|closing tag/i],
    ['a missing namespace declaration', broken(' xmlns:podcast="https://podcastindex.org/namespace/1.0"', ''), 'rss.namespace', /xmlns:podcast/],
    ['RSS 0.91', broken('version="2.0" xmlns', 'version="0.91" xmlns'), 'rss.version', /0.91/],
    ['a relative channel link', broken('<link>https://studio.example/show</link>', '<link>/show</link>'), 'channel.link', /absolute/],
    ['a language that is no tag', broken('<language>en-GB</language>', '<language>English</language>'), 'channel.language', /BCP 47/],
    ['no artwork', broken(/\s*<itunes:image href="[^"]*"\/>/, ''), 'itunes.image', /itunes:image/],
    ['no owner e-mail', broken('<itunes:email>ada@studio.example</itunes:email>', ''), 'itunes.owner', /itunes:email/],
    ['no atom self link', broken('rel="self"', 'rel="alternate"'), 'atom.self', /rel="self"/],
    ['a podcast:guid that is not v5', broken('9b024349-ccf0-5f69', '9b024349-ccf0-4f69'), 'podcast.guid', /not a UUID v5/],
    ['locked as true', broken('>yes</podcast:locked>', '>true</podcast:locked>'), 'podcast.locked', /not yes or no/],
    ['locked without owner', broken(' owner="ada@studio.example"', ''), 'podcast.locked', /owner/],
    ['a duration in words', broken('<itunes:duration>1830</itunes:duration>', '<itunes:duration>30 min</itunes:duration>'), 'itunes.duration', /30 min/],
    ['an unknown episode type', broken('<itunes:episodeType>trailer</itunes:episodeType>', '<itunes:episodeType>teaser</itunes:episodeType>'), 'itunes.episodeType', /teaser/],
    ['season 0', broken('<itunes:season>1</itunes:season>', '<itunes:season>0</itunes:season>'), 'itunes.season', /"0" is not a positive integer/],
    ['chapters of another type', broken('type="application/json+chapters"', 'type="application/json"'), 'podcast.chapters', /application\/json\+chapters/],
    ['a transcript type outside the spec', broken('type="text/vtt"', 'type="text/srt"'), 'podcast.transcript', /text\/srt/],
    ['an alternate enclosure without sources', broken(/<podcast:source [^>]*\/>/, ''), 'podcast.alternateEnclosure', /podcast:source/],
    ['a live status outside the spec', broken('status="live"', 'status="on-air"'), 'podcast.liveItem', /on-air/],
    ['a live start that is no ISO date', broken('start="2026-11-24T18:30:00.000Z"', 'start="Tue, 24 Nov 2026 18:30:00 GMT"'), 'podcast.liveItem', /start .* ISO 8601/],
    ['a live item without enclosure', broken(/<enclosure url="https:\/\/studio.example\/live[^>]*\/>/, ''), 'podcast.liveItem', /no enclosure/],
    ['a live item without content link', broken(/<podcast:contentLink[^<]*<\/podcast:contentLink>/, ''), 'podcast.liveItem', /contentLink/],
  ])('reports %s', (_what, xml, rule, message) => {
    const violations = checkPodcastFeed(xml);
    expect(rulesOf(xml)).toContain(rule);
    expect(violations.find((v) => v.startsWith(`${rule}:`))).toMatch(message);
  });

  it('reports each broken item once per rule, naming the item', () => {
    const xml = GOOD.replace(/ length="\d+" type="audio/g, ' type="audio');
    expect(checkPodcastFeed(xml).filter((v) => v.startsWith('enclosure.length:'))).toEqual([
      'enclosure.length: item 1 ("Episode 2"): length "(missing)" is not an integer > 0',
      'enclosure.length: item 2 ("Episode 1"): length "(missing)" is not an integer > 0',
    ]);
  });

  it('accepts a & inside CDATA and an escaped one in an attribute', () => {
    expect(checkPodcastFeed(GOOD.replace('Second.', '<![CDATA[Q&A <b>live</b>]]>'))).toEqual([]);
    expect(checkPodcastFeed(GOOD.replace('text="Arts">', 'text="Kids &amp; Family">').replace('text="Design"', 'text="Parenting"'))).toEqual([]);
  });
});

describe('parseRfc2822', () => {
  it.each([
    ['Tue, 24 Nov 2026 10:00:00 GMT', Date.UTC(2026, 10, 24, 10)],
    ['24 Nov 2026 10:00 GMT', Date.UTC(2026, 10, 24, 10)],
    ['Tue, 24 Nov 2026 11:00:00 +0100', Date.UTC(2026, 10, 24, 10)],
    ['Tue, 24 Nov 2026 05:00:00 EST', Date.UTC(2026, 10, 24, 10)],
  ])('reads %s', (value, ms) => {
    expect(parseRfc2822(value)).toBe(ms);
  });

  it.each(['2026-11-24T10:00:00Z', 'Tue, 31 Nov 2026 10:00:00 GMT', 'Tue, 24 Nov 26 10:00:00 GMT', 'Tue, 24 Nov 2026 25:00:00 GMT', 'Mon, 24 Nov 2026 10:00:00 GMT', 'Tue, 24 Nov 2026 10:00:00 XYZ'])(
    'refuses %s',
    (value) => {
      expect(parseRfc2822(value)).toBeNull();
    },
  );
});

describe('parseIso8601', () => {
  it('reads the forms the liveItem spec uses', () => {
    expect(parseIso8601('2021-09-26T07:30:00.000-0600')).toBe(Date.UTC(2021, 8, 26, 13, 30));
    expect(parseIso8601('2026-11-24T18:30:00.000Z')).toBe(Date.UTC(2026, 10, 24, 18, 30));
    expect(parseIso8601('2026-11-24T18:30+01:00')).toBe(Date.UTC(2026, 10, 24, 17, 30));
  });

  it('refuses a date without a zone or time', () => {
    expect(parseIso8601('2026-11-24T18:30:00')).toBeNull();
    expect(parseIso8601('2026-11-24')).toBeNull();
  });
});
