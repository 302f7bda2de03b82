/**
 * One 0..1 progress over weighted steps (probe, encode, thumbnails...): each step reports its own
 * 0..1 and the total moves monotonically. Pure.
 */
export class StepProgress {
  private readonly steps: { name: string; start: number; weight: number }[] = [];
  private last = 0;

  constructor(weights: ReadonlyArray<readonly [string, number]>) {
    const total = weights.reduce((sum, [, w]) => sum + Math.max(0, w), 0);
    if (!(total > 0)) throw new Error('steps need a positive weight');
    let start = 0;
    for (const [name, w] of weights) {
      const weight = Math.max(0, w) / total;
      this.steps.push({ name, start, weight });
      start += weight;
    }
  }

  /** Overall progress with `step` at `fraction`; never backwards, below 1 until finish(). */
  at(step: string, fraction: number): number {
    const s = this.steps.find((x) => x.name === step);
    if (!s) throw new Error(`unknown step ${step}`);
    const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
    this.last = Math.max(this.last, Math.min(0.999, Math.round((s.start + s.weight * f) * 1000) / 1000));
    return this.last;
  }
}

/**
 * Encoder seconds per second of 720p media, by preset (x264 veryfast measured by bench/vod on 2 cores;
 * medium about 2.5 times that, x265 medium about 6). Only the ratios between steps matter.
 */
const ENCODE_SEC_PER_720P_SEC = { fast: 0.18, balanced: 0.45, high: 1.1 } as const;
/** One keyframe seek and JPEG (the poster and each thumbnail): a fixed cost whatever the length. */
const FRAME_SEC = 0.11;

/**
 * Each step's weight in the seconds it is expected to take, so that progress moves with time: the
 * poster and thumbnails are 11 seeks of fixed cost, which weigh little in a long video's encode and a
 * lot in a short one's (bench/vod's ETA part found the bar lagging there). Pure.
 */
export function stepWeights(o: {
  preset: keyof typeof ENCODE_SEC_PER_720P_SEC;
  renditions: readonly { width: number; height: number }[];
  durationSec: number;
  twoPass: boolean;
  loudness: boolean;
}): [string, number][] {
  const d = Math.max(1, o.durationSec);
  const pixels = o.renditions.reduce((sum, r) => sum + (r.width * r.height) / (1280 * 720), 0);
  const encode = d * Math.max(0.1, pixels) * ENCODE_SEC_PER_720P_SEC[o.preset];
  return [
    ['probe', 0.07],
    ['loudness', o.loudness ? 0.1 + d * 0.012 : 0],
    // x264's first pass runs with fast settings: about a third of the second.
    ['pass1', o.twoPass ? encode * 0.35 : 0],
    ['encode', encode],
    ['mp4', 0.05 + d * 0.002],
    ['thumbnails', 11 * FRAME_SEC],
    ['previews', 0.1 + d * 0.013],
    ['finish', 0.05],
  ];
}
