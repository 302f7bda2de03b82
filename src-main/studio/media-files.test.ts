import { describe, expect, it } from 'vitest';
import { MEDIA_FILE_RE, mediaFileName, sniffMedia } from './media-files.js';

const bytes = (...parts: (number[] | string)[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)));

describe('what a studio media file is', () => {
  it.each([
    ['png', bytes([0x89], 'PNG', [0x0d, 0x0a, 0x1a, 0x0a, 0, 0])],
    ['jpg', bytes([0xff, 0xd8, 0xff, 0xe0])],
    ['gif', bytes('GIF89a')],
    ['webp', bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 ')],
    ['mp4', bytes([0, 0, 0, 0x20], 'ftypisom')],
    ['webm', bytes([0x1a, 0x45, 0xdf, 0xa3, 0x9f])],
  ])('%s from its first bytes', (ext, head) => expect(sniffMedia(head)).toBe(ext));
  it('nothing else, whatever its name', () => {
    expect(sniffMedia(bytes('hello, this is a text file'))).toBeNull();
    expect(sniffMedia(bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(sniffMedia(new Uint8Array())).toBeNull();
  });
  it('names files so that nothing else can be asked for', () => {
    const name = mediaFileName(Uint8Array.from({ length: 24 }, (_, i) => i * 11), 'png');
    expect(name).toMatch(MEDIA_FILE_RE);
    for (const bad of ['../a.png', 'abc.png', `${'a'.repeat(24)}.svg`, `${'a'.repeat(24)}.png/x`]) expect(MEDIA_FILE_RE.test(bad)).toBe(false);
  });
});
