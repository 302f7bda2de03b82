import { describe, expect, it } from 'vitest';
import { dbToGain, filter, kWeighting, lufs, meanSquare, peakDb, rmsDb } from './loudness.js';

const sine = (hz: number, amplitude: number, seconds: number, rate = 48_000) =>
  Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate));

/** Loudness of channels as BS.1770 measures it (after the filters settle). */
function measure(channels: Float32Array[], rate = 48_000): number {
  const k = kWeighting(rate);
  return lufs(channels.map((c) => meanSquare(filter(k.rlb, Array.from(filter(k.pre, c))), rate)));
}

describe('loudness (BS.1770 / EBU R128)', () => {
  it('has the standard\'s coefficients at 48 kHz', () => {
    const { pre, rlb } = kWeighting(48_000);
    expect(pre.b.map((v) => v.toFixed(6))).toEqual(['1.535125', '-2.691696', '1.198393']);
    expect(pre.a.map((v) => v.toFixed(6))).toEqual(['1.000000', '-1.690659', '0.732481']);
    expect(rlb.a.map((v) => v.toFixed(6))).toEqual(['1.000000', '-1.990047', '0.990072']);
  });
  it('EBU Tech 3341 case 1: a 1 kHz stereo sine at -23 dBFS reads -23 LUFS', () => {
    const s = sine(1000, dbToGain(-23), 2);
    expect(measure([s, s])).toBeCloseTo(-23, 1);
  });
  it('a 1 kHz sine at -20 dBFS in one channel reads -23 LUFS (one channel, -3 dB of RMS)', () => {
    expect(measure([sine(1000, 0.1, 2)])).toBeCloseTo(-23.0, 0);
  });
  it('is the same at 44.1 kHz', () => {
    const s = sine(1000, dbToGain(-23), 2, 44_100);
    expect(measure([s, s], 44_100)).toBeCloseTo(-23, 1);
  });
  it('silence is minus infinity', () => expect(lufs([0, 0])).toBe(-Infinity));
  it('peak and RMS of a sine', () => {
    const s = sine(1000, 0.5, 1);
    expect(peakDb(s)).toBeCloseTo(-6.02, 1);
    expect(rmsDb(s)).toBeCloseTo(-9.03, 1);
    expect(peakDb(new Float32Array(10))).toBe(-Infinity);
  });
});
