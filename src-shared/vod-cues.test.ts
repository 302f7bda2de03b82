import { describe, expect, it } from 'vitest';
import { cueAt, parseVttCues, parseVttTime, previewTile, VOD_CUE_FUNCTIONS } from './vod-cues.js';

const PREVIEWS = `WEBVTT

NOTE sprite 5x5 tiles of 160x90

00:00:00.000 --> 00:00:02.000
sprite-1.jpg#xywh=0,0,160,90

00:00:02.000 --> 00:00:04.000
sprite-1.jpg#xywh=160,0,160,90

00:04.000 --> 00:06.500
sprite-2.jpg#xywh=0,90,160,90
`;

const CHAPTERS = 'WEBVTT\r\n\r\n1\r\n00:00:00.000 --> 00:00:31.000\r\nIntro\r\n\r\n2\r\n00:00:31.000 --> 00:01:05.250 align:start\r\nThe part\r\nwith two lines\r\n';

describe('VOD cues', () => {
  it('reads WebVTT timestamps with and without hours', () => {
    expect(parseVttTime('00:01:02.500')).toBe(62.5);
    expect(parseVttTime('01:02:03.004')).toBe(3723.004);
    expect(parseVttTime('02:03.5')).toBe(123.5);
    expect(parseVttTime(' 00:00:07,250 ')).toBe(7.25);
    expect(parseVttTime('7 seconds')).toBeNull();
  });

  it('parses cues, skipping notes, with cue ids, settings and CRLF', () => {
    const previews = parseVttCues(PREVIEWS);
    expect(previews).toHaveLength(3);
    expect(previews[2]).toEqual({ start: 4, end: 6.5, text: 'sprite-2.jpg#xywh=0,90,160,90' });
    expect(parseVttCues(CHAPTERS)).toEqual([
      { start: 0, end: 31, text: 'Intro' },
      { start: 31, end: 65.25, text: 'The part\nwith two lines' },
    ]);
    expect(parseVttCues('WEBVTT\n\n00:05.000 --> 00:01.000\nbackwards')).toEqual([]);
  });

  it('finds the cue at a time, the last one up to its very end', () => {
    const cues = parseVttCues(PREVIEWS);
    expect(cueAt(cues, 0)?.text).toContain('xywh=0,0');
    expect(cueAt(cues, 1.999)?.text).toContain('xywh=0,0');
    expect(cueAt(cues, 2)?.text).toContain('xywh=160,0');
    expect(cueAt(cues, 6.5)?.text).toContain('sprite-2');
    expect(cueAt(cues, 7)).toBeNull();
    expect(cueAt(cues, -1)).toBeNull();
    expect(cueAt([], 3)).toBeNull();
  });

  it('turns a preview cue into a tile whose image is resolved against the VTT', () => {
    expect(previewTile('sprite-2.jpg#xywh=0,90,160,90', 'http://h:1/vod/vid_abc/previews.vtt?exp=1&sig=x')).toEqual({
      url: 'http://h:1/vod/vid_abc/sprite-2.jpg',
      x: 0,
      y: 90,
      w: 160,
      h: 90,
    });
    expect(previewTile('sprite-1.jpg', 'http://h/')).toBeNull();
    expect(previewTile('#xywh=0,0,1,1', 'http://h/')).toBeNull();
  });

  it('can be inlined: each function stands alone', () => {
    const source = `${VOD_CUE_FUNCTIONS.map(String).join('\n')}\nreturn cueAt(parseVttCues(text), 3);`;
    const run = new Function('text', source) as (text: string) => { text: string } | null;
    expect(run(PREVIEWS)?.text).toBe('sprite-1.jpg#xywh=160,0,160,90');
  });
});
