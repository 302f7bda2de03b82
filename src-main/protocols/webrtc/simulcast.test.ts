import { describe, expect, it } from 'vitest';
import { keyframeSize, LAYER_SILENT_MS, LayerSwitch, SimulcastLayers, spsSize, startsKeyframe } from './simulcast.js';

// SPS NAL units written by x264 (ffmpeg -c:v libx264 -profile:v ...): sizes that need cropping and not.
const SPS = {
  high1080: Buffer.from('67640028acd940780227e5c044000003000400000300f03c60c658', 'hex'),
  baseline360: Buffer.from('6742c01ed900a02ff970110000030001000003003c0f162e48', 'hex'),
  main720: Buffer.from('674d401feca02802dd8088000003000800000301e078c18cb0', 'hex'),
};
const PPS = Buffer.from('68ebe3cb22c0', 'hex');

const stapA = (...nals: Buffer[]): Buffer => Buffer.concat([Buffer.from([24]), ...nals.flatMap((n) => [Buffer.from([n.length >> 8, n.length & 0xff]), n])]);
const fuA = (type: number, start: boolean): Buffer => Buffer.from([0x7c, (start ? 0x80 : 0) | type, 1, 2, 3]);
/** A VP8 payload: descriptor (S=1, PID 0; with a 15-bit picture id when `pictureId`), then a frame tag. */
const vp8 = (key: boolean, size?: [number, number], pictureId = false): Buffer => {
  const descriptor = pictureId ? [0x90, 0x80, 0x80, 0x01] : [0x10];
  const tag = [key ? 0x50 : 0x51, 0x2a, 0x00];
  const header = size ? [0x9d, 0x01, 0x2a, size[0] & 0xff, size[0] >> 8, size[1] & 0xff, size[1] >> 8] : [];
  return Buffer.from([...descriptor, ...tag, ...header, 0, 0]);
};

describe('simulcast: keyframes and picture sizes from RTP payloads', () => {
  it('reads the cropped picture size of an H.264 SPS (high, main and baseline profiles)', () => {
    expect(spsSize(SPS.high1080)).toEqual({ width: 1920, height: 1080 });
    expect(spsSize(SPS.baseline360)).toEqual({ width: 640, height: 360 });
    expect(spsSize(SPS.main720)).toEqual({ width: 1280, height: 720 });
    // Cut short or garbage: no size, no throw.
    expect(spsSize(SPS.high1080.subarray(0, 6))).toBeUndefined();
    expect(spsSize(Buffer.from([0x67]))).toBeUndefined();
  });

  it('an H.264 keyframe starts at its SPS or IDR (STAP-A, single NAL unit, first FU-A fragment)', () => {
    expect(startsKeyframe('h264', stapA(SPS.main720, PPS))).toBe(true);
    expect(keyframeSize('h264', stapA(SPS.main720, PPS))).toEqual({ width: 1280, height: 720 });
    expect(startsKeyframe('h264', SPS.baseline360)).toBe(true);
    expect(keyframeSize('h264', SPS.baseline360)).toEqual({ width: 640, height: 360 });
    expect(startsKeyframe('h264', fuA(5, true))).toBe(true);
    expect(keyframeSize('h264', fuA(5, true))).toBeUndefined();
    expect(startsKeyframe('h264', fuA(5, false))).toBe(false);
    expect(startsKeyframe('h264', fuA(1, true))).toBe(false);
    expect(startsKeyframe('h264', Buffer.from([0x41, 0x9a, 0x00]))).toBe(false);
    expect(startsKeyframe('h264', stapA(PPS))).toBe(false);
    expect(startsKeyframe('h264', Buffer.alloc(0))).toBe(false);
  });

  it('a VP8 keyframe is the start of partition 0 with the key frame flag; its header says the size', () => {
    expect(startsKeyframe('vp8', vp8(true, [640, 360]))).toBe(true);
    expect(keyframeSize('vp8', vp8(true, [640, 360]))).toEqual({ width: 640, height: 360 });
    expect(keyframeSize('vp8', vp8(true, [1280, 720], true))).toEqual({ width: 1280, height: 720 });
    expect(startsKeyframe('vp8', vp8(false))).toBe(false);
    expect(keyframeSize('vp8', vp8(false))).toBeUndefined();
    // Not the start of a partition (S=0): a keyframe's later packet.
    expect(startsKeyframe('vp8', Buffer.from([0x00, 0x50, 0x2a, 0x00]))).toBe(false);
  });
});

describe('simulcast: layers and a viewer switching between them', () => {
  const sizes = { f: { width: 1280, height: 720 }, h: { width: 640, height: 360 }, q: { width: 320, height: 180 } };
  const running = (now: number, rids: ('f' | 'h' | 'q')[] = ['f', 'h', 'q']): SimulcastLayers => {
    const layers = new SimulcastLayers(['f', 'h', 'q']);
    for (const rid of rids) layers.heard(rid, 100 + rid.charCodeAt(0), 1000, now, sizes[rid]);
    return layers;
  };

  it('the first encoding is the default; a sent one is given as asked', () => {
    const layers = running(1000);
    expect(layers.preferred).toBe('f');
    expect(layers.target(undefined, 1000)).toBe('f');
    expect(layers.target('q', 1000)).toBe('q');
    expect(layers.target('nope', 1000)).toBe('f');
    expect(layers.ssrcOf('h')).toBe(100 + 'h'.charCodeAt(0));
  });

  it('a paused encoding is replaced by the sent one nearest in height (the smaller on a tie) until it comes back', () => {
    const layers = running(1000);
    // Only q and h go on: f stopped (the browser's bandwidth estimate fell).
    for (let t = 1100; t <= 1000 + LAYER_SILENT_MS + 500; t += 100) {
      layers.heard('h', 1, 500, t);
      layers.heard('q', 2, 200, t);
    }
    const now = 1000 + LAYER_SILENT_MS + 500;
    expect(layers.isActive('f', now)).toBe(false);
    expect(layers.target('f', now)).toBe('h');
    expect(layers.target(undefined, now)).toBe('h');
    expect(layers.target('q', now)).toBe('q');
    layers.heard('f', 3, 1000, now + 10);
    expect(layers.target('f', now + 10)).toBe('f');
    // Nothing sent at all: what was asked.
    expect(layers.target('h', now + 10_000)).toBe('h');
  });

  it('before any size is known, a paused default falls back to the first encoding sent', () => {
    const layers = new SimulcastLayers(['f', 'h', 'q']);
    layers.heard('q', 1, 100, 0);
    expect(layers.target(undefined, 0)).toBe('q');
  });

  it('describes each encoding: sent or not, size, bitrate over about a second', () => {
    const layers = new SimulcastLayers(['f', 'q']);
    layers.heard('q', 7, 1000, 0, { width: 320, height: 180 });
    for (let t = 100; t <= 1000; t += 100) layers.heard('q', 7, 1000, t);
    expect(layers.info(1000)).toEqual([
      { encodingId: 'f', active: false, width: 0, height: 0, bitrate: 0 },
      { encodingId: 'q', active: true, width: 320, height: 180, bitrate: 88_000 },
    ]);
    expect(layers.info(1000 + LAYER_SILENT_MS + 1)[1]).toMatchObject({ active: false, bitrate: 0, width: 320 });
  });

  it('a viewer gets nothing until a keyframe of its layer, then switches only at a keyframe of the new one', () => {
    const viewer = new LayerSwitch();
    expect(viewer.waitsFor('f')).toBe(true);
    expect(viewer.accept('f', false, 'f')).toBe(false);
    expect(viewer.accept('q', true, 'f')).toBe(false);
    expect(viewer.accept('f', true, 'f')).toBe(true);
    expect(viewer.accept('f', false, 'f')).toBe(true);
    expect(viewer.waitsFor('f')).toBe(false);
    // Asked for q: f goes on until q's keyframe; from then on only q.
    expect(viewer.accept('q', false, 'q')).toBe(false);
    expect(viewer.accept('f', false, 'q')).toBe(true);
    expect(viewer.waitsFor('q')).toBe(true);
    expect(viewer.accept('q', true, 'q')).toBe(true);
    expect(viewer.accept('f', true, 'q')).toBe(false);
    expect(viewer.accept('q', false, 'q')).toBe(true);
    expect(viewer.current).toBe('q');
  });
});
