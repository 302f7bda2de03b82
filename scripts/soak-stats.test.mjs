// The slopes bench/soak judges and prints (bench/lib/soak-stats.mjs): least squares over samples, and
// the block fit that tells a slope from a collector's sawtooth.
import { describe, expect, it } from 'vitest';
import { blockFit, leastSquares, slopePercentPerHour } from '../bench/lib/soak-stats.mjs';

/** Samples every 10 s for `minutes`, v(t). */
const series = (minutes, v) => Array.from({ length: minutes * 6 }, (_, i) => ({ t: i * 10, v: v(i * 10) }));
/** A collector's sawtooth: climbs `height` over `periodS`, then falls back. */
const saw = (t, periodS, height) => ((t % periodS) / periodS) * height;

describe('leastSquares', () => {
  it('finds the slope per hour and the mean of a line', () => {
    const fit = leastSquares(series(60, (t) => 100 + t / 360));
    expect(fit.slopePerHour).toBeCloseTo(10, 9);
    expect(slopePercentPerHour(fit)).toBeCloseTo((10 / fit.mean) * 100, 9);
  });

  it('has no slope with fewer than two points', () => {
    expect(leastSquares([{ t: 0, v: 3 }]).slopePerHour).toBeNaN();
  });
});

describe('blockFit', () => {
  it('gives the slope of a line exactly, with no error', () => {
    const fit = blockFit(series(60, (t) => 300 + t / 360), 300);
    expect(fit.blocks).toBe(12);
    expect(fit.mean.slopePerHour).toBeCloseTo(10, 6);
    expect(fit.mean.sePerHour).toBeCloseTo(0, 6);
    expect(fit.floor.slopePerHour).toBeCloseTo(10, 6);
  });

  it('sees no slope in a flat sawtooth whose period divides the block, while the samples alone lean', () => {
    // A 100 MiB sawtooth of 150 s on a flat 300 MiB for 20 minutes: the samples' own line leans (each
    // tooth climbs before it falls), the blocks' does not.
    const points = series(20, (t) => 300 + saw(t, 150, 100));
    expect(leastSquares(points).slopePerHour).toBeGreaterThan(30);
    const fit = blockFit(points, 300);
    expect(fit.mean.slopePerHour).toBeCloseTo(0, 6);
    expect(fit.floor.slopePerHour).toBeCloseTo(0, 6);
    expect(fit.floor.mean).toBeCloseTo(300, 6);
  });

  it('finds a leak under a sawtooth from the floors, and its error is small beside it', () => {
    const fit = blockFit(series(120, (t) => 300 + t / 120 + saw(t, 170, 80)), 600);
    expect(fit.floor.slopePerHour).toBeGreaterThan(25);
    expect(fit.floor.slopePerHour).toBeLessThan(35);
    expect(fit.mean.slopePerHour).toBeCloseTo(30, 0);
    expect(fit.mean.sePerHour).toBeLessThan(5);
  });

  it('leaves out a last block shorter than half a block, and gives no slope from fewer than three', () => {
    expect(blockFit(series(16, () => 1), 300).blocks).toBe(3);
    expect(blockFit(series(18, () => 1), 300).blocks).toBe(4);
    const two = blockFit(series(10, (t) => t), 300);
    expect(two.blocks).toBe(2);
    expect(two.mean.slopePerHour).toBeNaN();
    expect(two.floor.sePerHour).toBeNaN();
    expect(blockFit([], 300).blocks).toBe(0);
  });
});
