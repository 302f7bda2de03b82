import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../../test-support/golden.js';
import { masterWithSubtitles, mpdWithSubtitles, subtitlePlaylist } from './subtitles.js';

const fixture = (name: string): string => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const tracks = [
  { id: 'en1', language: 'en', label: 'English' },
  { id: 'pt_2', language: 'pt-BR', label: 'Português "BR" <cc>' },
];

describe('subtitles in the manifests', () => {
  it('adds EXT-X-MEDIA SUBTITLES and SUBTITLES="subs" to every variant of the muxer master', () => {
    expectGolden(masterWithSubtitles(fixture('master.m3u8'), tracks), new URL('./fixtures/master.subs.m3u8', import.meta.url));
  });

  it('adds a text AdaptationSet per track to the MPD', () => {
    expectGolden(mpdWithSubtitles(fixture('manifest.mpd'), tracks), new URL('./fixtures/manifest.subs.mpd', import.meta.url));
  });

  it('is re-applied without piling up, and with no tracks gives back what the muxer wrote', () => {
    const master = fixture('master.m3u8');
    const mpd = fixture('manifest.mpd');
    const once = masterWithSubtitles(master, tracks);
    expect(masterWithSubtitles(once, tracks)).toBe(once);
    expect(masterWithSubtitles(once, [])).toBe(master);
    expect(masterWithSubtitles(once, [tracks[1]!])).toBe(masterWithSubtitles(master, [tracks[1]!]));
    const mpdOnce = mpdWithSubtitles(mpd, tracks);
    expect(mpdWithSubtitles(mpdOnce, tracks)).toBe(mpdOnce);
    expect(mpdWithSubtitles(mpdOnce, [])).toBe(mpd);
  });

  it('refuses an id that is not a file name', () => {
    expect(() => masterWithSubtitles(fixture('master.m3u8'), [{ id: '../x', language: 'en', label: 'x' }])).toThrow(/not a file name/);
  });

  it('writes a one-cue-file VOD playlist per track', () => {
    expect(subtitlePlaylist('en1', 24.5)).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:25\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:24.500,\nsubs/en1.vtt\n#EXT-X-ENDLIST\n',
    );
  });
});
