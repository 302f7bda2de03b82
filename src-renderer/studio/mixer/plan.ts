import type { AudioSettings } from '../../../src-shared/contract/scenes.js';
import { dbToGain } from './loudness.js';

/** The Web Audio parameters of one strip (pure). */
export interface StripParams {
  /** Fader: gain x mute x heard in the program. */
  fader: number;
  /** Gain of the strip's copy to this computer's speakers (0 or 1, after the fader). */
  monitor: number;
  delaySec: number;
  /** Gains in dB of the low shelf, the mid peak and the high shelf (EQ_BANDS). */
  eq: { low: number; mid: number; high: number };
  /** DynamicsCompressorNode values (seconds for attack and release). */
  compressor: { threshold: number; ratio: number; attack: number; release: number; knee: number };
  /** The gate worklet's parameters: threshold as a linear RMS level, hold in seconds. */
  gate: { enabled: boolean; threshold: number; holdSec: number };
}

export const EQ_BANDS = { lowHz: 200, midHz: 1000, midQ: 1, highHz: 5000 } as const;

/** The longest lip-sync delay (the contract's syncOffsetMs maximum): the DelayNode's size. */
export const MAX_DELAY_SEC = 2;

export function stripParams(s: AudioSettings, audible = true): StripParams {
  const on = !s.muted && audible;
  return {
    fader: on ? dbToGain(s.gainDb) : 0,
    // Monitoring follows the fader (what you hear is what goes out), never above it.
    monitor: s.monitor && on ? 1 : 0,
    delaySec: Math.min(MAX_DELAY_SEC, Math.max(0, s.syncOffsetMs / 1000)),
    eq: { low: s.eq.lowDb, mid: s.eq.midDb, high: s.eq.highDb },
    // A disabled compressor is a ratio of 1 at 0 dB: it passes everything unchanged (and its makeup gain is 1).
    compressor: s.compressor.enabled
      ? { threshold: s.compressor.thresholdDb, ratio: s.compressor.ratio, attack: s.compressor.attackMs / 1000, release: s.compressor.releaseMs / 1000, knee: 6 }
      : { threshold: 0, ratio: 1, attack: 0.003, release: 0.25, knee: 0 },
    gate: { enabled: s.gate.enabled, threshold: dbToGain(s.gate.thresholdDb), holdSec: s.gate.holdMs / 1000 },
  };
}

/**
 * The audio constraints of a microphone or a camera's sound. Noise suppression is the browser's own
 * (WebRTC's suppressor, at capture); echo cancellation and automatic gain stay off, since they would
 * fight the mixer's own gain, gate and compressor. An RNNoise build in wasm would be the next step, in
 * an AudioWorklet in the strip's noise slot: no maintained npm package ships one that loads offline.
 */
export function captureConstraints(settings: Pick<AudioSettings, 'noiseSuppression'>): MediaTrackConstraints {
  return { echoCancellation: false, autoGainControl: false, noiseSuppression: settings.noiseSuppression };
}

/**
 * DynamicsCompressorNode adds its own makeup gain, (1 / gain at 0 dBFS) ^ 0.6 (Web Audio spec,
 * "makeup gain"), so a quiet signal comes out louder than it went in: the limiter trims it back.
 */
export function compressorMakeupDb(thresholdDb: number, ratio: number): number {
  const fullRangeDb = thresholdDb < 0 ? thresholdDb + (0 - thresholdDb) / ratio : 0;
  return -0.6 * fullRangeDb;
}

/**
 * The program's limiter at -1 dBTP. A DynamicsCompressorNode (20:1, no knee, 1 ms attack, 50 ms
 * release, with its own 6 ms look-ahead) holds the level, its makeup gain is trimmed off, and a hard
 * clip at -1 dBFS catches what its attack lets through, so no sample leaves above -1 dBFS. Chosen over
 * a look-ahead limiter in an AudioWorklet because the program's sound must never depend on a module
 * that loads late or is refused (a page's script policy, a context that is not secure): these nodes are
 * native and there at once. Inter-sample peaks after the encoder may add a few tenths of a dB.
 */
export const LIMITER = {
  thresholdDb: -1,
  ratio: 20,
  knee: 0,
  attack: 0.001,
  release: 0.05,
  trim: dbToGain(-compressorMakeupDb(-1, 20)),
  ceiling: dbToGain(-1),
} as const;

/** The clip curve of the WaveShaper: linear up to the ceiling, flat beyond (inputs past +-1 take the ends). */
export function clipCurve(ceiling: number, points = 4097): Float32Array<ArrayBuffer> {
  const curve = new Float32Array(points);
  for (let i = 0; i < points; i++) {
    const x = (i / (points - 1)) * 2 - 1;
    curve[i] = Math.max(-ceiling, Math.min(ceiling, x));
  }
  return curve;
}
