import { describe, expect, it } from 'vitest';
import { silentLogger } from '../core/logger.js';
import { MediaClock } from './media-clock.js';
import { PathManager } from './path-manager.js';
import type { MediaChunk } from './types.js';

const chunk = (kind: MediaChunk['kind'], timestamp: number, sequenceHeader = false): MediaChunk => ({
  kind, timestamp, sequenceHeader, keyframe: kind === 'video', data: Buffer.alloc(4),
});
const publisher = { protocol: 'rtmp' as const, remoteAddress: '127.0.0.1', kick: () => undefined };

describe('MediaClock', () => {
  it('says how much later than they arrive a run dates its frames (a first frame that came late)', () => {
    let now = 1_000_000;
    const paths = new PathManager(silentLogger());
    const clock = new MediaClock({ now: () => now });
    clock.attach(paths);
    expect(clock.lateBy('cam')).toBe(0);
    const pub = paths.publish('cam', publisher);
    // The first frame (media time 0) comes 1.4 s late, after a probe; the next ones in a burst, then in time.
    pub.write(chunk('video', 0));
    now += 10;
    pub.write(chunk('video', 1000));
    expect(clock.lateBy('cam')).toBe(1000 - 10);
    now += 10;
    pub.write(chunk('video', 1400));
    expect(clock.lateBy('cam')).toBe(1400 - 20);
    // In time from now on (a little later, even): the most a frame came before its date is kept.
    now += 600;
    pub.write(chunk('video', 1900));
    expect(clock.lateBy('cam')).toBe(1380);
    // Audio does not move it; the run's value stays after it ended; a new run starts from 0.
    pub.write(chunk('audio', 9000));
    expect(clock.lateBy('cam')).toBe(1380);
    pub.end('stopped');
    expect(clock.lateBy('cam')).toBe(1380);
    paths.publish('cam', publisher).write(chunk('video', 0));
    expect(clock.lateBy('cam')).toBe(0);
  });

  it('anchors each live run at its first frame and maps media time to program time from it', () => {
    let now = 1_000_000;
    const paths = new PathManager(silentLogger());
    const clock = new MediaClock({ now: () => now });
    clock.attach(paths);
    expect(clock.stamp('cam')).toEqual({ mediaTime: null, programDateTime: null });

    const pub = paths.publish('cam', publisher);
    pub.write(chunk('video', 0, true)); // a sequence header carries no frame time
    now += 50;
    expect(clock.view('cam').live).toBe(false);
    pub.write(chunk('audio', 480));
    now += 20;
    pub.write(chunk('video', 500));
    pub.write(chunk('video', 533));
    expect(clock.view('cam')).toEqual({
      live: true, mediaTime: 533, programDateTime: 1_000_050 + 53, anchor: { mediaTime: 480, programDateTime: 1_000_050 },
    });
    // The publisher's own time maps through the same anchor (a time ahead of the newest frame too).
    expect(clock.stamp('cam', 2480)).toEqual({ mediaTime: 2480, programDateTime: 1_002_050 });

    // Ended: nothing is stamped, the anchor still maps for packagers flushing their last segment.
    pub.end('stopped');
    expect(clock.stamp('cam')).toEqual({ mediaTime: null, programDateTime: null });
    expect(clock.programDateTime('cam', 1480)).toBe(1_001_050);

    // A new run (the publisher returns with timestamps from 0 again) has a new anchor.
    now = 5_000_000;
    const again = paths.publish('cam', publisher);
    again.write(chunk('video', 0));
    expect(clock.view('cam').anchor).toEqual({ mediaTime: 0, programDateTime: 5_000_000 });
    clock.detach();
  });
});
