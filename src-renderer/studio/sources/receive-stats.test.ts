import { describe, expect, it } from 'vitest';
import { receiveStats } from './receive-stats.js';

const report = (t: number, video: [bytes: number, packets: number, lost: number], audio: [number, number, number], rtt?: number, size?: [number, number]) => [
  { type: 'inbound-rtp', kind: 'video', timestamp: t, bytesReceived: video[0], packetsReceived: video[1], packetsLost: video[2], ...(size ? { frameWidth: size[0], frameHeight: size[1] } : {}) },
  { type: 'inbound-rtp', kind: 'audio', timestamp: t, bytesReceived: audio[0], packetsReceived: audio[1], packetsLost: audio[2] },
  ...(rtt === undefined ? [] : [{ type: 'candidate-pair', nominated: true, state: 'succeeded', currentRoundTripTime: rtt }]),
];

describe('a pulled source\'s network', () => {
  it('bitrate and loss over the interval, the round trip of the pair in use, the picture size received', () => {
    const first = report(1000, [100_000, 100, 0], [10_000, 50, 0]);
    const second = report(2000, [350_000, 290, 8], [22_000, 100, 2], 0.0123, [320, 180]);
    expect(receiveStats(first, second)).toEqual({ rttMs: 12, lossPercent: 4, bitrateKbps: 2096, width: 320, height: 180 });
  });

  it('nothing measured yet: no bitrate, no loss, no round trip', () => {
    expect(receiveStats(null, report(1000, [5000, 10, 0], [0, 0, 0]))).toEqual({ rttMs: null, lossPercent: 0, bitrateKbps: 0, width: 0, height: 0 });
    expect(receiveStats(null, [])).toEqual({ rttMs: null, lossPercent: 0, bitrateKbps: 0, width: 0, height: 0 });
  });
});
