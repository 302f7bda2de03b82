import { describe, expect, it } from 'vitest';
import type { Stream } from '../../src-shared/contract/streams.js';
import { StreamPurgeTracker } from './stream-purge.js';

const stream = (over: Partial<Stream> = {}): Stream =>
  ({ name: 'demo', private: false, playAuth: 'default', encryption: 'none', ladder: 'source', dvrMinutes: 0, ...over }) as unknown as Stream;

describe('StreamPurgeTracker', () => {
  it('purges a stream made private, given another play check, or encrypted; not one made public again', () => {
    const t = new StreamPurgeTracker();
    expect(t.onStreamChanged('demo', stream())).toBeNull();
    expect(t.onStreamChanged('demo', stream({ private: true }))).toEqual({ tags: ['stream/demo'] });
    expect(t.onStreamChanged('demo', stream({ private: true, playAuth: 'jwt' }))).toEqual({ tags: ['stream/demo'] });
    expect(t.onStreamChanged('demo', stream({ private: true, playAuth: 'jwt', encryption: 'cbcs' } as Partial<Stream>))).toEqual({ tags: ['stream/demo'] });
    expect(t.onStreamChanged('demo', stream())).toBeNull();
    expect(t.onStreamChanged('demo', stream({ private: true }))).toEqual({ tags: ['stream/demo'] });
  });

  it('purges nothing for edits that leave who may watch as it was', () => {
    const t = new StreamPurgeTracker();
    t.onStreamChanged('demo', stream({ private: true }));
    expect(t.onStreamChanged('demo', stream({ private: true, dvrMinutes: 30 } as Partial<Stream>))).toBeNull();
    expect(t.onStreamChanged('other', stream({ name: 'other' }))).toBeNull();
  });

  it('purges a stream first seen private or encrypted (edited while the host was down), and a deleted one', () => {
    expect(new StreamPurgeTracker().onStreamChanged('demo', stream({ private: true }))).toEqual({ tags: ['stream/demo'] });
    expect(new StreamPurgeTracker().onStreamChanged('demo', stream({ encryption: 'cbcs' } as Partial<Stream>))).toEqual({ tags: ['stream/demo'] });
    expect(new StreamPurgeTracker().onStreamChanged('demo', null)).toEqual({ tags: ['stream/demo'] });
  });
});
