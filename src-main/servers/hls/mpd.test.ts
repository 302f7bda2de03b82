import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isDynamicMpd, rewriteMpd } from './mpd.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const STATIC = fixture('session/manifest.mpd');
const LIVE = fixture('live-manifest.mpd');

describe('rewriteMpd', () => {
  it('points segment templates at the session folder with the query, XML-escaped', () => {
    const out = rewriteMpd(STATIC, { prefix: 's/A/', query: 'sid=dabc&exp=1&sig=x' });
    expect(out).toContain('initialization="s/A/init-stream$RepresentationID$.m4s?sid=dabc&amp;exp=1&amp;sig=x"');
    expect(out).toContain('media="s/A/chunk-stream$RepresentationID$-$Number%05d$.m4s?sid=dabc&amp;exp=1&amp;sig=x"');
    expect(out.match(/media="s\/A\//g)).toHaveLength(3);
    expect(isDynamicMpd(out)).toBe(false);
    expect(out).not.toContain('UTCTiming'); // static: nothing to synchronize
  });

  it('shortens the update period of a live MPD and adds the server clock', () => {
    expect(isDynamicMpd(LIVE)).toBe(true);
    expect(LIVE).toContain('minimumUpdatePeriod="PT500S"');
    const out = rewriteMpd(LIVE, { prefix: 's/B/', query: 'sid=d1', minimumUpdatePeriodSec: 2, utcTimingIso: '2026-01-01T00:00:00.000Z' });
    expect(out).toContain('minimumUpdatePeriod="PT2S"');
    expect(out).toMatch(/<UTCTiming schemeIdUri="urn:mpeg:dash:utc:direct:2014" value="2026-01-01T00:00:00.000Z"\/>\n<\/MPD>/);
    expect(out).toContain('availabilityStartTime='); // the rest is the packager's
  });

  it('prefixes a relative BaseURL instead of the templates when the MPD has one', () => {
    const withBase = STATIC.replace('<Period id="0" start="PT0.0S">', '<BaseURL>media/</BaseURL>\n<Period id="0" start="PT0.0S">');
    const out = rewriteMpd(withBase, { prefix: 's/A/', query: 'sid=d1' });
    expect(out).toContain('<BaseURL>s/A/media/</BaseURL>');
    expect(out).toContain('initialization="init-stream$RepresentationID$.m4s?sid=d1"');
  });

  it('puts an EventStream first in the Period', () => {
    const events = '    <EventStream schemeIdUri="urn:streams-studio:data" value="data" timescale="1000"></EventStream>';
    const out = rewriteMpd(STATIC, { prefix: 's/A/', query: '', eventStream: events });
    expect(out).toMatch(/<Period id="0" start="PT0.0S">\n {4}<EventStream schemeIdUri="urn:streams-studio:data"[^\n]*\n\s*<AdaptationSet/);
    expect(rewriteMpd(STATIC, { prefix: 's/A/', query: '', eventStream: '' })).toBe(rewriteMpd(STATIC, { prefix: 's/A/', query: '' }));
  });

  it('refuses what is not an MPD', () => {
    expect(() => rewriteMpd('#EXTM3U', { prefix: 's/A/', query: '' })).toThrow(/not a DASH MPD/);
  });
});
