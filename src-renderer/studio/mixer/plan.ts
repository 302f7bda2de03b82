import type { AudioSettings } from '../../../src-shared/contract/scenes.js';
import { dbToGain } from './loudness.js';

/** The Web Audio parameters of one strip (pure). */
export interface StripParams {
  /** Fader: gain x mute x heard-in-program. */
  fader: number;
  monitor: number;
  delaySec: number;
  eq: { low: number; mid: number; high: number };
  compressor: { threshold: number; ratio: number; attack: number; release: number; knee: number };
  gate: { enabled: boolean; threshold: number; holdMs: number };
}

export const EQ_BANDS = { lowHz: 200, midHz: 1000, midQ: 1, highHz: 5000 } as const;

export function stripParams(s: AudioSettings, audible: boolean): StripParams {
  const on = !s.muted && audible;
  return {
    fader: on ? dbToGain(s.gainDb) : 0,
    // Monitoring follows the fader (what you hear is what goes out), never above it.
    monitor: s.monitor && on ? 1 : 0,
    delaySec: s.syncOffsetMs / 1000,
    eq: { low: s.eq.lowDb, mid: s.eq.midDb, high: s.eq.highDb },
    // A disabled compressor is a ratio of 1 (it passes everything unchanged).
    compressor: s.compressor.enabled
      ? { threshold: s.compressor.thresholdDb, ratio: s.compressor.ratio, attack: s.compressor.attackMs / 1000, release: s.compressor.releaseMs / 1000, knee: 6 }
      : { threshold: 0, ratio: 1, attack: 0.003, release: 0.25, knee: 0 },
    gate: { enabled: s.gate.enabled, threshold: dbToGain(s.gate.thresholdDb), holdMs: s.gate.holdMs },
  };
}

/**
 * The master limiter at -1 dBTP: a fast compressor (20:1, no knee, 1 ms attack) holds the level, and a
 * hard clip at -1 dBFS after it catches what its 6 ms look-ahead lets through, so no sample leaves
 * above -1 dBFS (inter-sample peaks after the encoder may add a few tenths).
 */
export const LIMITER = { thresholdDb: -1, ratio: 20, knee: 0, attack: 0.001, release: 0.05, ceiling: dbToGain(-1) } as const;

/** The clip curve of the WaveShaper: linear up to the ceiling, flat beyond. */
export function clipCurve(ceiling: number, points = 4097): Float32Array<ArrayBuffer> {
  const curve = new Float32Array(points);
  for (let i = 0; i < points; i++) {
    const x = (i / (points - 1)) * 2 - 1;
    curve[i] = Math.max(-ceiling, Math.min(ceiling, x));
  }
  return curve;
}

/** The gate's state after a block at `level` (linear RMS): open above the threshold; closes after `holdMs` below it. */
export function gateStep(state: { open: boolean; quietSince: number | null }, level: number, now: number, gate: StripParams['gate']): { open: boolean; quietSince: number | null } {
  if (!gate.enabled || level >= gate.threshold) return { open: true, quietSince: null };
  const quietSince = state.quietSince ?? now;
  return { open: now - quietSince < gate.holdMs, quietSince };
}
