/**
 * ITU-R BS.1770-4 / EBU R128 loudness, pure (no DOM): the K-weighting filter for any sample rate, mean
 * squares per 100 ms block, momentary (400 ms) and short-term (3 s) loudness, sample peak, RMS and a
 * 4x-oversampled true-peak estimate.
 *
 * Everything lives inside `loudnessKit`, which uses nothing from outside its own body: the meter's
 * AudioWorklet is built from `loudnessKit.toString()` (worklets.ts), so the page and the worklet run
 * the very same code, whatever names a minifier gives it. Keep it that way: no imports, no module
 * constants, no classes or object spread (a bundler may lower those into helpers outside the function).
 */

export interface Biquad {
  /** Feed-forward b0, b1, b2. */
  b: [number, number, number];
  /** Feedback 1, a1, a2. */
  a: [number, number, number];
}

/** One meter reading: levels over the last 400 ms, loudness over 400 ms and 3 s. */
export interface LoudnessReading {
  /** Highest sample over the last 400 ms, dBFS. */
  peakDb: number;
  /** Highest inter-sample peak over the last 400 ms (4x oversampled), dBTP. */
  truePeakDb: number;
  /** RMS of the louder channel over the last 400 ms, dBFS (a full-scale sine reads -3.01). */
  rmsDb: number;
  /** BS.1770 momentary loudness (400 ms), LUFS. */
  momentaryLufs: number;
  /** EBU R128 short-term loudness (3 s), LUFS. */
  shortTermLufs: number;
}

export interface StreamingMeter {
  /** Takes one run of samples per channel (any length); returns a reading at each completed 100 ms block, else null. */
  push(channels: readonly Float32Array[]): LoudnessReading | null;
}

export function loudnessKit() {
  const dbToGain = (db: number): number => 10 ** (db / 20);
  const toDb = (power: number): number => (power > 0 ? 10 * Math.log10(power) : -Infinity);

  /** The high-shelf pre-filter and the RLB high-pass of BS.1770 at `rate` Hz (the analogue prototypes as libebur128 derives them). */
  function kWeighting(rate: number): { pre: Biquad; rlb: Biquad } {
    // Pre-filter: a shelf of about +4 dB above about 1.5 kHz (the head's acoustic effect).
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
    // RLB: a second-order high-pass at about 38 Hz.
    f0 = 38.13547087602444;
    Q = 0.5003270373238773;
    K = Math.tan((Math.PI * f0) / rate);
    a0 = 1 + K / Q + K * K;
    const rlb: Biquad = { b: [1, -2, 1], a: [1, (2 * (K * K - 1)) / a0, (1 - K / Q + K * K) / a0] };
    return { pre, rlb };
  }

  /** Runs a biquad over `x` (direct form I, state starting at zero). */
  function filter(q: Biquad, x: ArrayLike<number>): Float64Array {
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

  function meanSquare(x: ArrayLike<number>, from = 0): number {
    let sum = 0;
    for (let i = from; i < x.length; i++) sum += x[i]! * x[i]!;
    return x.length - from > 0 ? sum / (x.length - from) : 0;
  }

  /**
   * Loudness in LUFS of the channels' K-weighted mean squares (left, right and centre weigh 1). Under
   * -70 LUFS (R128's absolute gate: silence, a filter's decaying tail) it is -Infinity.
   */
  function lufs(meanSquares: readonly number[]): number {
    let sum = 0;
    for (const ms of meanSquares) sum += ms;
    const l = sum > 0 ? -0.691 + 10 * Math.log10(sum) : -Infinity;
    return l < -70 ? -Infinity : l;
  }

  function peakDb(x: ArrayLike<number>): number {
    let peak = 0;
    for (let i = 0; i < x.length; i++) peak = Math.max(peak, Math.abs(x[i]!));
    return toDb(peak * peak);
  }

  function rmsDb(x: ArrayLike<number>): number {
    return toDb(meanSquare(x));
  }

  /**
   * The 4x interpolator of the true-peak estimate: for each of the three in-between phases, 12 taps of
   * a Hann-windowed sinc (the shape of BS.1770-4 Annex 2's 48-tap, 4-phase FIR, not its exact
   * coefficients), each phase normalised to unity gain at DC. Good to a few tenths of a dB up to
   * 0.45 of the sample rate; a linear interpolation would never find a peak above the samples.
   */
  function truePeakTaps(): Float64Array[] {
    const phases: Float64Array[] = [];
    for (let p = 1; p < 4; p++) {
      const taps = new Float64Array(12);
      let sum = 0;
      for (let i = 0; i < 12; i++) {
        const t = i - 5 - p / 4; // distance of tap x[m + i - 5] from the point m + p/4
        const sinc = Math.sin(Math.PI * t) / (Math.PI * t);
        taps[i] = sinc * 0.5 * (1 + Math.cos((Math.PI * t) / 6));
        sum += taps[i]!;
      }
      for (let i = 0; i < 12; i++) taps[i]! /= sum;
      phases.push(taps);
    }
    return phases;
  }

  /** Highest absolute value of `x` and its 4x interpolation, in dBTP. */
  function truePeakDb(x: ArrayLike<number>): number {
    const taps = truePeakTaps();
    let peak = 0;
    for (let m = 0; m < x.length; m++) {
      peak = Math.max(peak, Math.abs(x[m]!));
      for (const h of taps) {
        let v = 0;
        for (let i = 0; i < 12; i++) {
          const k = m + i - 5;
          if (k >= 0 && k < x.length) v += h[i]! * x[k]!;
        }
        peak = Math.max(peak, Math.abs(v));
      }
    }
    return toDb(peak * peak);
  }

  /**
   * A meter fed in runs of any length (an AudioWorklet's 128 frames): K-weighted and plain squares are
   * summed per 100 ms block, and each completed block yields a reading over the last 4 blocks
   * (momentary, peaks, RMS) and the last 30 (short-term). Until a window has filled, it covers the
   * blocks there are (a new strip reads at once rather than 400 ms low).
   */
  function createMeter(rate: number): StreamingMeter {
    const k = kWeighting(rate);
    const blockLen = Math.max(1, Math.round(rate / 10));
    const taps = truePeakTaps();
    let channels = 0;
    let filterState = new Float64Array(0); // per channel: pre x1 x2 y1 y2, rlb x1 x2 y1 y2
    let history = new Float64Array(0); // per channel: the last 12 samples, for the true peak
    let write = 0;
    let filled = 0;
    let weighted = 0; // K-weighted squares of this block, all channels
    let squares = new Float64Array(0); // plain squares of this block, per channel
    let peak = 0;
    let truePeak = 0;
    const blocks: { weighted: number; squares: Float64Array; peak: number; truePeak: number }[] = [];

    function reset(n: number): void {
      channels = n;
      filterState = new Float64Array(8 * n);
      history = new Float64Array(12 * n);
      squares = new Float64Array(n);
      write = filled = weighted = peak = truePeak = 0;
      blocks.length = 0;
    }

    function reading(): LoudnessReading {
      let peakM = 0, truePeakM = 0, weightedM = 0, weightedS = 0;
      const recent = blocks.slice(-4);
      const rms = new Float64Array(channels);
      for (const b of recent) {
        peakM = Math.max(peakM, b.peak);
        truePeakM = Math.max(truePeakM, b.truePeak);
        weightedM += b.weighted;
        for (let c = 0; c < channels; c++) rms[c]! += b.squares[c]!;
      }
      for (const b of blocks) weightedS += b.weighted;
      let loudest = 0;
      for (let c = 0; c < channels; c++) loudest = Math.max(loudest, rms[c]! / (recent.length * blockLen));
      return {
        peakDb: toDb(peakM * peakM),
        truePeakDb: toDb(truePeakM * truePeakM),
        rmsDb: toDb(loudest),
        momentaryLufs: lufs([weightedM / (recent.length * blockLen)]),
        shortTermLufs: lufs([weightedS / (blocks.length * blockLen)]),
      };
    }

    function push(input: readonly Float32Array[]): LoudnessReading | null {
      if (input.length !== channels) reset(input.length);
      const length = input.length > 0 ? input[0]!.length : 0;
      let out: LoudnessReading | null = null;
      for (let i = 0; i < length; i++) {
        for (let c = 0; c < channels; c++) {
          const x = input[c]![i]!;
          const s = filterState;
          const o = 8 * c;
          const y = k.pre.b[0] * x + k.pre.b[1] * s[o]! + k.pre.b[2] * s[o + 1]! - k.pre.a[1] * s[o + 2]! - k.pre.a[2] * s[o + 3]!;
          s[o + 1] = s[o]!;
          s[o] = x;
          s[o + 3] = s[o + 2]!;
          s[o + 2] = y;
          const z = y - 2 * s[o + 4]! + s[o + 5]! - k.rlb.a[1] * s[o + 6]! - k.rlb.a[2] * s[o + 7]!;
          s[o + 5] = s[o + 4]!;
          s[o + 4] = y;
          s[o + 7] = s[o + 6]!;
          s[o + 6] = z;
          weighted += z * z;
          squares[c]! += x * x;
          const a = Math.abs(x);
          if (a > peak) peak = a;
          if (a > truePeak) truePeak = a;
          // The ring holds x[n-11..n]; the in-between points lie between x[n-6] and x[n-5].
          const h = 12 * c;
          history[h + write] = x;
          for (const t of taps) {
            let v = 0;
            for (let j = 0; j < 12; j++) v += t[j]! * history[h + ((write + 1 + j) % 12)]!;
            if (Math.abs(v) > truePeak) truePeak = Math.abs(v);
          }
        }
        write = (write + 1) % 12;
        if (++filled === blockLen) {
          blocks.push({ weighted, squares, peak, truePeak });
          if (blocks.length > 30) blocks.shift();
          out = reading();
          filled = weighted = peak = truePeak = 0;
          squares = new Float64Array(channels);
        }
      }
      return out;
    }

    return { push };
  }

  return { dbToGain, kWeighting, filter, meanSquare, lufs, peakDb, rmsDb, truePeakDb, createMeter };
}

const kit = loudnessKit();
/** A gain in dB as a factor. */
export const dbToGain = kit.dbToGain;
export const kWeighting = kit.kWeighting;
export const filter = kit.filter;
export const meanSquare = kit.meanSquare;
export const lufs = kit.lufs;
export const peakDb = kit.peakDb;
export const rmsDb = kit.rmsDb;
export const truePeakDb = kit.truePeakDb;
export const createMeter = kit.createMeter;
