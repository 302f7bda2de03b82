import { describe, expect, it } from 'vitest';
import { vodPlaylistOnTimeline, vodSpan } from './vod-timeline.js';

// What ffmpeg's dash muxer writes for a VOD (`-hls_playlist 1`): its own wall clock as the dates.
const FFMPEG = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:1
#EXT-X-PLAYLIST-TYPE:VOD
#EXT-X-MAP:URI="init-g1-stream0.m4s"
#EXTINF:4.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-23T22:06:35.000+0000
chunk-g1-stream0-00001.m4s
#EXTINF:3.966667,
#EXT-X-PROGRAM-DATE-TIME:2026-11-23T22:06:39.000+0000
chunk-g1-stream0-00002.m4s
#EXTINF:1.500000,
#EXT-X-PROGRAM-DATE-TIME:2026-11-23T22:06:43.000+0000
chunk-g1-stream0-00003.m4s
#EXT-X-ENDLIST
`;

describe('a recording VOD on the program timeline', () => {
  it('dates each segment from the start PDT and the durations before it, and lists the date ranges', () => {
    const start = Date.UTC(2026, 0, 1, 12, 0, 0, 250);
    const range = '#EXT-X-DATERANGE:ID="score-1",CLASS="com.streams-studio.data",START-DATE="2026-01-01T12:00:05.000Z"';
    expect(vodPlaylistOnTimeline(FFMPEG, start, [range])).toBe(`#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:4
#EXT-X-MEDIA-SEQUENCE:1
#EXT-X-DISCONTINUITY-SEQUENCE:0
#EXT-X-PLAYLIST-TYPE:VOD
${range}
#EXT-X-MAP:URI="init-g1-stream0.m4s"
#EXTINF:4.000000,
#EXT-X-PROGRAM-DATE-TIME:2026-01-01T12:00:00.250Z
chunk-g1-stream0-00001.m4s
#EXTINF:3.966667,
#EXT-X-PROGRAM-DATE-TIME:2026-01-01T12:00:04.250Z
chunk-g1-stream0-00002.m4s
#EXTINF:1.500000,
#EXT-X-PROGRAM-DATE-TIME:2026-01-01T12:00:08.217Z
chunk-g1-stream0-00003.m4s
#EXT-X-ENDLIST
`);
    expect(vodSpan(FFMPEG, start)).toEqual({ fromPdt: start, toPdt: start + 9466.667 });
  });
});
