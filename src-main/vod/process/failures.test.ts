import { describe, expect, it } from 'vitest';
import { classifyJobError, JobError } from '../../core/job-error.js';
import { asJobError as raw } from './failures.js';

const asJobError = (error: unknown, signal: AbortSignal) => classifyJobError(raw(error, signal));
import { estimateOutputBytes } from './presets.js';

const live = new AbortController().signal;

describe('failures as JobErrors', () => {
  it('a cancel is the signal reason (the queue says CANCELLED or STALLED), else CANCELLED', () => {
    const stalled = new AbortController();
    stalled.abort(new JobError('STALLED', 'no progress for 120 s'));
    expect(asJobError(new Error('ffmpeg was killed by SIGTERM'), stalled.signal)).toMatchObject({ code: 'STALLED', retry: true });
    const plain = new AbortController();
    plain.abort();
    expect(asJobError(new Error('x'), plain.signal)).toMatchObject({ code: 'CANCELLED', retry: false });
  });

  it('ENOSPC from node or ffmpeg is DISK_FULL, never retried; anything else is retried', () => {
    expect(asJobError(Object.assign(new Error('write failed'), { code: 'ENOSPC' }), live)).toMatchObject({ code: 'DISK_FULL', retry: false });
    expect(asJobError(new Error('encode: ffmpeg exited with code 1: Error writing trailer: No space left on device'), live)).toMatchObject({ code: 'DISK_FULL' });
    expect(asJobError(new Error('boom'), live)).toMatchObject({ code: 'FFMPEG_FAILED', retry: true });
    expect(asJobError(new JobError('MEDIA_INVALID', 'no video'), live)).toMatchObject({ code: 'MEDIA_INVALID', retry: false });
  });

  it('estimates the outputs from the rung bitrates, the audio and the MP4', () => {
    const plan = { renditions: [{ videoBitrateKbps: 2500 }, { videoBitrateKbps: 700 }], audio: { copy: true, bitrateKbps: 128 } } as Parameters<typeof estimateOutputBytes>[0];
    // (2500 + 700 + 128 + 2500 + 128) kbps * 100 s * 1.05 / 8
    expect(estimateOutputBytes(plan, 100)).toBe(Math.round((5956 * 1000 * 100 * 1.05) / 8));
  });
});
