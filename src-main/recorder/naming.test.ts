import { describe, expect, it } from 'vitest';
import { contentDisposition, downloadFileName, isRecordingId, newRecordingId, recordingFileName, recordingUrls, stamp } from './naming.js';

const AT = Date.UTC(2024, 4, 1, 14, 3, 9);

describe('recording names', () => {
  it('makes random ids the routes accept', () => {
    const ids = new Set(Array.from({ length: 200 }, () => newRecordingId()));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(isRecordingId(id)).toBe(true);
    for (const bad of ['', 'rec_', 'rec_../../etc', 'REC_abcdefabcdef', 'rec_abcdefabcdef0']) expect(isRecordingId(bad)).toBe(false);
  });

  it('names files by stream, UTC time and id, and downloads by stream and time', () => {
    expect(stamp(AT)).toBe('2024-05-01_14-03-09');
    expect(recordingFileName('main', AT, 'rec_abcdefabcdef', 'mp4')).toBe('main_2024-05-01_14-03-09_rec_abcdefabcdef.mp4');
    expect(downloadFileName('main', AT, 'mkv')).toBe('main 2024-05-01 14-03-09.mkv');
  });

  it('writes Content-Disposition with an ASCII fallback and the UTF-8 name', () => {
    expect(contentDisposition('main 2024.mp4')).toBe(`attachment; filename="main 2024.mp4"; filename*=UTF-8''main%202024.mp4`);
    expect(contentDisposition('sé"n.mp4')).toBe(`attachment; filename="s__n.mp4"; filename*=UTF-8''s%C3%A9%22n.mp4`);
  });

  it('builds the URLs of a Recording', () => {
    expect(recordingUrls.file('rec_x')).toBe('/api/v1/recordings/rec_x/file');
    expect(recordingUrls.thumbnail('rec_x')).toBe('/api/v1/recordings/rec_x/thumbnail.jpg');
    expect(recordingUrls.hls('rec_x')).toBe('/vod/rec_x/index.m3u8');
    expect(recordingUrls.dash('rec_x')).toBe('/vod/rec_x/manifest.mpd');
  });
});
