import { describe, expect, it } from 'vitest';
import { mirrorPath, planEviction, type MirrorFile } from './mirror.js';

const f = (file: string, size: number, mtimeMs: number): MirrorFile => ({ file, size, mtimeMs });

describe('planEviction', () => {
  it('deletes nothing while the mirror fits its budget', () => {
    expect(planEviction([f('/m/a', 400, 1), f('/m/b', 600, 2)], 1000)).toEqual([]);
    expect(planEviction([], 0)).toEqual([]);
  });

  it('deletes the oldest files first until what is left is at most 90 % of the budget', () => {
    const files = [f('/m/new', 300, 30), f('/m/old', 300, 10), f('/m/mid', 300, 20), f('/m/newest', 300, 40)];
    // 1200 bytes, budget 1000: down to 900 -> the oldest one goes.
    expect(planEviction(files, 1000).map((x) => x.file)).toEqual(['/m/old']);
    // Budget 700: down to 630 -> two go (600 left), oldest first.
    expect(planEviction(files, 700).map((x) => x.file)).toEqual(['/m/old', '/m/mid']);
    // Down to half of 1000: three go.
    expect(planEviction(files, 1000, 0.5).map((x) => x.file)).toEqual(['/m/old', '/m/mid', '/m/new']);
  });

  it('orders files of the same age by path (a stable plan) and can empty the mirror', () => {
    const files = [f('/m/b', 10, 5), f('/m/a', 10, 5), f('/m/c', 10, 5)];
    expect(planEviction(files, 25).map((x) => x.file)).toEqual(['/m/a']);
    expect(planEviction(files, 0).map((x) => x.file)).toEqual(['/m/a', '/m/b', '/m/c']);
  });

  it('deletes a single file larger than the whole budget', () => {
    expect(planEviction([f('/m/huge', 5000, 1), f('/m/small', 10, 2)], 1000).map((x) => x.file)).toEqual(['/m/huge']);
  });
});

describe('mirrorPath', () => {
  it('maps a URI into its variant folder and refuses URIs that would leave it', () => {
    expect(mirrorPath('/c/mirror', 's', '/live/demo/s/a/x.m4s')).toBe('/c/mirror/s/live/demo/s/a/x.m4s');
    expect(mirrorPath('/c/mirror', 'p', '/live/../../etc/passwd')).toBeNull();
    expect(mirrorPath('/c/mirror', 'p', '/../s/live/x')).toBeNull();
    expect(mirrorPath('/c/mirror', 'p', '/')).toBeNull();
  });
});
