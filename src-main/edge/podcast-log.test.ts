import { describe, expect, it } from 'vitest';
import { EDGE_DOWNLOADS_BATCH } from '../../src-shared/contract/cdn.js';
import { parsePodcastLine, PodcastLog } from './podcast-log.js';

const line = (over: Record<string, unknown> = {}): string =>
  JSON.stringify({ t: 1795800000.123, ip: '203.0.113.9', ua: 'Overcast/3.0', m: 'GET', u: '/podcasts/talks/e/ep_aaaaaaaaaaaa/deadbeef/episode.mp3', s: 206, b: 1000, cr: 'bytes 0-999/5000', ...over });

describe('the edge podcast log', () => {
  it('reads what nginx writes: address, user agent, range, bytes', () => {
    expect(parsePodcastLine(line())).toEqual({
      at: 1795800000123,
      ip: '203.0.113.9',
      userAgent: 'Overcast/3.0',
      method: 'GET',
      uri: '/podcasts/talks/e/ep_aaaaaaaaaaaa/deadbeef/episode.mp3',
      status: 206,
      bytes: 1000,
      contentRange: 'bytes 0-999/5000',
    });
    expect(parsePodcastLine(line({ cr: '', s: 200 }))?.contentRange).toBeNull();
    expect(parsePodcastLine('not json')).toBeNull();
    expect(parsePodcastLine(JSON.stringify({ t: 1, u: '/x' }))).toBeNull();
    expect(parsePodcastLine(line({ ua: 'x'.repeat(2000) }))?.userAgent).toHaveLength(512);
  });

  it('hands out batches in order, takes back a batch that was not sent, and drops the oldest past its bound', () => {
    const log = new PodcastLog();
    for (let i = 0; i < EDGE_DOWNLOADS_BATCH + 5; i++) log.onLine(line({ b: i }));
    const first = log.take();
    expect(first).toHaveLength(EDGE_DOWNLOADS_BATCH);
    expect(first[0]!.bytes).toBe(0);
    log.putBack(first);
    expect(log.size).toBe(EDGE_DOWNLOADS_BATCH + 5);
    expect(log.take()[0]!.bytes).toBe(0);
    for (let i = 0; i < 60_000; i++) log.onLine(line());
    expect(log.size).toBe(50_000);
    expect(log.dropped).toBe(5 + 60_000 - 50_000);
  });
});
