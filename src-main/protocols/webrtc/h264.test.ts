import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FlvSplitter, tagBody } from '../flv/flv.js';
import {
  accessUnitNals, depacketizeH264, NAL_IDR, NAL_PPS, NAL_SPS, nalType, packetizeH264, parseAvcConfig, parseFlvAvc, splitAvcc,
} from './h264.js';

const fixture = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'h264-320x240.flv');

function videoBodies(): Buffer[] {
  const chunks = new FlvSplitter().push(fs.readFileSync(fixture));
  return chunks.filter((c) => c.kind === 'video').map((c) => tagBody(c.data));
}

describe('H.264 from FLV to RTP (ffmpeg-made fixture, High profile)', () => {
  it('reads the decoder configuration record', () => {
    const first = parseFlvAvc(videoBodies()[0]!);
    expect(first?.kind).toBe('config');
    const config = parseAvcConfig(first!.data);
    expect(config.profile).toBe('64');
    expect(config.lengthSize).toBe(4);
    expect(config.sps.map(nalType)).toEqual([NAL_SPS]);
    expect(config.pps.map(nalType)).toEqual([NAL_PPS]);
  });

  it('puts SPS/PPS in front of an IDR that lacks them, and round-trips every frame through RTP payloads', () => {
    const bodies = videoBodies();
    const config = parseAvcConfig(parseFlvAvc(bodies[0]!)!.data);
    const frames = bodies.slice(1).map((b) => parseFlvAvc(b)!).filter((p) => p.kind === 'frame');
    expect(frames.length).toBeGreaterThan(3);
    expect(frames[0]!.keyframe).toBe(true);
    for (const frame of frames) {
      const nals = accessUnitNals(splitAvcc(frame.data, config.lengthSize), config);
      if (frame.keyframe) expect(nals.slice(0, 3).map(nalType)).toEqual([NAL_SPS, NAL_PPS, expect.any(Number)]);
      if (frame.keyframe) expect(nals.some((n) => nalType(n) === NAL_IDR)).toBe(true);
      const payloads = packetizeH264(nals, 500);
      for (const p of payloads) expect(p.length).toBeLessThanOrEqual(500);
      expect(depacketizeH264(payloads).map((n) => n.toString('hex'))).toEqual(nals.map((n) => n.toString('hex')));
    }
  });

  it('aggregates SPS and PPS into one STAP-A and splits a large IDR as FU-A with start and end bits', () => {
    const sps = Buffer.from('6742c01fda', 'hex');
    const pps = Buffer.from('68ce3c80', 'hex');
    const idr = Buffer.concat([Buffer.from([0x65]), Buffer.alloc(2500, 7)]);
    const payloads = packetizeH264([sps, pps, idr], 1200);
    expect(payloads[0]![0]! & 0x1f).toBe(24);
    expect(payloads.slice(1).every((p) => (p[0]! & 0x1f) === 28)).toBe(true);
    expect(payloads[1]![1]! & 0x80).toBe(0x80);
    expect(payloads.at(-1)![1]! & 0x40).toBe(0x40);
    expect(payloads.length).toBe(4);
  });

  it('refuses truncated records and lengths that run past the frame', () => {
    expect(() => parseAvcConfig(Buffer.from([1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, 9, 0x67]))).toThrow(/truncated/);
    expect(() => splitAvcc(Buffer.from([0, 0, 0, 9, 0x65, 1]), 4)).toThrow(/past the frame/);
    expect(parseFlvAvc(Buffer.from([0x22, 1, 0, 0, 0]))).toBeUndefined();
  });
});

describe('FlvToRtp', () => {
  it('turns the fixture into RTP with a 90 kHz clock, markers at frame ends, and caches the GOP from the last keyframe', async () => {
    const { FlvToRtp } = await import('./flv-to-rtp.js');
    const { readRtp } = await import('./rtp.js');
    const bridge = new FlvToRtp(800);
    const chunks = new FlvSplitter().push(fs.readFileSync(fixture));
    const all: Buffer[] = [];
    for (const chunk of chunks) all.push(...bridge.push(chunk));
    expect(bridge.profile).toBe('64');
    expect(bridge.broken).toBe(0);
    const headers = all.map((p) => readRtp(p)!);
    for (let i = 1; i < headers.length; i++) expect(headers[i]!.sequenceNumber).toBe((headers[i - 1]!.sequenceNumber + 1) & 0xffff);
    const frames = headers.filter((h) => h.marker);
    const videoTags = chunks.filter((c) => c.kind === 'video' && tagBody(c.data)[1] === 1).length;
    expect(frames.length).toBe(videoTags);
    // 10 fps: 100 ms apart in presentation order; every timestamp is a multiple of 9000 here (cts included).
    expect(new Set(frames.map((h) => h.timestamp % 9000))).toEqual(new Set([0]));
    const lastKey = chunks.filter((c) => c.kind === 'video' && c.keyframe && !c.sequenceHeader).at(-1)!;
    const firstCached = readRtp(bridge.cachedGop[0]!)!;
    const keyTs = Math.round(lastKey.timestamp * 90);
    expect(firstCached.timestamp).toBeGreaterThanOrEqual(keyTs);
    expect(bridge.cachedGop.at(-1)).toBe(all.at(-1));
  });
});
