import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { frameRate, lastPacketEnd, parseProbe } from './media-info.js';

const read = (name: string): string => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('parseProbe', () => {
  it('reads duration, size, codecs and rates of a finished fragmented MP4 (ffprobe 5.1 output)', () => {
    expect(parseProbe(read('ffprobe-fragmented-mp4.json'))).toEqual({
      durationSec: 12.021354,
      sizeBytes: 3921431,
      video: { codec: 'h264', width: 640, height: 480, fps: 29.947, bitrateKbps: 2536 },
      audio: { codec: 'aac', sampleRate: 48000, channels: 1, bitrateKbps: 69 },
    });
  });

  it('reports no duration for a Matroska file cut off by kill -9 (its header has none)', () => {
    const info = parseProbe(read('ffprobe-killed-mkv.json'));
    expect(info.durationSec).toBe(0);
    expect(info.sizeBytes).toBe(207931);
    expect(info.video).toEqual({ codec: 'h264', width: 320, height: 240, fps: 25, bitrateKbps: 0 });
    expect(info.audio).toMatchObject({ codec: 'aac', sampleRate: 44100, channels: 2 });
  });

  it('falls back to stream durations, skips cover art, and copes with no streams', () => {
    const json = JSON.stringify({
      format: { size: '10' },
      streams: [
        { codec_type: 'video', codec_name: 'mjpeg', width: 600, height: 600, disposition: { attached_pic: 1 } },
        { codec_type: 'audio', codec_name: 'opus', sample_rate: '48000', channels: 2, duration: '3.5' },
      ],
    });
    expect(parseProbe(json)).toEqual({ durationSec: 3.5, sizeBytes: 10, video: null, audio: { codec: 'opus', sampleRate: 48000, channels: 2, bitrateKbps: 0 } });
    expect(parseProbe('{}')).toEqual({ durationSec: 0, sizeBytes: 0, video: null, audio: null });
  });
});

describe('lastPacketEnd', () => {
  it('is the latest pts + duration of the packet list tail', () => {
    expect(lastPacketEnd(read('packets-tail.csv'))).toBe(2.023);
  });

  it('ignores partial and empty lines', () => {
    expect(lastPacketEnd('1.5,0.5\n0.9,\n12.0')).toBe(12);
    expect(lastPacketEnd('')).toBe(0);
    expect(lastPacketEnd('N/A,N/A\n')).toBe(0);
  });
});

describe('frameRate', () => {
  it('reads ffprobe rationals', () => {
    expect(frameRate('30000/1001')).toBe(29.97);
    expect(frameRate('25/1')).toBe(25);
    expect(frameRate('0/0')).toBe(0);
    expect(frameRate('24')).toBe(24);
    expect(frameRate(undefined)).toBe(0);
  });
});
