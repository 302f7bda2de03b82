import { describe, expect, it } from 'vitest';
import type { StreamStats } from '../../../src-shared/contract/index.js';
import { ffmpegCommand, formatDvrMinutes, formatKbps, formatMeasuredLatency, formatMs } from './format.js';
import { levelLabel } from './player/engine.js';
import { selectedFromHash } from './route.js';
import { appendStreamSample, EMPTY_STREAM_SERIES } from './stream-series.js';

function sample(atSec: number, bitrateInKbps: number): StreamStats {
  return {
    name: 'show',
    at: atSec * 1000,
    uptimeSec: atSec,
    bitrateInKbps,
    bitrateOutKbps: 2 * bitrateInKbps,
    viewers: 3,
    droppedChunks: 0,
    packager: { speed: 1, fps: 30, restarts: 0, encodedOn: null },
  };
}

describe('streams model', () => {
  it('keeps a sliding window of stats and ignores replays', () => {
    let series = EMPTY_STREAM_SERIES;
    for (let t = 0; t <= 10; t++) series = appendStreamSample(series, sample(t, 1000 + t), 5);
    expect(series.t).toEqual([5, 6, 7, 8, 9, 10]);
    expect(series.bitrateOut.at(-1)).toBe(2020);
    expect(appendStreamSample(series, sample(10, 1))).toBe(series);
  });

  it('reads the selected stream from the hash', () => {
    expect(selectedFromHash('#/streams/show-1')).toBe('show-1');
    expect(selectedFromHash('#/streams')).toBeNull();
    expect(selectedFromHash('#/settings/x')).toBeNull();
  });

  it('writes bitrates, durations and level labels', () => {
    expect(formatKbps(850)).toBe('850 kb/s');
    expect(formatKbps(2500)).toBe('2.5 Mb/s');
    expect(formatKbps(12_345)).toBe('12 Mb/s');
    expect(formatMs(640)).toBe('640 ms');
    expect(formatMs(1500)).toBe('1.50 s');
    expect(levelLabel(720, 2800)).toBe('720p · 2800 kb/s');
    expect(levelLabel(1080, 0, 'source')).toBe('source');
  });

  it('writes DVR windows and the latency players measured, per protocol', () => {
    expect(formatDvrMinutes(0)).toBe('off');
    expect(formatDvrMinutes(45)).toBe('45 min');
    expect(formatDvrMinutes(60)).toBe('1 h');
    expect(formatDvrMinutes(90)).toBe('1 h 30 min');
    expect(formatMeasuredLatency({ webrtc: 48, dash: 1630, hls: 1420 })).toBe('HLS 1.4 s · DASH 1.6 s · WebRTC 0.05 s');
    expect(formatMeasuredLatency({ rtsp: 700, hls: 2000 })).toBe('HLS 2.0 s · rtsp 0.7 s');
    expect(formatMeasuredLatency({})).toBeNull();
    expect(formatMeasuredLatency(undefined)).toBeNull();
  });

  it('builds an ffmpeg line with 2-second keyframes', () => {
    const cmd = ffmpegCommand('rtmp://127.0.0.1:1935/live/KEY');
    expect(cmd).toContain('"rtmp://127.0.0.1:1935/live/KEY"');
    expect(cmd).toContain('n_forced*2');
  });
});
