// The adaptive-bitrate rule of the viewer simulator, after hls.js (src/controller/abr-controller.ts,
// src/utils/ewma-bandwidth-estimator.ts): pure, no clock of its own (fixtures in abr.test.ts).
//  - Throughput: two exponentially weighted averages of per-download samples (bits per second), fast
//    (half-life 3 s of media) and slow (9 s); the estimate is the lower one, the default 500 kbps until
//    enough bytes were sampled.
//  - Level choice: the highest variant (within the viewer's size cap) whose bandwidth fits the estimate
//    times 0.95 to stay or go down, 0.7 to go up (abrBandWidthFactor / abrBandWidthUpFactor), and whose
//    next segment would arrive before the buffer runs out (buffer-based: with a nearly empty buffer,
//    only a level that downloads in well under its duration).

const DEFAULT_ESTIMATE = 500_000;
const MIN_BYTES = 16_000;

class Ewma {
  constructor(halfLife) {
    this.alpha = Math.exp(Math.log(0.5) / halfLife);
    this.estimate = 0;
    this.totalWeight = 0;
  }
  sample(weight, value) {
    const adjAlpha = this.alpha ** weight;
    this.estimate = value * (1 - adjAlpha) + adjAlpha * this.estimate;
    this.totalWeight += weight;
  }
  get value() {
    const zeroFactor = 1 - this.alpha ** this.totalWeight;
    return zeroFactor ? this.estimate / zeroFactor : this.estimate;
  }
}

export class BandwidthEstimator {
  constructor() {
    this.fast = new Ewma(3);
    this.slow = new Ewma(9);
    this.bytes = 0;
  }
  /** One download: `ms` from request to last byte, `bytes` received, `mediaSec` of media it carried. */
  sample(ms, bytes, mediaSec) {
    const seconds = Math.max(ms, 1) / 1000;
    const bps = (8 * bytes) / seconds;
    const weight = Math.max(mediaSec, 0.05);
    this.fast.sample(weight, bps);
    this.slow.sample(weight, bps);
    this.bytes += bytes;
  }
  get estimate() {
    return this.bytes >= MIN_BYTES ? Math.min(this.fast.value, this.slow.value) : DEFAULT_ESTIMATE;
  }
}

/**
 * The index (into `variants`, highest bandwidth first) to load next. `current`: index playing now
 * (-1 at start); `maxHeight`: the viewer's picture cap (hls.js capLevelToPlayerSize); `bufferSec`:
 * media buffered ahead; `segmentSec`: duration of what is fetched next.
 */
export function chooseLevel(variants, { current, estimate, bufferSec, segmentSec, maxHeight = Infinity }) {
  for (let i = 0; i < variants.length; i++) {
    const v = variants[i];
    if (v.height > maxHeight && i < variants.length - 1) continue;
    const factor = current >= 0 && i < current ? 0.7 : 0.95;
    if (v.bandwidth > factor * estimate) continue;
    // Buffer-based: the fetch must end before the buffer does (or within one duration at start).
    const fetchSec = (v.bandwidth * segmentSec) / Math.max(estimate, 1);
    if (fetchSec > Math.max(bufferSec, segmentSec)) continue;
    return i;
  }
  // Nothing fits: the lowest level (hls.js does the same).
  return variants.length - 1;
}
