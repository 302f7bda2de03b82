import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../../../test-support/golden.js';
import { LL_TRACKS, T0, llTrack, type LlRunSpec } from '../../../../test-support/ll-fixtures.js';
import { writeLlMpd, type LlMpdInput } from './ll-mpd.js';

const golden = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);
const twoSeconds = (n: number): number[] => Array.from({ length: n }, () => 2);

/** The three tracks of LL_TRACKS over the same runs (audio follows the video's boundaries). */
function input(runs: readonly LlRunSpec[], over: Partial<LlMpdInput> = {}, firstMsn = 10, ended = false): LlMpdInput {
  return {
    tracks: LL_TRACKS.map((info) => ({ info, snapshot: llTrack({ index: info.index, kind: info.kind, firstMsn, runs, ended }) })),
    availabilityStartMs: T0 - 60_000,
    publishMs: T0 + 30_000,
    segmentSec: 2,
    partSec: 0.2,
    minimumUpdatePeriodSec: 2,
    timeShiftBufferDepthSec: 3600,
    targetLatencyMs: 1500,
    minLatencyMs: 1000,
    maxLatencyMs: 3000,
    utcTiming: { kind: 'http-iso', url: '/api/v1/time?iso' },
    query: 'sid=d1&exp=9&sig=x',
    ...over,
  };
}

describe('writeLlMpd', () => {
  it('announces one run of regular segments with @duration and chunked availability', () => {
    const xml = writeLlMpd(input([{ run: 'r1', startMs: T0, segments: twoSeconds(5), inProgress: 0.6 }]));
    expectGolden(xml, golden('one-run.mpd'));
    expect(xml).toContain('type="dynamic"');
    expect(xml).toContain('<Period id="r1" start="PT60S">');
    expect(xml.match(/availabilityTimeOffset="1.8" availabilityTimeComplete="false"/g)).toHaveLength(3);
    expect(xml).not.toContain('SegmentTimeline');
    expect(xml).toContain('media="s/r1/seg-0-$Number$.m4s?sid=d1&amp;exp=9&amp;sig=x"');
  });

  it('gives each run its Period, starting at its first segment', () => {
    const xml = writeLlMpd(input([
      { run: 'r1', startMs: T0, segments: [2, 2, 1.4] },
      { run: 'r2', startMs: T0 + 9_000, segments: twoSeconds(2), inProgress: 0.4, startDecodeSec: 0.5 },
    ]));
    expectGolden(xml, golden('two-runs.mpd'));
    expect(xml.match(/<Period /g)).toHaveLength(2);
    expect(xml).toContain('<Period id="r2" start="PT69S">');
    // The second run's numbers continue (13...) and its decode times start at 0.5 s.
    expect(xml).toMatch(/startNumber="13"[^>]*media="s\/r2\/seg-0-\$Number\$\.m4s/);
    expect(xml).toContain('presentationTimeOffset="45000"');
  });

  it("puts each Period's timed data in an EventStream before its adaptation sets, timed from the Period's start", () => {
    const asked: [number, number][] = [];
    const xml = writeLlMpd(input(
      [
        { run: 'r1', startMs: T0, segments: [2, 2, 1.4] },
        { run: 'r2', startMs: T0 + 9_000, segments: twoSeconds(2) },
      ],
      { eventStream: (from, to) => (asked.push([from, to]), from === T0 ? '    <EventStream schemeIdUri="urn:streams-studio:data"/>' : '') },
    ));
    expect(asked).toEqual([[T0, T0 + 9_000], [T0 + 9_000, Infinity]]);
    expect(xml).toMatch(/<Period id="r1" start="PT60S">\n {4}<EventStream schemeIdUri="urn:streams-studio:data"\/>\n {4}<AdaptationSet/);
    expect(xml.match(/<EventStream/g)).toHaveLength(1);
  });

  it('falls back to a SegmentTimeline of the complete segments when durations vary', () => {
    const xml = writeLlMpd(input([{ run: 'r1', startMs: T0, segments: [2, 2, 2.5, 1.5, 2], inProgress: 0.4 }]));
    expectGolden(xml, golden('timeline.mpd'));
    expect(xml).not.toMatch(/duration="\d+"/);
    expect(xml).toContain('<S t="0" d="180000" r="1"/>\n            <S d="225000"/>\n            <S d="135000"/>\n            <S d="180000"/>');
  });

  it('turns static once the stream has ended, without availability offsets', () => {
    const xml = writeLlMpd(input([{ run: 'r1', startMs: T0, segments: [2, 2, 2, 0.8] }], { utcTiming: { kind: 'direct', nowMs: T0 } }, 10, true));
    expectGolden(xml, golden('ended.mpd'));
    expect(xml).toContain('type="static"');
    expect(xml).toContain('mediaPresentationDuration="PT6.8S"');
    expect(xml).toContain('<Period id="r1" start="PT0S">');
    for (const absent of ['availabilityTimeOffset', 'availabilityStartTime', 'UTCTiming', 'ServiceDescription']) expect(xml).not.toContain(absent);
  });

  it('writes the server clock directly when asked, and escapes what it writes', () => {
    const xml = writeLlMpd(input([{ run: 'a&b', startMs: T0, segments: [2] }], { utcTiming: { kind: 'direct', nowMs: T0 } }));
    expect(xml).toContain('<UTCTiming schemeIdUri="urn:mpeg:dash:utc:direct:2014" value="2026-01-01T00:00:00.000Z"/>');
    expect(xml).toContain('<Period id="a&amp;b"');
  });
});
