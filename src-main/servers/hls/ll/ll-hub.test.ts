import { describe, expect, it } from 'vitest';
import { LL_VIDEO_INPUT as VIDEO, llVideoFrames as frames } from '../../../../test-support/ll-fixtures.js';
import { silentLogger } from '../../../core/logger.js';
import { LlHub } from './ll-hub.js';
import type { LlFiles } from './ll-stream.js';

/** Files whose writes land only when the test lets them: what a loaded disk does to a run's last parts. */
function heldFiles(): LlFiles & { held: (() => void)[]; landed: string[] } {
  const held: (() => void)[] = [];
  const landed: string[] = [];
  return {
    held,
    landed,
    write: (dir, file) => new Promise<void>((resolve) => held.push(() => (landed.push(`${dir}/${file}`), resolve()))),
    remove: async () => undefined,
  };
}

describe('LlHub', () => {
  it('forgets a deleted stream only once its last writes have landed, so that its folder can go', async () => {
    const files = heldFiles();
    const hub = new LlHub({ logger: silentLogger(), partTargetSec: () => 0.2, segmentSeconds: () => 2, minWindowSegments: () => 2, maxDiskBytes: () => 1e12, files });
    hub.sink({ name: 'show', continuing: false, dvrMinutes: 0, tracks: [VIDEO] }).openRun('/d/r1');
    const run = hub.get('show')!.startRun('r2', '/d/r2', [VIDEO]);
    run.init(0, { trackId: 1, timescale: 90_000, codec: 'avc1.42c01e' }, Buffer.from('init'));
    run.samples(0, frames(0, 130));
    expect(files.held.length).toBeGreaterThan(1);
    let forgotten = false;
    const forgetting = hub.forget('show').then(() => (forgotten = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(forgotten).toBe(false);
    expect(hub.get('show')).toBeUndefined();
    // Each write let through: only then is it forgotten.
    while (files.held.length > 0) {
      expect(forgotten).toBe(false);
      files.held.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await forgetting;
    expect(forgotten).toBe(true);
    expect(files.landed.length).toBeGreaterThan(1);
    // A stream never seen is forgotten at once.
    await hub.forget('never');
  });
});
