import { describe, expect, it } from 'vitest';
import { audioSettingsSchema } from '../../../src-shared/contract/scenes.js';
import { createGate } from './gate.js';
import { dbToGain, rmsDb } from './loudness.js';
import { captureConstraints, clipCurve, compressorMakeupDb, LIMITER, MAX_DELAY_SEC, stripParams } from './plan.js';

const settings = (patch: object = {}) => audioSettingsSchema.parse(patch);

describe('mixer strip parameters', () => {
  it('fader from dB, off when muted or not in the program', () => {
    expect(stripParams(settings({ gainDb: -6 })).fader).toBeCloseTo(0.501, 3);
    expect(stripParams(settings({ gainDb: 24 })).fader).toBeCloseTo(15.85, 2);
    expect(stripParams(settings({ muted: true })).fader).toBe(0);
    expect(stripParams(settings(), false).fader).toBe(0);
  });

  it('monitors only what is heard', () => {
    expect(stripParams(settings({ monitor: true })).monitor).toBe(1);
    expect(stripParams(settings()).monitor).toBe(0);
    expect(stripParams(settings({ monitor: true, muted: true })).monitor).toBe(0);
  });

  it('a disabled compressor passes everything; an enabled one takes its settings in seconds', () => {
    expect(stripParams(settings()).compressor).toMatchObject({ threshold: 0, ratio: 1 });
    expect(stripParams(settings({ compressor: { enabled: true, thresholdDb: -20, ratio: 3, attackMs: 10, releaseMs: 200 } })).compressor).toEqual({ threshold: -20, ratio: 3, attack: 0.01, release: 0.2, knee: 6 });
  });

  it('delay in seconds, bounded by the delay line; EQ gains in dB', () => {
    const p = stripParams(settings({ syncOffsetMs: 120, eq: { lowDb: 3, midDb: -2, highDb: 1 } }));
    expect([p.delaySec, p.eq]).toEqual([0.12, { low: 3, mid: -2, high: 1 }]);
    expect(stripParams(settings({ syncOffsetMs: 2000 })).delaySec).toBe(MAX_DELAY_SEC);
  });

  it('the gate threshold as a linear level, hold in seconds', () => {
    expect(stripParams(settings({ gate: { enabled: true, thresholdDb: -40, holdMs: 250 } })).gate).toEqual({ enabled: true, threshold: 0.01, holdSec: 0.25 });
    expect(stripParams(settings()).gate.enabled).toBe(false);
  });

  it('capture constraints: the browser suppresses noise when asked; no echo cancelling, no automatic gain', () => {
    expect(captureConstraints(settings({ noiseSuppression: true }))).toEqual({ echoCancellation: false, autoGainControl: false, noiseSuppression: true });
    expect(captureConstraints(settings()).noiseSuppression).toBe(false);
  });
});

describe('master limiter', () => {
  it('is -1 dBFS, 20:1, hard knee, 1 ms attack, 50 ms release', () => {
    expect(LIMITER).toMatchObject({ thresholdDb: -1, ratio: 20, knee: 0, attack: 0.001, release: 0.05 });
    expect(LIMITER.ceiling).toBeCloseTo(0.891, 3);
  });

  it("trims the compressor's makeup gain: (1 / gain at 0 dBFS) ^ 0.6", () => {
    // At 0 dBFS in, -1 + 1/20 = -0.95 dB out; 0.6 of that back up is +0.57 dB.
    expect(compressorMakeupDb(-1, 20)).toBeCloseTo(0.57, 3);
    expect(compressorMakeupDb(0, 1)).toBeCloseTo(0, 6);
    expect(20 * Math.log10(LIMITER.trim)).toBeCloseTo(-0.57, 3);
  });

  it('the clip curve is linear under -1 dBFS and flat above', () => {
    const c = clipCurve(LIMITER.ceiling, 101);
    expect(Math.max(...c)).toBeCloseTo(0.891, 3);
    expect(Math.min(...c)).toBeCloseTo(-0.891, 3);
    expect(c[50]).toBeCloseTo(0, 6);
    expect(c[75]).toBeCloseTo(0.5, 6);
  });
});

describe('gate', () => {
  const rate = 48_000;
  const tone = (amplitude: number, seconds: number) => Float32Array.from({ length: seconds * rate }, (_, i) => amplitude * Math.sin((2 * Math.PI * 440 * i) / rate));
  /** Runs the gate in 128-frame runs; the output and whether it was open after each run. */
  function run(input: Float32Array, threshold: number, holdSec: number, enabled = true, gate = createGate(rate)) {
    const out = new Float32Array(input.length);
    const open: boolean[] = [];
    for (let i = 0; i < input.length; i += 128) open.push(gate.process([input.subarray(i, i + 128)], [out.subarray(i, i + 128)], threshold, holdSec, enabled));
    return { out, open };
  }

  it('closes on a quiet signal (after its hold) and stays open on a loud one', () => {
    const threshold = dbToGain(-45);
    const quiet = run(tone(dbToGain(-60), 1), threshold, 0.2);
    expect(rmsDb(quiet.out.subarray(rate / 2))).toBe(-Infinity);
    expect(quiet.open.at(-1)).toBe(false);
    const loud = run(tone(dbToGain(-20), 1), threshold, 0.2);
    expect(rmsDb(loud.out.subarray(rate / 2))).toBeCloseTo(-23.01, 1);
    expect(loud.open.every(Boolean)).toBe(true);
  });

  it('holds open for its hold time after the sound stops, then fades out', () => {
    const input = new Float32Array(rate);
    input.set(tone(0.3, 0.5));
    const { out, open } = run(input, dbToGain(-40), 0.2);
    const blockAt = (sec: number) => open[Math.floor((sec * rate) / 128)];
    expect(blockAt(0.65)).toBe(true); // within 10 ms of level decay + 200 ms of hold
    expect(blockAt(0.8)).toBe(false);
    expect(out.subarray(0.9 * rate).every((v) => v === 0)).toBe(true);
  });

  it('opens from closed within a few milliseconds', () => {
    const gate = createGate(rate);
    run(new Float32Array(rate / 2), 0.01, 0, true, gate);
    const { out } = run(tone(0.5, 0.1), 0.01, 0, true, gate);
    expect(Math.abs(out[480]! - 0.5 * Math.sin((2 * Math.PI * 440 * 480) / rate))).toBeLessThan(0.05); // 10 ms in
  });

  it('disabled, it passes everything unchanged', () => {
    const input = tone(dbToGain(-70), 0.2);
    expect(run(input, 0.5, 0).out.subarray(rate * 0.15).every((v) => v === 0)).toBe(true); // enabled and far under: silence
    expect(run(input, 0.5, 0, false).out).toEqual(input);
  });
});
