import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../../../test-support/golden.js';
import { checkLlPlaylist } from '../../../../test-support/ll-hls-conformance.js';
import { LL_TRACKS, T0, llTrack } from '../../../../test-support/ll-fixtures.js';
import { parseMediaPlaylist } from '../playlist.js';
import {
  llLastPart, llRenditionReport, writeLlMasterPlaylist, writeLlMediaPlaylist, type LlMediaPlaylistOptions,
} from './ll-playlist.js';
import { llUris } from './types.js';

const golden = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);
const QUERY = 'sid=h1&exp=9&sig=a_b';
const twoSeconds = (n: number): number[] => Array.from({ length: n }, () => 2);

const REPORTS = [
  { uri: llUris.media(1), lastMsn: 15, lastPart: 2 },
  { uri: llUris.media(2), lastMsn: 15, lastPart: 2 },
];
const OPTS: LlMediaPlaylistOptions = { partTargetSec: 0.2, targetDurationSec: 2, query: QUERY, skip: false, renditionReports: REPORTS };

// Five complete segments and one in progress (three parts written), the oldest without its parts.
const LIVE = llTrack({ index: 0, kind: 'video', firstMsn: 10, partsDropped: 2, runs: [{ run: 'r1', startMs: T0, segments: twoSeconds(5), inProgress: 0.6 }] });

describe('writeLlMediaPlaylist', () => {
  it('lists a live window: parts for the last segments, the one in progress, the preload hint, the reports', () => {
    const text = writeLlMediaPlaylist(LIVE, OPTS);
    expectGolden(text, golden('live-v0.m3u8'));
    expect(checkLlPlaylist(text, { expectRenditionReports: [llUris.media(1), llUris.media(2)] })).toEqual([]);
    // Parts within three target durations of the end only: segments 13, 14 and 15 (in progress).
    expect(text.match(/#EXT-X-PART:/g)).toHaveLength(23);
    expect(text).toContain(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s/r1/part-0-153.m4s?${QUERY}"`);
    // Still a valid plain live playlist: the in-progress segment is not a segment yet.
    const plain = parseMediaPlaylist(text);
    expect(plain.mediaSequence).toBe(10);
    expect(plain.segments.map((s) => s.uri.split('?')[0])).toEqual([10, 11, 12, 13, 14].map((n) => llUris.segment('r1', 0, n)));
  });

  it('names the next part by its running number, the same when the last segment is complete', () => {
    const complete = llTrack({ index: 0, kind: 'video', firstMsn: 10, runs: [{ run: 'r1', startMs: T0, segments: twoSeconds(4) }] });
    const text = writeLlMediaPlaylist(complete, { ...OPTS, query: '' });
    expect(text).toContain('#EXT-X-PRELOAD-HINT:TYPE=PART,URI="s/r1/part-0-140.m4s"');
    expect(checkLlPlaylist(text)).toEqual([]);
    // A segment just begun (no part yet) is not listed; the hint names its first part.
    const begun = llTrack({ index: 0, kind: 'video', firstMsn: 10, runs: [{ run: 'r1', startMs: T0, segments: twoSeconds(4), inProgress: 0 }] });
    expect(writeLlMediaPlaylist(begun, { ...OPTS, query: '' })).toBe(text);
  });

  it('starts a new run after a discontinuity with its own EXT-X-MAP', () => {
    const track = llTrack({
      index: 0, kind: 'video', firstMsn: 40, discontinuitySequence: 3,
      runs: [
        { run: 'r1', startMs: T0, segments: [2, 2, 1.4] },
        { run: 'r2', startMs: T0 + 9_000, segments: [2], inProgress: 0.4 },
      ],
    });
    const text = writeLlMediaPlaylist(track, { ...OPTS, renditionReports: [] });
    expectGolden(text, golden('discontinuity-v0.m3u8'));
    expect(checkLlPlaylist(text)).toEqual([]);
    expect(text.match(/#EXT-X-MAP:/g)).toHaveLength(2);
    expect(text).toMatch(/#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="s\/r2\/init-0\.mp4\?[^"]+"\n#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:09\.000Z/);
  });

  const LONG = llTrack({
    index: 0, kind: 'video', firstMsn: 100, discontinuitySequence: 1, partsDropped: 16,
    runs: [
      { run: 'r1', startMs: T0, segments: twoSeconds(5) },
      { run: 'r2', startMs: T0 + 12_000, segments: twoSeconds(15), inProgress: 0.4 },
    ],
  });

  it('writes a delta update: segments older than CAN-SKIP-UNTIL become EXT-X-SKIP', () => {
    const text = writeLlMediaPlaylist(LONG, { ...OPTS, skip: 'YES' });
    expectGolden(text, golden('delta-v0.m3u8'));
    expect(checkLlPlaylist(text, { expectRenditionReports: 2 })).toEqual([]);
    // 20 complete segments + 0.4 s: the ones ending more than 12 s before the end go (100..113).
    expect(text).toContain('#EXT-X-SKIP:SKIPPED-SEGMENTS=14\n');
    expect(text).toContain('#EXT-X-MEDIA-SEQUENCE:100\n#EXT-X-DISCONTINUITY-SEQUENCE:1\n');
    expect(text).toMatch(/#EXT-X-SKIP:.*\n#EXT-X-MAP:URI="s\/r2\/init-0\.mp4/); // the first listed segment carries its map
    // The full playlist lists them all; v2 adds the (empty) list of removed date ranges and version 10.
    expect(parseMediaPlaylist(writeLlMediaPlaylist(LONG, OPTS)).segments).toHaveLength(20);
    const v2 = writeLlMediaPlaylist(LONG, { ...OPTS, skip: 'v2' });
    expect(v2).toContain('#EXT-X-VERSION:10\n');
    expect(v2).toContain('#EXT-X-SKIP:SKIPPED-SEGMENTS=14,RECENTLY-REMOVED-DATERANGES=""\n');
    expect(checkLlPlaylist(v2)).toEqual([]);
  });

  it('lists the date ranges it is given in every answer, delta updates included', () => {
    const ranges = ['#EXT-X-DATERANGE:ID="score-1",CLASS="com.streams-studio.data",START-DATE="2026-01-01T00:00:03.000Z",X-CHANNEL="score"'];
    const full = writeLlMediaPlaylist(LIVE, { ...OPTS, dateRanges: ranges });
    expect(full).toBe(writeLlMediaPlaylist(LIVE, OPTS).replace('#EXT-X-DISCONTINUITY-SEQUENCE:0\n', `#EXT-X-DISCONTINUITY-SEQUENCE:0\n${ranges[0]}\n`));
    expect(checkLlPlaylist(full, { expectRenditionReports: [llUris.media(1), llUris.media(2)] })).toEqual([]);
    const delta = writeLlMediaPlaylist(LONG, { ...OPTS, skip: 'YES', dateRanges: ranges });
    expect(delta).toMatch(/#EXT-X-SKIP:SKIPPED-SEGMENTS=\d+\n#EXT-X-DATERANGE:ID="score-1"/);
  });

  it('does not skip when nothing is older than CAN-SKIP-UNTIL, nor once ended', () => {
    expect(writeLlMediaPlaylist(LIVE, { ...OPTS, skip: 'YES' })).toBe(writeLlMediaPlaylist(LIVE, OPTS));
    const ended = { ...LONG, ended: true };
    expect(writeLlMediaPlaylist(ended, { ...OPTS, skip: 'YES' })).not.toContain('EXT-X-SKIP');
  });

  it('ends a stream: EXT-X-ENDLIST and no preload hint', () => {
    const track = llTrack({ index: 0, kind: 'video', firstMsn: 7, ended: true, runs: [{ run: 'r1', startMs: T0, segments: [2, 2, 2, 0.8] }] });
    const text = writeLlMediaPlaylist(track, { ...OPTS, renditionReports: [] });
    expectGolden(text, golden('ended-v0.m3u8'));
    expect(checkLlPlaylist(text)).toEqual([]);
    expect(text).not.toContain('PRELOAD-HINT');
    expect(text.endsWith('#EXT-X-ENDLIST\n')).toBe(true);
  });

  it('writes the audio track: every part independent', () => {
    const track = llTrack({ index: 2, kind: 'audio', firstMsn: 10, runs: [{ run: 'r1', startMs: T0, segments: twoSeconds(3), inProgress: 0.58 }] });
    const reports = [{ uri: llUris.media(0), lastMsn: 13, lastPart: 2 }, { uri: llUris.media(1), lastMsn: 13, lastPart: 2 }];
    const text = writeLlMediaPlaylist(track, { ...OPTS, renditionReports: reports });
    expectGolden(text, golden('live-a2.m3u8'));
    expect(checkLlPlaylist(text, { expectRenditionReports: 2 })).toEqual([]);
    expect(text.match(/#EXT-X-PART:/g)!.length).toBe(text.match(/INDEPENDENT=YES/g)!.length);
  });

  it('handles an empty window', () => {
    const empty = llTrack({ index: 0, kind: 'video', firstMsn: 0, runs: [] });
    const text = writeLlMediaPlaylist(empty, { ...OPTS, renditionReports: [] });
    expect(text).toBe([
      '#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-TARGETDURATION:2',
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12,PART-HOLD-BACK=0.6', '#EXT-X-PART-INF:PART-TARGET=0.2',
      '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-DISCONTINUITY-SEQUENCE:0', '',
    ].join('\n'));
    expect(checkLlPlaylist(text)).toEqual([]);
  });

  it('lists parts for a given number of last segments, and writes HOLD-BACK when asked', () => {
    const text = writeLlMediaPlaylist(LIVE, { ...OPTS, partsForLastSegments: 1, holdBackSec: 6 });
    expect(text).toContain('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12,PART-HOLD-BACK=0.6,HOLD-BACK=6\n');
    expect(text.match(/#EXT-X-PART:/g)).toHaveLength(3);
  });
});

describe('llLastPart / llRenditionReport', () => {
  it('reports the last published part, in the previous segment while a new one has none', () => {
    expect(llLastPart(LIVE)).toEqual({ msn: 15, part: 2 });
    expect(llRenditionReport(LIVE)).toEqual({ uri: 'v0.m3u8', lastMsn: 15, lastPart: 2 });
    const begun = llTrack({ index: 1, kind: 'video', firstMsn: 10, runs: [{ run: 'r1', startMs: T0, segments: [2], inProgress: 0 }] });
    expect(llLastPart(begun)).toEqual({ msn: 10, part: 9 });
    expect(llRenditionReport(llTrack({ index: 1, kind: 'video', firstMsn: 0, runs: [] }))).toBeNull();
  });
});

describe('writeLlMasterPlaylist', () => {
  it('lists the video variants with the audio group', () => {
    const text = writeLlMasterPlaylist(LL_TRACKS, { query: QUERY });
    expectGolden(text, golden('master.m3u8'));
  });

  it('leaves the AUDIO attribute out without audio, and makes audio alone a variant', () => {
    const noAudio = writeLlMasterPlaylist(LL_TRACKS.slice(0, 1), { query: '' });
    expect(noAudio).toBe([
      '#EXTM3U', '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-STREAM-INF:BANDWIDTH=2500000,CODECS="avc1.64001f",RESOLUTION=1280x720,FRAME-RATE=30.000', 'v0.m3u8', '',
    ].join('\n'));
    const audioOnly = writeLlMasterPlaylist(LL_TRACKS.slice(2), { query: '' });
    expect(audioOnly).toContain('#EXT-X-STREAM-INF:BANDWIDTH=128000,CODECS="mp4a.40.2"\nv2.m3u8\n');
  });
});
