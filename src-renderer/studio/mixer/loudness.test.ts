import { describe, expect, it } from 'vitest';
import { createMeter, dbToGain, filter, kWeighting, lufs, meanSquare, peakDb, rmsDb, truePeakDb, type LoudnessReading } from './loudness.js';

const sine = (hz: number, amplitude: number, seconds: number, rate = 48_000, phase = 0) =>
  Float32Array.from({ length: Math.round(seconds * rate) }, (_, i) => amplitude * Math.sin((2 * Math.PI * hz * i) / rate + phase));

/** Loudness of whole channels as BS.1770 measures it (after the filters settle). */
function measure(channels: Float32Array[], rate = 48_000): number {
  const k = kWeighting(rate);
  return lufs(channels.map((c) => meanSquare(filter(k.rlb, filter(k.pre, c)), rate)));
}

/** Feeds channels to a streaming meter in 128-frame runs (as an AudioWorklet does); the last reading. */
function stream(channels: Float32Array[], rate = 48_000): LoudnessReading {
  const meter = createMeter(rate);
  let last: LoudnessReading | null = null;
  for (let i = 0; i < channels[0]!.length; i += 128) last = meter.push(channels.map((c) => c.subarray(i, i + 128))) ?? last;
  return last!;
}

describe('loudness (BS.1770-4 / EBU R128)', () => {
  it("has the standard's coefficients at 48 kHz", () => {
    const { pre, rlb } = kWeighting(48_000);
    expect(pre.b.map((v) => v.toFixed(6))).toEqual(['1.535125', '-2.691696', '1.198393']);
    expect(pre.a.map((v) => v.toFixed(6))).toEqual(['1.000000', '-1.690659', '0.732481']);
    expect(rlb.a.map((v) => v.toFixed(6))).toEqual(['1.000000', '-1.990047', '0.990072']);
  });

  it('EBU Tech 3341 cases 1 and 2: a 1 kHz stereo sine at -23 / -33 dBFS reads -23 / -33 LUFS (momentary and short-term)', () => {
    for (const level of [-23, -33]) {
      const s = sine(1000, dbToGain(level), 4);
      expect(Math.abs(measure([s, s]) - level)).toBeLessThan(0.1);
      const r = stream([s, s]);
      expect(Math.abs(r.momentaryLufs - level)).toBeLessThan(0.1);
      expect(Math.abs(r.shortTermLufs - level)).toBeLessThan(0.1);
    }
  });

  it('a 1 kHz sine at -20 dBFS on one channel reads -23 LUFS (half the power of the stereo case)', () => {
    expect(Math.abs(stream([sine(1000, 0.1, 1)]).momentaryLufs + 23)).toBeLessThan(0.1);
  });

  it('is the same at 44.1 kHz', () => {
    const s = sine(1000, dbToGain(-23), 2, 44_100);
    expect(Math.abs(stream([s, s], 44_100).momentaryLufs + 23)).toBeLessThan(0.1);
  });

  it('weights as the K curve does: 100 Hz about 2 dB under, 10 kHz about 3.3 dB over 1 kHz (the shelf is +4 dB, 1 kHz itself +0.7)', () => {
    const at = (hz: number) => measure([sine(hz, 0.1, 2)]) - measure([sine(1000, 0.1, 2)]);
    expect(at(100)).toBeGreaterThan(-2.5);
    expect(at(100)).toBeLessThan(-1);
    expect(at(10_000)).toBeGreaterThan(3);
    expect(at(10_000)).toBeLessThan(3.7);
  });

  it('silence, and anything under -70 LUFS, is minus infinity', () => {
    expect(lufs([0, 0])).toBe(-Infinity);
    expect(lufs([10 ** (-69.5 / 10)])).toBe(-Infinity);
    expect(lufs([10 ** (-69.0 / 10)])).toBeCloseTo(-69.69, 2);
    expect(lufs([10 ** (-70 / 10)])).toBe(-Infinity);
    const r = stream([new Float32Array(48_000), new Float32Array(48_000)]);
    expect([r.momentaryLufs, r.shortTermLufs, r.peakDb, r.truePeakDb, r.rmsDb]).toEqual([-Infinity, -Infinity, -Infinity, -Infinity, -Infinity]);
  });

  it('momentary follows 400 ms, short-term 3 s', () => {
    const loud = sine(1000, dbToGain(-20), 3);
    const joined = new Float32Array(loud.length + 24_000);
    joined.set(loud);
    const r = stream([joined, joined]); // 500 ms of silence after 3 s of sound
    expect(r.momentaryLufs).toBe(-Infinity);
    expect(r.shortTermLufs).toBeGreaterThan(-21.5);
    expect(r.shortTermLufs).toBeLessThan(-20.5);
  });

  it('peak and RMS of known signals', () => {
    const s = sine(1000, 0.5, 1);
    expect(peakDb(s)).toBeCloseTo(-6.02, 1);
    expect(rmsDb(s)).toBeCloseTo(-9.03, 1);
    expect(peakDb(new Float32Array(10))).toBe(-Infinity);
    const square = Float32Array.from({ length: 4800 }, (_, i) => (i % 48 < 24 ? 0.25 : -0.25));
    expect(peakDb(square)).toBeCloseTo(-12.04, 2);
    expect(rmsDb(square)).toBeCloseTo(-12.04, 2);
    const r = stream([s, sine(1000, 0.25, 1)]);
    expect(r.peakDb).toBeCloseTo(-6.02, 1);
    expect(r.rmsDb).toBeCloseTo(-9.03, 1); // the louder channel
  });

  it('finds the peak between samples: a quarter-rate sine sampled 45 degrees off its crests', () => {
    const s = sine(12_000, 0.5, 0.1, 48_000, Math.PI / 4);
    expect(peakDb(s)).toBeCloseTo(-9.03, 1); // every sample at 0.354
    expect(Math.abs(truePeakDb(s) + 6.02)).toBeLessThan(0.3);
    expect(Math.abs(stream([s]).truePeakDb + 6.02)).toBeLessThan(0.3);
    // Near the band's top the estimate still holds within half a dB.
    const high = sine(20_000, 0.5, 0.1, 48_000, 0.3);
    expect(Math.abs(truePeakDb(high) + 6.02)).toBeLessThan(0.5);
    // And it never reads below the sample peak.
    const low = sine(440, 0.8, 0.1);
    expect(truePeakDb(low)).toBeGreaterThanOrEqual(peakDb(low));
  });
});
