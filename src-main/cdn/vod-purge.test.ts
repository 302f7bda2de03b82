import { describe, expect, it } from 'vitest';
import type { Video } from '../../src-shared/contract/videos.js';
import type { Recording } from '../../src-shared/contract/restream.js';
import { VodPurgeTracker } from './vod-purge.js';

const rec = (state: Recording['vod']['state'], progress = 0): Recording =>
  ({ id: 'r1', vod: { state, progress, ladder: null, hls: null, dash: null, error: null } }) as unknown as Recording;

describe('VodPurgeTracker', () => {
  it('purges a recording\'s /vod/ prefix when it is deleted, and when a conversion starts or ends', () => {
    const t = new VodPurgeTracker();
    expect(t.onRecordingChanged('r1', rec('none'))).toBeNull();
    expect(t.onRecordingChanged('r1', rec('converting'))).toEqual({ prefix: '/vod/r1/' });
    // Progress: nothing.
    expect(t.onRecordingChanged('r1', rec('converting', 0.5))).toBeNull();
    expect(t.onRecordingChanged('r1', rec('ready', 1))).toEqual({ prefix: '/vod/r1/' });
    expect(t.onRecordingChanged('r1', rec('ready', 1))).toBeNull();
    // Converted again (replacing the VOD): purged at its start and its end.
    expect(t.onRecordingChanged('r1', rec('converting'))).toEqual({ prefix: '/vod/r1/' });
    expect(t.onRecordingChanged('r1', rec('failed'))).toBeNull();
    expect(t.onRecordingChanged('r1', null)).toEqual({ prefix: '/vod/r1/' });
  });

  it('purges a recording first seen ready (the host restarted since it was converted)', () => {
    expect(new VodPurgeTracker().onRecordingChanged('r2', rec('ready', 1))).toEqual({ prefix: '/vod/r2/' });
  });

  it('purges a library video when deleted, processed again, its subtitles, chapters, visibility or encryption change; not for progress or title edits', () => {
    const tracker = new VodPurgeTracker();
    const base = { state: 'uploading', readyAt: null, subtitles: [], chapters: [], title: 'a', progress: 0, visibility: 'public', encryption: 'none' };
    const at = (patch: object) => tracker.onVideoChanged('vid_x', { ...base, ...patch } as unknown as Video);
    expect(at({})).toBeNull();
    expect(at({ progress: 0.5 })).toBeNull();
    expect(at({ state: 'queued' })).toBeNull();
    expect(at({ state: 'processing' })).toEqual({ prefix: '/vod/vid_x/' });
    expect(at({ state: 'processing', progress: 0.7 })).toBeNull();
    expect(at({ state: 'ready', readyAt: 5 })).toEqual({ prefix: '/vod/vid_x/' });
    expect(at({ state: 'ready', readyAt: 5, title: 'b' })).toBeNull();
    expect(at({ state: 'ready', readyAt: 5, subtitles: [{ id: 's1' }] })).toEqual({ prefix: '/vod/vid_x/' });
    expect(at({ state: 'ready', readyAt: 5, subtitles: [{ id: 's1' }], chapters: [{ startSec: 0, title: 'x' }] })).toEqual({ prefix: '/vod/vid_x/' });
    const edited = { state: 'ready', readyAt: 5, subtitles: [{ id: 's1' }], chapters: [{ startSec: 0, title: 'x' }] };
    expect(at({ ...edited, visibility: 'private' })).toEqual({ prefix: '/vod/vid_x/' });
    expect(at({ ...edited, visibility: 'private', encryption: 'aes-128' })).toEqual({ prefix: '/vod/vid_x/' });
    expect(at({ ...edited, visibility: 'private', encryption: 'aes-128', title: 'c' })).toBeNull();
    expect(tracker.onVideoChanged('vid_x', null)).toEqual({ prefix: '/vod/vid_x/' });
  });
});
