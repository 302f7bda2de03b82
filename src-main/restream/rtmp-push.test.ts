import { describe, expect, it } from 'vitest';
import { sharedChunks } from './rtmp-push.js';

describe('sharedChunks', () => {
  const body = Buffer.alloc(300, 7);
  const tag = Buffer.concat([Buffer.alloc(11), body, Buffer.alloc(4)]);

  it('chunks a tag once for every relay that sends it with the same timestamp and stream id', () => {
    const a = sharedChunks(tag, 6, 9, 1000, 1, body);
    const b = sharedChunks(tag, 6, 9, 1000, 1, body);
    expect(b).toBe(a);
    // A type-0 chunk header (12 bytes) before the body, plus continuation headers if the chunk size splits it.
    expect(a.length).toBeGreaterThanOrEqual(12 + 300);
    expect(a.subarray(a.length - 300).equals(body)).toBe(true);
  });

  it('chunks again when a relay rebased its timestamps differently', () => {
    const a = sharedChunks(tag, 6, 9, 1000, 1, body);
    const c = sharedChunks(tag, 6, 9, 40, 1, body);
    expect(c).not.toBe(a);
    expect(c.equals(a)).toBe(false);
  });
});
