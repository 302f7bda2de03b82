import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  buildStitchedPlaylist, parseAttributes, parseMediaPlaylist, PlaylistParseError, rewriteMaster, stitchMediaPlaylist,
  streamIndexOfFile, writeMediaPlaylist, type StitchSession,
} from './playlist.js';

// Real ffmpeg output (fixtures/capture.sh): a finished session and a copy taken while it was running.
const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const ENDED_VIDEO = fixture('session/media_0.m3u8');
const ENDED_AUDIO = fixture('session/media_2.m3u8');
const LIVE_VIDEO = fixture('live-media_0.m3u8');
const MASTER = fixture('session/master.m3u8');

/** The stitched playlist as [sequence number, discontinuity sequence number, uri] per segment. */
function numbered(text: string): { seq: number; dseq: number; uri: string }[] {
  const pl = parseMediaPlaylist(text);
  let dseq = pl.discontinuitySequence;
  return pl.segments.map((s, i) => {
    if (s.discontinuity) dseq += 1;
    return { seq: pl.mediaSequence + i, dseq, uri: s.uri };
  });
}

describe('parseMediaPlaylist / writeMediaPlaylist', () => {
  it('reads an ffmpeg dash-muxer media playlist', () => {
    const pl = parseMediaPlaylist(ENDED_VIDEO);
    expect(pl.version).toBe(6);
    expect(pl.targetDuration).toBe(2);
    expect(pl.mediaSequence).toBe(1);
    expect(pl.endList).toBe(true);
    expect(pl.segments.map((s) => s.uri)).toEqual(['chunk-stream0-00001.m4s', 'chunk-stream0-00002.m4s', 'chunk-stream0-00003.m4s']);
    expect(pl.segments.every((s) => s.map?.uri === 'init-stream0.m4s')).toBe(true);
    expect(pl.segments[0]!.tags[0]).toMatch(/^#EXT-X-PROGRAM-DATE-TIME:/);
    expect(parseMediaPlaylist(ENDED_AUDIO).segments.map((s) => s.duration)).toEqual([1.984, 2.005333, 2.005333, 0.005333]);
    expect(parseMediaPlaylist(LIVE_VIDEO).endList).toBe(false);
  });

  it('writes what it reads (round trip), one EXT-X-MAP while it does not change', () => {
    const written = writeMediaPlaylist(parseMediaPlaylist(ENDED_VIDEO));
    expect(parseMediaPlaylist(written)).toEqual(parseMediaPlaylist(ENDED_VIDEO));
    expect(written.match(/#EXT-X-MAP/g)).toHaveLength(1);
    expect(written.trimEnd().split('\n').at(-1)).toBe('#EXT-X-ENDLIST');
  });

  it('keeps commas inside quoted attribute values', () => {
    expect(parseAttributes('BANDWIDTH=95950,CODECS="avc1.f4000d,mp4a.40.2",AUDIO="group_A1"')).toEqual({
      BANDWIDTH: '95950', CODECS: 'avc1.f4000d,mp4a.40.2', AUDIO: 'group_A1',
    });
  });

  it('refuses what is not a playlist', () => {
    expect(() => parseMediaPlaylist('<MPD/>')).toThrow(PlaylistParseError);
    expect(() => parseMediaPlaylist('#EXTM3U\nchunk.m4s\n')).toThrow(/without #EXTINF/);
  });
});

describe('rewriteMaster', () => {
  it('points variants and the audio rendition at our media playlists, with the query', () => {
    const out = rewriteMaster(MASTER, { query: 'sid=habc&exp=1&sig=x' });
    const uris = out.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(uris).toEqual(['v0.m3u8?sid=habc&exp=1&sig=x', 'v1.m3u8?sid=habc&exp=1&sig=x']);
    expect(out).toContain('URI="v2.m3u8?sid=habc&exp=1&sig=x"');
    expect(out).toContain('CODECS="avc1.f4000d,mp4a.40.2"');
    expect(out).not.toContain('media_');
  });
});

const A = (playlist: string | null, extra: Partial<StitchSession> = {}): StitchSession => ({ id: 'A', playlist, ...extra });
const B = (playlist: string | null, extra: Partial<StitchSession> = {}): StitchSession => ({ id: 'B', playlist, ...extra });

describe('stitchMediaPlaylist', () => {
  it('joins two sessions: monotonic numbers, DISCONTINUITY and a new EXT-X-MAP at the boundary', () => {
    const text = stitchMediaPlaylist([A(ENDED_VIDEO, { ended: true }), B(LIVE_VIDEO)], { endList: false, query: 'sid=h1' });
    const pl = parseMediaPlaylist(text);
    expect(pl.mediaSequence).toBe(1);
    expect(pl.discontinuitySequence).toBe(0);
    expect(pl.endList).toBe(false);
    expect(numbered(text).map((s) => [s.seq, s.dseq, s.uri])).toEqual([
      [1, 0, 's/A/chunk-stream0-00001.m4s?sid=h1'],
      [2, 0, 's/A/chunk-stream0-00002.m4s?sid=h1'],
      [3, 0, 's/A/chunk-stream0-00003.m4s?sid=h1'],
      [4, 1, 's/B/chunk-stream0-00001.m4s?sid=h1'],
      [5, 1, 's/B/chunk-stream0-00002.m4s?sid=h1'],
    ]);
    expect(pl.segments[3]!.discontinuity).toBe(true);
    expect(pl.segments[3]!.map?.uri).toBe('s/B/init-stream0.m4s?sid=h1');
    expect(text).toMatch(/#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI="s\/B\/init-stream0.m4s\?sid=h1"/);
    expect(text).not.toContain('#EXT-X-ENDLIST'); // session A's own ENDLIST is not carried over
    expect(text).not.toContain('#EXT-X-PLAYLIST-TYPE');
  });

  it('appends EXT-X-ENDLIST only when the stream is over', () => {
    expect(stitchMediaPlaylist([A(ENDED_VIDEO), B(LIVE_VIDEO)], { endList: true })).toMatch(/#EXT-X-ENDLIST\n$/);
  });

  it('slides a window and counts the discontinuities that left it', () => {
    const sessions = [A(ENDED_VIDEO), B(LIVE_VIDEO)];
    const w3 = parseMediaPlaylist(stitchMediaPlaylist(sessions, { endList: false, windowSize: 3 }));
    expect([w3.mediaSequence, w3.discontinuitySequence, w3.segments[0]!.map?.uri]).toEqual([3, 0, 's/A/init-stream0.m4s']);
    const w2 = parseMediaPlaylist(stitchMediaPlaylist(sessions, { endList: false, windowSize: 2 }));
    expect([w2.mediaSequence, w2.discontinuitySequence, w2.segments[0]!.discontinuity]).toEqual([4, 0, true]);
    const w1 = stitchMediaPlaylist(sessions, { endList: false, windowSize: 1 });
    expect(numbered(w1)).toEqual([{ seq: 5, dseq: 1, uri: 's/B/chunk-stream0-00002.m4s' }]);
    expect(w1).toContain('#EXT-X-DISCONTINUITY-SEQUENCE:1');
    expect(w1).toContain('#EXT-X-MAP:URI="s/B/init-stream0.m4s"'); // the first segment always has its map
    expect(w1).not.toContain('#EXT-X-DISCONTINUITY\n');
  });

  it('never renumbers a segment while sessions grow, end and reconnect', () => {
    const firstTwo = LIVE_VIDEO;
    const b1 = LIVE_VIDEO.replace(/#EXTINF[^\n]*\n[^\n]*\nchunk-stream0-00002.m4s\n/, '');
    const steps: StitchSession[][] = [
      [A(null)],
      [A(firstTwo)],
      [A(ENDED_VIDEO, { ended: true })],
      [A(ENDED_VIDEO, { ended: true }), B(null)],
      [A(ENDED_VIDEO, { ended: true }), B(b1)],
      [A(ENDED_VIDEO, { ended: true }), B(LIVE_VIDEO)],
      [A(ENDED_VIDEO, { ended: true }), B(ENDED_VIDEO, { ended: true }), { id: 'C', playlist: b1 }],
    ];
    const seen = new Map<string, string>();
    let lastSeq = 0;
    let lastDseq = 0;
    for (const sessions of steps) {
      const text = stitchMediaPlaylist(sessions, { endList: false, windowSize: 3 });
      const pl = parseMediaPlaylist(text);
      expect(pl.mediaSequence).toBeGreaterThanOrEqual(lastSeq);
      expect(pl.discontinuitySequence).toBeGreaterThanOrEqual(lastDseq);
      lastSeq = pl.mediaSequence;
      lastDseq = pl.discontinuitySequence;
      for (const s of numbered(text)) {
        const key = `${s.seq}`;
        expect(seen.get(key) ?? `${s.dseq} ${s.uri}`).toBe(`${s.dseq} ${s.uri}`);
        seen.set(key, `${s.dseq} ${s.uri}`);
      }
    }
    expect(seen.get('7')).toBe('2 s/C/chunk-stream0-00001.m4s');
  });

  it('counts segments a session already dropped from its own sliding playlist', () => {
    // ffmpeg with -window_size 2: the session produced segments 1..6, its playlist lists 5 and 6.
    const slid = fixture('window-media_0.m3u8');
    expect(parseMediaPlaylist(slid).mediaSequence).toBe(5);
    const text = stitchMediaPlaylist([A(ENDED_VIDEO), B(slid)], { endList: false, windowSize: 10 });
    // B's first four segments are gone: the window stops at the gap (numbers are implicit in a playlist),
    // and B's boundary discontinuity left with them: its segments are in discontinuity sequence 1, untagged.
    expect(numbered(text)).toEqual([
      { seq: 8, dseq: 1, uri: 's/B/chunk-stream0-00005.m4s' },
      { seq: 9, dseq: 1, uri: 's/B/chunk-stream0-00006.m4s' },
    ]);
    expect(parseMediaPlaylist(text).segments.some((s) => s.discontinuity)).toBe(false);
  });

  it('honours discontinuityBefore: false and raises the target duration to the longest segment', () => {
    const long = LIVE_VIDEO.replace('#EXTINF:2.000000,', '#EXTINF:4.400000,');
    const pl = buildStitchedPlaylist([A(ENDED_VIDEO), B(long, { discontinuityBefore: false })], { endList: false });
    expect(pl.segments.some((s) => s.discontinuity)).toBe(false);
    expect(pl.targetDuration).toBe(4);
    expect(pl.version).toBe(6);
  });

  it('yields an empty playlist when no session has written one yet', () => {
    const pl = buildStitchedPlaylist([A(null)], { endList: false });
    expect(pl.segments).toEqual([]);
  });
});

describe('streamIndexOfFile', () => {
  it('reads the packager stream index of segment and init names', () => {
    expect(streamIndexOfFile('chunk-stream2-00007.m4s')).toBe(2);
    expect(streamIndexOfFile('init-stream0.m4s')).toBe(0);
    expect(streamIndexOfFile('other.m4s')).toBeNull();
  });
});
