// Pure helpers of bench/soak: the least-squares slope of a series, tallies of errors by kind, a seeded
// random source (a run can be replayed with SOAK_SEED), and the Prometheus text figures the bench reads.

/** Mulberry32: a small seeded generator, so that the chaos of a run can be replayed. */
export function seededRandom(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    /** A number in [min, max). */
    between: (min, max) => min + next() * (max - min),
    pick: (list) => list[Math.floor(next() * list.length)],
  };
}

/**
 * Least squares over `points` ([{ t: seconds, v }]): { slopePerHour (v units per hour), mean, at(t),
 * n }; slope NaN with fewer than 2 points or no spread in t.
 */
export function leastSquares(points) {
  const n = points.length;
  if (n < 2) return { slopePerHour: NaN, mean: n ? points[0].v : NaN, at: () => NaN, n };
  const mt = points.reduce((a, p) => a + p.t, 0) / n;
  const mv = points.reduce((a, p) => a + p.v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.t - mt) * (p.v - mv);
    sxx += (p.t - mt) ** 2;
  }
  const slope = sxx > 0 ? sxy / sxx : NaN;
  return { slopePerHour: slope * 3600, mean: mv, at: (t) => mv + slope * (t - mt), n };
}

/**
 * The slope of a sawtooth (a collector's RSS, sockets of viewers that come and go) told from its noise:
 * `points` cut into blocks of `blockS` seconds from the first point (a last block under half as long
 * is left out), each block summed up as its mean and its minimum (the floor a collection falls back
 * to), a least-squares line through each against the blocks' middles. Neighbouring samples of a
 * sawtooth are not independent, whole blocks nearly are: the standard error of the slope over the
 * blocks says how far the slope can be trusted (a leak of 1 %/h hides in the noise of a short run).
 * Returns { blocks, mean: { slopePerHour, sePerHour, mean }, floor: { same } }; NaN figures with fewer
 * than 3 blocks.
 */
export function blockFit(points, blockS) {
  const blocks = [];
  if (points.length > 0) {
    const t0 = points[0].t;
    const last = points.at(-1).t;
    for (let start = t0; start <= last; start += blockS) {
      const inside = points.filter((p) => p.t >= start && p.t < start + blockS);
      const span = Math.min(last, start + blockS) - start;
      if (inside.length === 0 || span < blockS / 2) continue;
      blocks.push({ t: start + blockS / 2, mean: inside.reduce((a, p) => a + p.v, 0) / inside.length, floor: Math.min(...inside.map((p) => p.v)) });
    }
  }
  const fitOf = (key) => {
    const pts = blocks.map((b) => ({ t: b.t, v: b[key] }));
    const fit = leastSquares(pts);
    if (pts.length < 3) return { slopePerHour: NaN, sePerHour: NaN, mean: fit.mean };
    const mt = pts.reduce((a, p) => a + p.t, 0) / pts.length;
    const sxx = pts.reduce((a, p) => a + (p.t - mt) ** 2, 0);
    const ssr = pts.reduce((a, p) => a + (p.v - fit.at(p.t)) ** 2, 0);
    return { slopePerHour: fit.slopePerHour, sePerHour: (Math.sqrt(ssr / (pts.length - 2)) / Math.sqrt(sxx)) * 3600, mean: fit.mean };
  };
  return { blocks: blocks.length, mean: fitOf('mean'), floor: fitOf('floor') };
}

/** The slope as a share of the mean, in % per hour. */
export const slopePercentPerHour = (fit) => (fit.mean !== 0 ? (fit.slopePerHour / fit.mean) * 100 : NaN);

/** Counts by kind: add(kind, n), merge(other tally's object), entries sorted by count, the total. */
export class Tally {
  constructor(init = {}) {
    this.counts = { ...init };
  }

  add(kind, n = 1) {
    this.counts[kind] = (this.counts[kind] ?? 0) + n;
  }

  merge(counts) {
    for (const [k, n] of Object.entries(counts ?? {})) this.add(k, n);
  }

  get total() {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  sorted() {
    return Object.entries(this.counts).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }

  /** "kind 3, other 1" (the `top` largest, then "+N more"). */
  text(top = 4) {
    const s = this.sorted();
    if (s.length === 0) return '-';
    const shown = s.slice(0, top).map(([k, n]) => `${k} ${n}`).join(', ');
    return s.length > top ? `${shown}, +${s.length - top} more kinds` : shown;
  }
}

/** The value of a Prometheus text metric (the first sample, labels ignored), NaN when absent. */
export function metricValue(text, name) {
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([-0-9.e+]+|NaN)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

/** Session ids named by the URIs of a playlist (`s/<session>/<file>`), in the order they appear. */
export function sessionIdsOf(playlist) {
  const ids = [];
  for (const m of playlist.matchAll(/(?:^|["/])s\/([A-Za-z0-9_-]+)\//gm)) if (!ids.includes(m[1])) ids.push(m[1]);
  return ids;
}

export const MiB = 1024 * 1024;

/**
 * Sleeps that a run's end cuts short: `sleep(ms)` resolves after `ms`, or at once when `end()` has
 * been called (the chaos and the clients stop waiting and wind down).
 */
export function cutShortSleeps() {
  let ended = false;
  const wakers = new Set();
  return {
    sleep: (ms) =>
      new Promise((resolve) => {
        if (ended) return resolve();
        const wake = () => {
          clearTimeout(timer);
          wakers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        wakers.add(wake);
      }),
    end() {
      ended = true;
      for (const wake of [...wakers]) wake();
    },
  };
}
