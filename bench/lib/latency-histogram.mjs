// Delivery latencies of many subscribers, kept as counts in fixed buckets instead of one number per
// message (a fanout of 1,000 subscribers makes millions), merged across processes, read as percentiles.
// Buckets: 0.05 ms wide up to 100 ms, then 1 ms wide up to 10 s; the last one takes everything slower.

const FINE_MS = 0.05;
const FINE = 2000;
const COARSE = 9900;
const SIZE = FINE + COARSE + 1;

const bucketOf = (ms) => (ms < FINE * FINE_MS ? Math.max(0, Math.floor(ms / FINE_MS)) : Math.min(SIZE - 1, FINE + Math.floor(ms - FINE * FINE_MS)));
const msOf = (i) => (i < FINE ? (i + 0.5) * FINE_MS : FINE * FINE_MS + (i - FINE) + 0.5);

export class LatencyHistogram {
  counts = new Uint32Array(SIZE);
  total = 0;

  add(ms) {
    this.counts[bucketOf(ms)]++;
    this.total++;
  }

  reset() {
    this.counts.fill(0);
    this.total = 0;
  }

  /** The non-empty buckets as [index, count] pairs: small enough to send over IPC. */
  toJSON() {
    const pairs = [];
    for (let i = 0; i < SIZE; i++) if (this.counts[i] > 0) pairs.push([i, this.counts[i]]);
    return pairs;
  }

  merge(pairs) {
    for (const [i, n] of pairs) {
      this.counts[i] += n;
      this.total += n;
    }
    return this;
  }

  /** The p-th percentile in ms (the middle of its bucket), NaN when empty. */
  percentile(p) {
    const rank = Math.max(1, Math.ceil((p / 100) * this.total));
    if (this.total === 0) return NaN;
    let seen = 0;
    for (let i = 0; i < SIZE; i++) {
      seen += this.counts[i];
      if (seen >= rank) return msOf(i);
    }
    return NaN;
  }
}
