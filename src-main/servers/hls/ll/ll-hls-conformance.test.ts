// Tests of the conformance checker in test-support/ (the unit project runs tests under src-* only).
import { describe, expect, it } from 'vitest';
import { checkLlPlaylist } from '../../../../test-support/ll-hls-conformance.js';
import { T0, llTrack } from '../../../../test-support/ll-fixtures.js';
import { writeLlMediaPlaylist, type LlMediaPlaylistOptions } from './ll-playlist.js';
import { llUris } from './types.js';

const OPTS: LlMediaPlaylistOptions = {
  partTargetSec: 0.2, targetDurationSec: 2, query: 'sid=c1', skip: false,
  renditionReports: [{ uri: llUris.media(1), lastMsn: 15, lastPart: 2 }],
};
const twoSeconds = (n: number): number[] => Array.from({ length: n }, () => 2);
const LIVE = writeLlMediaPlaylist(
  llTrack({ index: 0, kind: 'video', firstMsn: 10, partsDropped: 2, runs: [{ run: 'r1', startMs: T0, segments: twoSeconds(5), inProgress: 0.6 }] }),
  OPTS,
);
const LONG = llTrack({ index: 0, kind: 'video', firstMsn: 100, partsDropped: 16, runs: [{ run: 'r1', startMs: T0, segments: twoSeconds(20), inProgress: 0.4 }] });
const DELTA = writeLlMediaPlaylist(LONG, { ...OPTS, skip: 'YES' });

/** `text` with its first match of `from` replaced; fails when there is none, so a test cannot pass vacuously. */
function broken(text: string, from: string | RegExp, to: string): string {
  const out = text.replace(from, to);
  expect(out, `no ${String(from)} in the playlist`).not.toBe(text);
  return out;
}

describe('checkLlPlaylist', () => {
  it('accepts what the writer produces', () => {
    expect(checkLlPlaylist(LIVE, { expectRenditionReports: [llUris.media(1)] })).toEqual([]);
    expect(checkLlPlaylist(DELTA)).toEqual([]);
  });

  it('catches a part longer than PART-TARGET', () => {
    expect(checkLlPlaylist(broken(LIVE, 'DURATION=0.2,URI="s/r1/part-0-143', 'DURATION=0.21,URI="s/r1/part-0-143')))
      .toContainEqual(expect.stringMatching(/part DURATION=0.21 exceeds PART-TARGET=0.2/));
  });

  it('catches a segment whose first part is not independent', () => {
    expect(checkLlPlaylist(broken(LIVE, 'part-0-140.m4s?sid=c1",INDEPENDENT=YES', 'part-0-140.m4s?sid=c1"')))
      .toContainEqual(expect.stringMatching(/the first part of segment at line \d+ \(s\/r1\/seg-0-14\.m4s\?sid=c1\) is not INDEPENDENT=YES/));
  });

  it('catches an independent part inside a segment when keyframes are only at segment starts', () => {
    const text = broken(LIVE, 'part-0-144.m4s?sid=c1"', 'part-0-144.m4s?sid=c1",INDEPENDENT=YES');
    expect(checkLlPlaylist(text)).toEqual([]); // a scene cut may do that
    expect(checkLlPlaylist(text, { keyframesOnlyAtSegmentStarts: true })).toContainEqual(expect.stringMatching(/INDEPENDENT=YES on part 4 of segment/));
  });

  it('catches parts that do not add up to EXTINF', () => {
    expect(checkLlPlaylist(broken(LIVE, /(part-0-149[^\n]*\n)#EXTINF:2.000000,/, '$1#EXTINF:2.002000,')))
      .toContainEqual(expect.stringMatching(/its parts add up to 2.000000 s but EXTINF is 2.002/));
  });

  it('catches an EXTINF above the target duration', () => {
    expect(checkLlPlaylist(broken(LIVE, '#EXTINF:2.000000,\ns/r1/seg-0-10', '#EXTINF:2.600000,\ns/r1/seg-0-10')))
      .toContainEqual(expect.stringMatching(/EXTINF 2.6 rounds above EXT-X-TARGETDURATION 2/));
  });

  it('catches PART-HOLD-BACK under two part targets', () => {
    expect(checkLlPlaylist(broken(LIVE, 'PART-HOLD-BACK=0.6', 'PART-HOLD-BACK=0.3')))
      .toContainEqual('PART-HOLD-BACK=0.3 is less than twice PART-TARGET=0.2');
  });

  it('catches CAN-SKIP-UNTIL under six target durations', () => {
    expect(checkLlPlaylist(broken(LIVE, 'CAN-SKIP-UNTIL=12', 'CAN-SKIP-UNTIL=10')))
      .toContainEqual('CAN-SKIP-UNTIL=10 is less than six target durations (6 x 2)');
  });

  it('catches a segment without EXT-X-PROGRAM-DATE-TIME, and dates that go back', () => {
    expect(checkLlPlaylist(broken(LIVE, '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:04.000Z\n', '')))
      .toContainEqual(expect.stringMatching(/\(s\/r1\/seg-0-12\.m4s\?sid=c1\) has no EXT-X-PROGRAM-DATE-TIME/));
    expect(checkLlPlaylist(broken(LIVE, '2026-01-01T00:00:04.000Z', '2026-01-01T00:00:01.000Z')))
      .toContainEqual(expect.stringMatching(/seg-0-12\.m4s\?sid=c1\): EXT-X-PROGRAM-DATE-TIME does not increase/));
  });

  it('catches missing rendition reports', () => {
    const text = broken(LIVE, /#EXT-X-RENDITION-REPORT[^\n]*\n/, '');
    expect(checkLlPlaylist(text, { expectRenditionReports: 1 })).toContainEqual('0 EXT-X-RENDITION-REPORT tags, expected 1');
    expect(checkLlPlaylist(LIVE, { expectRenditionReports: [llUris.media(1), llUris.media(2)] })).toEqual(['no EXT-X-RENDITION-REPORT for v2.m3u8']);
    expect(checkLlPlaylist(broken(LIVE, ',LAST-PART=2', ''))).toContainEqual(expect.stringMatching(/rendition report for v1.m3u8\?sid=c1 lacks LAST-MSN or LAST-PART/));
  });

  it('catches EXT-X-SKIP below version 9', () => {
    expect(checkLlPlaylist(broken(DELTA, '#EXT-X-VERSION:9', '#EXT-X-VERSION:8')))
      .toContainEqual(expect.stringMatching(/EXT-X-SKIP needs EXT-X-VERSION 9 or higher, the playlist says 8/));
  });

  it('catches SKIPPED-SEGMENTS that does not match MEDIA-SEQUENCE, or skips too much', () => {
    expect(checkLlPlaylist(broken(DELTA, 'SKIPPED-SEGMENTS=14', 'SKIPPED-SEGMENTS=13')))
      .toContainEqual(expect.stringMatching(/seg-0-114\.m4s\?sid=c1 has media sequence number 114 where MEDIA-SEQUENCE 100 \+ SKIPPED-SEGMENTS 13 \+ position 0 gives 113/));
    // Skipping 15 (and renumbering accordingly) leaves less than CAN-SKIP-UNTIL listed.
    const tooMuch = broken(broken(DELTA, 'SKIPPED-SEGMENTS=14', 'SKIPPED-SEGMENTS=15'), /#EXT-X-MAP[^\n]*\n#EXT-X-PROGRAM-DATE-TIME[^\n]*\n#EXTINF[^\n]*\n[^\n]*seg-0-114[^\n]*\n#EXT-X-PROGRAM-DATE-TIME[^\n]*\n/, '#EXT-X-MAP:URI="s/r1/init-0.mp4"\n#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:30.000Z\n');
    expect(checkLlPlaylist(tooMuch)).toContainEqual(expect.stringMatching(/listed ones cover only 10.400 s, less than CAN-SKIP-UNTIL=12/));
  });

  it('catches a delta update whose first segment has no EXT-X-MAP', () => {
    expect(checkLlPlaylist(broken(DELTA, /#EXT-X-MAP[^\n]*\n/, '')))
      .toContainEqual(expect.stringMatching(/the first listed segment has no EXT-X-MAP before it/));
  });

  it('catches a preload hint that is not the next part, and one in an ended playlist', () => {
    expect(checkLlPlaylist(broken(LIVE, 'URI="s/r1/part-0-153.m4s', 'URI="s/r1/part-0-154.m4s')))
      .toContainEqual(expect.stringMatching(/the preload hint s\/r1\/part-0-154\.m4s\?sid=c1 is not the next part \(expected part 153, after s\/r1\/part-0-152\.m4s\?sid=c1\)/));
    expect(checkLlPlaylist(`${LIVE}#EXT-X-ENDLIST\n`)).toContainEqual('EXT-X-PRELOAD-HINT in a playlist with EXT-X-ENDLIST');
  });

  it('catches parts out of their running order', () => {
    expect(checkLlPlaylist(broken(LIVE, 'URI="s/r1/part-0-151.m4s', 'URI="s/r1/part-0-157.m4s')))
      .toContainEqual(expect.stringMatching(/s\/r1\/part-0-157\.m4s\?sid=c1 is part 157 but follows part 150 \(s\/r1\/part-0-150\.m4s\?sid=c1\)/));
  });

  it('catches parts listed for old segments', () => {
    const text = writeLlMediaPlaylist(llTrack({ index: 0, kind: 'video', firstMsn: 10, runs: [{ run: 'r1', startMs: T0, segments: twoSeconds(5), inProgress: 0.6 }] }), { ...OPTS, partsForLastSegments: 6 });
    expect(checkLlPlaylist(text)).toContainEqual(expect.stringMatching(/part listed 10.600 s from the end, more than three target durations/));
    expect(checkLlPlaylist(broken(LIVE, /#EXT-X-PART:[^\n]*part-0-14\d[^\n]*\n/g, '')))
      .toContainEqual(expect.stringMatching(/seg-0-14\.m4s\?sid=c1\) lists no parts after a segment that does/));
  });
});
