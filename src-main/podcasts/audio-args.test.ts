import { describe, expect, it } from 'vitest';
import { artworkArgs, episodeAudioArgs, ffmetadata, metadataValue } from './audio-args.js';

const tags = { title: 'Ep 1; a = b', artist: 'Ada', album: 'The Show', date: '2026-11-27', comment: 'line one\nline #2', track: 3, genre: 'Podcast' };

describe('episode audio arguments', () => {
  it('escapes ffmetadata values', () => {
    expect(metadataValue('a=b;c#d\\e\nf\r')).toBe('a\\=b\\;c\\#d\\\\e\\\nf');
  });

  it('writes tags and chapters that end where the next starts and the last at the end', () => {
    const text = ffmetadata(tags, [{ startSec: 60, title: 'Main' }, { startSec: 0, title: 'Intro' }, { startSec: 200, title: 'Past the end' }], 120.5);
    expect(text).toBe(
      [
        ';FFMETADATA1',
        'title=Ep 1\\; a \\= b',
        'artist=Ada',
        'album_artist=Ada',
        'album=The Show',
        'date=2026-11-27',
        'genre=Podcast',
        'track=3',
        'comment=line one\\\nline \\#2',
        '[CHAPTER]',
        'TIMEBASE=1/1000',
        'START=0',
        'END=60000',
        'title=Intro',
        '[CHAPTER]',
        'TIMEBASE=1/1000',
        'START=60000',
        'END=120500',
        'title=Main',
        '',
      ].join('\n'),
    );
  });

  it('writes no chapter for a lone chapter at 0 (the whole episode)', () => {
    expect(ffmetadata({ ...tags, track: null }, [{ startSec: 0, title: 'Chapter 1' }], 30)).not.toContain('[CHAPTER]');
  });

  it('makes both renditions in one ffmpeg, the artwork as the MP3 front cover only', () => {
    const args = episodeAudioArgs({ input: 'in.mp4', metadata: 'meta.txt', artwork: 'art.jpg', audioFilter: 'loudnorm=I=-16', channels: 6, m4a: 'e.m4a', mp3: 'e.mp3' });
    const mp3 = args.slice(0, args.indexOf('e.mp3') + 1);
    const m4a = args.slice(args.indexOf('e.mp3') + 1);
    expect(mp3).toEqual(expect.arrayContaining(['-map', '1:v:0', 'libmp3lame', 'attached_pic', '-id3v2_version', '4', '-write_id3v1', '0']));
    expect(mp3.join(' ')).toContain('-map_metadata 2 -map_chapters 2');
    expect(m4a).not.toContain('1:v:0');
    expect(m4a.join(' ')).toContain('-af loudnorm=I=-16 -ac 2 -c:a aac');
    expect(m4a.slice(-3)).toEqual(['-f', 'ipod', 'e.m4a']);
  });

  it('keeps mono mono and leaves the level alone without a measurement', () => {
    const args = episodeAudioArgs({ input: 'in.wav', metadata: 'm', artwork: null, audioFilter: null, channels: 1, m4a: 'a', mp3: 'b' });
    expect(args).not.toContain('-af');
    expect(args.join(' ')).toContain('-map_metadata 1 -map_chapters 1');
    expect(args.filter((a, i) => args[i - 1] === '-ac')).toEqual(['1', '1']);
  });

  it('crops artwork to a centred square', () => {
    expect(artworkArgs('in.png', 'out.jpg').join(' ')).toContain('scale=1400:1400:force_original_aspect_ratio=increase,crop=1400:1400');
  });
});
