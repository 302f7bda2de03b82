import { describe, expect, it } from 'vitest';
import type { Destination } from '../../../../src-shared/contract/index.js';
import { isRunning, renditionChoices, retryInSec, sortDestinations } from './format.js';

function destination(id: string, over: Partial<Destination> = {}): Destination {
  return {
    id,
    stream: 'show',
    kind: 'custom',
    label: id,
    url: 'rtmp://example.com/live',
    keyHint: '…a1b2',
    autoStart: true,
    rendition: null,
    state: 'idle',
    error: null,
    since: null,
    bitrateKbps: 0,
    retries: 0,
    nextRetryAt: null,
    createdAt: 0,
    ...over,
  };
}

describe('destinations model', () => {
  it('counts down to the next retry only while retrying', () => {
    expect(retryInSec(destination('a', { state: 'retrying', nextRetryAt: 10_500 }), 5_000)).toBe(6);
    expect(retryInSec(destination('a', { state: 'retrying', nextRetryAt: 1_000 }), 5_000)).toBe(0);
    expect(retryInSec(destination('a', { state: 'failed', nextRetryAt: 10_500 }), 5_000)).toBeNull();
  });

  it('offers stop while a relay runs, start otherwise', () => {
    expect(['connecting', 'live', 'retrying'].every((s) => isRunning(s as Destination['state']))).toBe(true);
    expect(isRunning('idle') || isRunning('failed')).toBe(false);
  });

  it('offers the source, then the ladder rungs the stream has', () => {
    expect(renditionChoices(['source', '720p', '480p']).map((c) => c.value)).toEqual(['', '720p', '480p']);
    expect(renditionChoices([])).toEqual([{ value: '', label: 'Source (passthrough)' }]);
  });

  it('lists destinations in the order they were added', () => {
    const list = sortDestinations({ b: destination('b', { createdAt: 2 }), a: destination('a', { createdAt: 1 }) });
    expect(list.map((d) => d.id)).toEqual(['a', 'b']);
    expect(sortDestinations(undefined)).toEqual([]);
  });
});
