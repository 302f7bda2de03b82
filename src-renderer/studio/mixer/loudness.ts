/**
 * ITU-R BS.1770-4 / EBU R128 loudness, pure: the K-weighting filter for any sample rate (the two
 * biquads of the standard, derived as libebur128 does), and loudness from mean squares.
 */

export interface Biquad {
  /** Feed-forward b0, b1, b2. */
  b: [number, number, number];
  /** Feedback 1, a1, a2. */
  a: [number, number, number];
}

/** The high-shelf pre-filter and the RLB high-pass of BS.1770 at `rate` Hz. */
export function kWeighting(rate: number): { pre: Biquad; rlb: Biquad } {
  // Pre-filter: shelf of +4 dB above ~1.5 kHz.
  let f0 = 1681.974450955533;
  const G = 3.999843853973347;
  let Q = 0.7071752369554196;
  let K = Math.tan((Math.PI * f0) / rate);
  const Vh = 10 ** (G / 20);
  const Vb = Vh ** 0.4996667741545416;
  let a0 = 1 + K / Q + K * K;
  const pre: Biquad = {
    b: [(Vh + (Vb * K) / Q + K * K) / a0, (2 * (K * K - Vh)) / a0, (Vh - (Vb * K) / Q + K * K) / a0],
    a: [1, (2 * (K * K - 1)) / a0, (1 - K / Q + K * K) / a0],
  };
  // RLB: second-order high-pass at ~38 Hz.
  f0 = 38.13547087602444;
  Q = 0.5003270373238773;
  K = Math.tan((Math.PI * f0) / rate);
  a0 = 1 + K / Q + K * K;
  const rlb: Biquad = { b: [1, -2, 1], a: [1, (2 * (K * K - 1)) / a0, (1 - K / Q + K * K) / a0] };
  return { pre, rlb };
}

/** Runs a biquad over `x` (direct form I, state starting at zero). */
export function filter(q: Biquad, x: Float32Array | number[]): Float64Array {
  const y = new Float64Array(x.length);
  let x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    const out = q.b[0] * v + q.b[1] * x1 + q.b[2] * x2 - q.a[1] * y1 - q.a[2] * y2;
    x2 = x1;
    x1 = v;
    y2 = y1;
    y1 = out;
    y[i] = out;
  }
  return y;
}

export function meanSquare(x: ArrayLike<number>, from = 0): number {
  let sum = 0;
  for (let i = from; i < x.length; i++) sum += x[i]! * x[i]!;
  return x.length - from > 0 ? sum / (x.length - from) : 0;
}

/** Loudness in LUFS of channels' K-weighted mean squares (left/right/centre weight 1). */
export function lufs(meanSquares: readonly number[]): number {
  const sum = meanSquares.reduce((a, b) => a + b, 0);
  return sum > 0 ? -0.691 + 10 * Math.log10(sum) : -Infinity;
}

export function peakDb(x: ArrayLike<number>): number {
  let peak = 0;
  for (let i = 0; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i]!));
  return peak > 0 ? 20 * Math.log10(peak) : -Infinity;
}

export function rmsDb(x: ArrayLike<number>): number {
  const ms = meanSquare(x);
  return ms > 0 ? 10 * Math.log10(ms) : -Infinity;
}

/** A gain in dB as a factor. */
export const dbToGain = (db: number): number => 10 ** (db / 20);
