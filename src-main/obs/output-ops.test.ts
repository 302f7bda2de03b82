import { describe, expect, it } from 'vitest';
import { statsSample } from './output-ops.js';

const stats = { activeFps: 29.97, cpuUsage: 12.345, memoryUsage: 370.4, renderSkippedFrames: 1, renderTotalFrames: 900, outputSkippedFrames: 2, outputTotalFrames: 880 };

describe('OBS stats samples', () => {
  it('derives the stream bitrate from the byte counter between two samples', () => {
    const s = statsSample('c1', 2000, stats, { outputActive: true, outputBytes: 1_250_000, outputSkippedFrames: 3, outputTotalFrames: 60, outputCongestion: 0.1 }, { at: 1000, bytes: 1_000_000 });
    expect(s).toEqual({
      connectionId: 'c1',
      at: 2000,
      fps: 29.97,
      cpuPercent: 12.35,
      memoryMb: 370,
      renderSkippedFrames: 1,
      renderTotalFrames: 900,
      outputSkippedFrames: 2,
      outputTotalFrames: 880,
      streamDroppedFrames: 3,
      streamTotalFrames: 60,
      streamBitrateKbps: 2000,
      streamCongestion: 0.1,
    });
  });

  it('reports 0 kb/s for the first sample, an inactive stream, or a counter that went back (new stream)', () => {
    expect(statsSample('c', 2000, stats, { outputActive: true, outputBytes: 5000 }, undefined).streamBitrateKbps).toBe(0);
    expect(statsSample('c', 2000, stats, { outputActive: false, outputBytes: 5000 }, { at: 1000, bytes: 0 }).streamBitrateKbps).toBe(0);
    expect(statsSample('c', 2000, stats, { outputActive: true, outputBytes: 10 }, { at: 1000, bytes: 5000 }).streamBitrateKbps).toBe(0);
  });

  it('treats missing fields as zero', () => {
    const s = statsSample('c', 1, {}, {}, undefined);
    expect(s.fps).toBe(0);
    expect(s.streamTotalFrames).toBe(0);
  });
});
