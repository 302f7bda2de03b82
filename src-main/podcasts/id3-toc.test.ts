import { describe, expect, it } from 'vitest';
import { ctocFrame, id3Frames, withTableOfContents } from './id3-toc.js';

const syncsafe = (n: number): number[] => [(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f];
const frame = (id: string, body: Buffer): Buffer => Buffer.concat([Buffer.from(id, 'latin1'), Buffer.from(syncsafe(body.length)), Buffer.from([0, 0]), body]);
const chap = (id: string, startMs: number, endMs: number): Buffer => {
  const times = Buffer.alloc(16, 0xff);
  times.writeUInt32BE(startMs, 0);
  times.writeUInt32BE(endMs, 4);
  return frame('CHAP', Buffer.concat([Buffer.from(`${id}\0`, 'latin1'), times]));
};
/** A tag as ffmpeg writes one: header, frames, then zero padding. */
const tag = (frames: Buffer[], padding = 16): Buffer => {
  const body = Buffer.concat([...frames, Buffer.alloc(padding)]);
  return Buffer.concat([Buffer.from('ID3', 'latin1'), Buffer.from([4, 0, 0]), Buffer.from(syncsafe(body.length)), body]);
};

describe('ID3v2.4 table of contents', () => {
  it('adds a top-level ordered CTOC naming the CHAP frames in order, with the size updated', () => {
    const before = tag([frame('TIT2', Buffer.from('\x03Episode', 'latin1')), chap('ch0', 0, 10_000), chap('ch1', 10_000, 20_000)]);
    const after = withTableOfContents(before)!;
    const frames = id3Frames(after);
    expect(frames.map((f) => f.id)).toEqual(['TIT2', 'CHAP', 'CHAP', 'CTOC']);
    const ctoc = frames[3]!;
    const body = after.subarray(ctoc.at + 10, ctoc.at + 10 + ctoc.size);
    expect(body.subarray(0, 4).toString('latin1')).toBe('toc\0');
    expect(body[4]).toBe(0x03);
    expect(body[5]).toBe(2);
    expect(body.subarray(6, 14).toString('latin1')).toBe('ch0\0ch1\0');
    expect(body.subarray(14, 18).toString('latin1')).toBe('TIT2');
    // The header's size is the frames' bytes: nothing after the CTOC, nothing cut.
    const size = (after[6]! << 21) | (after[7]! << 14) | (after[8]! << 7) | after[9]!;
    expect(size + 10).toBe(after.length);
    expect(after.subarray(10, ctoc.at).equals(before.subarray(10, ctoc.at))).toBe(true);
  });

  it('leaves a tag without chapters, or with a CTOC already, alone', () => {
    expect(withTableOfContents(tag([frame('TIT2', Buffer.from('\x03x', 'latin1'))]))).toBeNull();
    const once = withTableOfContents(tag([chap('ch0', 0, 5000)]))!;
    expect(withTableOfContents(once)).toBeNull();
  });

  it('refuses what is not an ID3v2.4 tag', () => {
    expect(() => id3Frames(Buffer.from('ID3\x03\x00\x00\x00\x00\x00\x00', 'latin1'))).toThrow(/ID3v2.4/);
    expect(() => id3Frames(Buffer.from('RIFF0000WAVE', 'latin1'))).toThrow(/ID3v2.4/);
  });

  it('writes the frame size as a syncsafe integer (no byte above 0x7f)', () => {
    const ids = Array.from({ length: 40 }, (_, i) => Buffer.from(`chapter-${i}`));
    const ctoc = ctocFrame(ids, 'A long table of contents');
    expect([...ctoc.subarray(4, 8)].every((b) => b <= 0x7f)).toBe(true);
    const size = (ctoc[4]! << 21) | (ctoc[5]! << 14) | (ctoc[6]! << 7) | ctoc[7]!;
    expect(size).toBe(ctoc.length - 10);
    expect(size).toBeGreaterThan(127);
  });
});
