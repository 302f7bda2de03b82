import { describe, expect, it } from 'vitest';
import { encoderStats } from './encoder-stats.js';

const report = (t: number, sent: number, bytes: number, extra: Record<string, unknown> = {}) => [
  { id: 'OT1', type: 'outbound-rtp', kind: 'video', timestamp: t, framesSent: sent, framesEncoded: sent, bytesSent: bytes, codecId: 'C1', encoderImplementation: 'OpenH264', powerEfficientEncoder: false, frameWidth: 1280, frameHeight: 720, qualityLimitationReason: 'cpu', nackCount: 2, pliCount: 1, firCount: 0, ...extra },
  { id: 'OA1', type: 'outbound-rtp', kind: 'audio', timestamp: t, bytesSent: bytes / 20 },
  { id: 'S1', type: 'media-source', kind: 'video', timestamp: t, frames: sent + 3 },
  { id: 'C1', type: 'codec', mimeType: 'video/H264' },
  { id: 'P1', type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: 0.004 },
];

describe('the encoder in the status bar', () => {
  it('rates from two reports a second apart', () => {
    const s = encoderStats(report(1000, 30, 100_000), report(2000, 60, 662_500));
    expect(s).toEqual({
      fps: 30, framesSent: 60, framesDropped: 3, encoder: 'OpenH264', hardware: false, codec: 'H264',
      bitrateKbps: 4500, audioBitrateKbps: 225, width: 1280, height: 720, qualityLimitation: 'cpu', rttMs: 4, nacks: 2, keyframeRequests: 1,
    });
  });
  it('prefers the browser\'s own fps, counts frames discarded on send, and says when it does not know', () => {
    const s = encoderStats(null, report(1000, 10, 0, { framesPerSecond: 29, framesDiscardedOnSend: 2, powerEfficientEncoder: undefined, encoderImplementation: undefined }));
    expect([s.fps, s.framesDropped, s.hardware, s.encoder, s.bitrateKbps]).toEqual([29, 5, null, 'unknown', 0]);
  });
  it('an empty report is all zeros', () => {
    expect(encoderStats(null, [])).toMatchObject({ fps: 0, framesSent: 0, framesDropped: 0, codec: 'unknown', rttMs: null });
  });
});
