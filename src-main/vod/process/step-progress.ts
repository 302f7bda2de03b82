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
