import { describe, expect, it } from 'vitest';
import type { Recording } from '../../../src-shared/contract/index.js';
import { absoluteUrl, activeRecording, describeTracks, formatClock, recordedSeconds, sortRecordings } from './format.js';

function recording(id: string, over: Partial<Recording> = {}): Recording {
  return {
    id,
    stream: 'show',
    file: `${id}.mp4`,
    container: 'mp4',
    state: 'complete',
    startedAt: 1_000_000,
    endedAt: 1_060_000,
    durationSec: 60,
    sizeBytes: 1024,
    video: null,
    audio: null,
    error: null,
    fileUrl: `/recordings/${id}/file`,
    thumbnailUrl: null,
    vod: { state: 'none', progress: 0, ladder: null, hls: null, dash: null, error: null },
    ...over,
  };
}

describe('recordings model', () => {
  it('writes the REC clock as mm:ss, with hours once past one', () => {
    expect(formatClock(0)).toBe('00:00');
    expect(formatClock(65.9)).toBe('01:05');
    expect(formatClock(3725)).toBe('1:02:05');
    expect(formatClock(-3)).toBe('00:00');
  });

  it('counts a recording being written from its start, a finished one as measured', () => {
    expect(recordedSeconds(recording('a', { state: 'recording', startedAt: 10_000, durationSec: 2 }), 25_000)).toBe(15);
    expect(recordedSeconds(recording('a', { durationSec: 42 }), 99_999_999)).toBe(42);
  });

  it('describes codecs and resolution', () => {
    const r = recording('a', {
      video: { codec: 'h264', width: 1920, height: 1080 },
      audio: { codec: 'aac', sampleRate: 48000, channels: 2 },
    });
    expect(describeTracks(r)).toBe('h264 · 1920×1080 · aac 48 kHz stereo');
    expect(describeTracks(recording('b'))).toBe('—');
    expect(describeTracks(recording('c', { audio: { codec: 'aac', sampleRate: 44100, channels: 1 } }))).toBe('aac 44.1 kHz mono');
  });

  it('hands out whole VOD URLs', () => {
    expect(absoluteUrl('/vod/r1/index.m3u8', 'http://studio.local:7373/#/recordings')).toBe('http://studio.local:7373/vod/r1/index.m3u8');
    expect(absoluteUrl('https://cdn.example/v.m3u8', 'http://studio.local/')).toBe('https://cdn.example/v.m3u8');
    expect(absoluteUrl('/vod/r1/index.m3u8', 'file:///app/index.html')).toBe('/vod/r1/index.m3u8');
  });

  it('lists newest first, optionally of one stream', () => {
    const all = {
      old: recording('old', { startedAt: 1 }),
      new: recording('new', { startedAt: 3 }),
      other: recording('other', { startedAt: 2, stream: 'other' }),
    };
    expect(sortRecordings(all).map((r) => r.id)).toEqual(['new', 'other', 'old']);
    expect(sortRecordings(all, 'show').map((r) => r.id)).toEqual(['new', 'old']);
  });

  it("finds a stream's recording in progress by its id, or by the events before the id arrives", () => {
    const live = recording('live', { state: 'recording' });
    const all = { done: recording('done'), live };
    expect(activeRecording(all, 'show', 'done')?.id).toBe('done');
    expect(activeRecording(all, 'show', null)).toBe(live);
    expect(activeRecording(all, 'other', null)).toBeNull();
  });
});
