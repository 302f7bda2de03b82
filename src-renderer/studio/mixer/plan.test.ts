import { describe, expect, it } from 'vitest';
import { audioSettingsSchema } from '../../../src-shared/contract/scenes.js';
import { clipCurve, gateStep, LIMITER, stripParams } from './plan.js';

const settings = (patch: object = {}) => audioSettingsSchema.parse(patch);

describe('mixer strip parameters', () => {
  it('fader from dB, off when muted or not in the program', () => {
    expect(stripParams(settings({ gainDb: -6 }), true).fader).toBeCloseTo(0.501, 3);
    expect(stripParams(settings({ muted: true }), true).fader).toBe(0);
    expect(stripParams(settings(), false).fader).toBe(0);
  });
  it('monitors only what is heard', () => {
    expect(stripParams(settings({ monitor: true }), true).monitor).toBe(1);
    expect(stripParams(settings({ monitor: true, muted: true }), true).monitor).toBe(0);
  });
  it('a disabled compressor passes everything; an enabled one takes its settings', () => {
    expect(stripParams(settings(), true).compressor.ratio).toBe(1);
    expect(stripParams(settings({ compressor: { enabled: true, thresholdDb: -20, ratio: 3, attackMs: 10, releaseMs: 200 } }), true).compressor).toEqual({ threshold: -20, ratio: 3, attack: 0.01, release: 0.2, knee: 6 });
  });
  it('delay and EQ', () => {
    const p = stripParams(settings({ syncOffsetMs: 120, eq: { lowDb: 3, midDb: -2, highDb: 1 } }), true);
    expect([p.delaySec, p.eq]).toEqual([0.12, { low: 3, mid: -2, high: 1 }]);
  });
  it('the clip curve never passes -1 dBFS', () => {
    const c = clipCurve(LIMITER.ceiling, 101);
    expect(Math.max(...c)).toBeCloseTo(0.891, 3);
    expect(c[50]).toBeCloseTo(0, 6);
    expect(c[75]).toBeCloseTo(0.5, 6);
  });
  it('the gate closes after its hold below the threshold, and opens at once', () => {
    const gate = { enabled: true, threshold: 0.01, holdMs: 200 };
    let s = { open: true, quietSince: null as number | null };
    s = gateStep(s, 0.001, 1000, gate);
    expect(s.open).toBe(true);
    s = gateStep(s, 0.001, 1250, gate);
    expect(s.open).toBe(false);
    expect(gateStep(s, 0.5, 1300, gate)).toEqual({ open: true, quietSince: null });
    expect(gateStep(s, 0.001, 2000, { ...gate, enabled: false }).open).toBe(true);
  });
});
