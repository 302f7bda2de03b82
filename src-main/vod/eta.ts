/**
 * How long jobs of the processing queue will take: the speed of a running job (progress per second,
 * smoothed), the estimate of a waiting one (its media duration times the seconds per media second that
 * past jobs took), and the queue ahead spread over the concurrency slots. Pure: the queue holds the state.
 */

/** The smoothed speed of one running job. */
export interface RateState {
  /** Progress per second (0..1 per s), smoothed; null until two samples apart in time. */
  rate: number | null;
  lastProgress: number;
  lastAt: number;
}

/** Smoothing time constant: a new speed weighs in over about this long. */
export const RATE_TAU_MS = 10_000;

export function startRate(at: number, progress = 0): RateState {
  return { rate: null, lastProgress: progress, lastAt: at };
}

/**
 * One more progress sample. The speed is smoothed exponentially in time (not per sample), so a runner
 * that reports 20 times a second weighs no more than one reporting once. Samples closer than 100 ms
 * to the last one are folded into the next.
 */
export function updateRate(state: RateState, progress: number, at: number, tauMs = RATE_TAU_MS): RateState {
  const dt = at - state.lastAt;
  if (dt < 100) return state;
  const sample = Math.max(0, progress - state.lastProgress) / (dt / 1000);
  const weight = 1 - Math.exp(-dt / tauMs);
  const rate = state.rate === null ? sample : state.rate + weight * (sample - state.rate);
  return { rate, lastProgress: progress, lastAt: at };
}

/**
 * Seconds left of a running job. Early on (little progress measured) the estimate made before it
 * started says more than a speed from a second of ffmpeg warming up.
 */
export function runningEtaSec(o: { progress: number; rate: RateState; startedAt: number; now: number; estimateSec: number | null }): number | null {
  const elapsedSec = Math.max(0, (o.now - o.startedAt) / 1000);
  const fromEstimate = o.estimateSec === null ? null : Math.max(0, o.estimateSec - elapsedSec);
  const rate = o.rate.rate;
  if (rate === null || rate <= 0 || o.progress < 0.02) return fromEstimate === null ? null : round(fromEstimate);
  const fromSpeed = (1 - Math.min(1, o.progress)) / rate;
  // Since the last sample the job went on: count that time as spent.
  const sinceSample = Math.max(0, (o.now - o.rate.lastAt) / 1000);
  return round(Math.max(0, fromSpeed - sinceSample));
}

/** One finished job: how long it ran and how much media it processed. */
export interface SpeedSample {
  wallSec: number;
  mediaSec: number;
}

/** Seconds of work per second of media over the past jobs (total over total: long jobs weigh more); null without any. */
export function secPerMediaSec(samples: readonly SpeedSample[]): number | null {
  let wall = 0;
  let media = 0;
  for (const s of samples) {
    if (!(s.mediaSec > 0) || !(s.wallSec >= 0)) continue;
    wall += s.wallSec;
    media += s.mediaSec;
  }
  return media > 0 ? wall / media : null;
}

/** A waiting job's estimate: its media duration at the measured speed, else at `fallbackRatio`; null without a duration. */
export function estimateSec(durationSec: number | undefined | null, ratio: number | null, fallbackRatio: number): number | null {
  if (durationSec === undefined || durationSec === null || !(durationSec > 0)) return null;
  return round(durationSec * (ratio ?? fallbackRatio));
}

export interface QueueEtaInput {
  running: readonly { id: string; remainingSec: number | null }[];
  /** In the order they will start. */
  waiting: readonly { id: string; estimateSec: number | null }[];
  concurrency: number;
}

/**
 * When each job is done: the waiting ones take, in order, the slot that frees first (a running job's
 * remaining time, or now for a free slot). A job with no estimate leaves its slot's later times unknown.
 */
export function queueEtas(input: QueueEtaInput): Map<string, number | null> {
  const out = new Map<string, number | null>();
  const slots: (number | null)[] = input.running.map((r) => r.remainingSec);
  for (const r of input.running) out.set(r.id, r.remainingSec);
  while (slots.length < Math.max(1, input.concurrency)) slots.push(0);
  for (const w of input.waiting) {
    // The slot that frees first; an unknown one frees at an unknown time.
    let best = -1;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (s === null) continue;
      if (best === -1 || s < slots[best]!) best = i;
    }
    if (best === -1 || w.estimateSec === null) {
      out.set(w.id, null);
      if (best !== -1) slots[best] = null;
      continue;
    }
    const done = slots[best]! + w.estimateSec;
    slots[best] = done;
    out.set(w.id, round(done));
  }
  return out;
}

const round = (sec: number): number => Math.round(sec * 10) / 10;

export interface EtaSample {
  at: number;
  progress: number;
  etaSec: number | null;
}

/**
 * For the bench: at each mark (a progress fraction), the ETA the job showed when it first reached it
 * against the time it really took from there; `error` is signed, relative to that real time.
 */
export function etaErrors(
  samples: readonly EtaSample[],
  finishedAt: number,
  marks: readonly number[] = [0.25, 0.5, 0.75],
): { mark: number; etaSec: number | null; actualSec: number | null; error: number | null }[] {
  return marks.map((mark) => {
    const s = samples.find((x) => x.progress >= mark);
    if (!s) return { mark, etaSec: null, actualSec: null, error: null };
    const actualSec = Math.max(0, (finishedAt - s.at) / 1000);
    const error = s.etaSec === null || actualSec === 0 ? null : (s.etaSec - actualSec) / actualSec;
    return { mark, etaSec: s.etaSec, actualSec, error };
  });
}
