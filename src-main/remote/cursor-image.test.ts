import crypto from 'node:crypto';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cursorImageMessage } from './display-share.js';

const cursor = (rgba: Buffer, width: number, height: number) => ({ visible: true, x: 10, y: 20, shape: 1, image: { width, height, hotX: 3, hotY: 4, rgba } });

describe("a Wayland desktop's pointer image for viewers", () => {
  it('goes as deflated RGBA with its size and hotspot, and inflates to the same pixels', () => {
    const rgba = Buffer.alloc(24 * 24 * 4, 0);
    rgba.fill(0xff, 0, 24 * 4 * 3); // three opaque white rows
    const message = cursorImageMessage(cursor(rgba, 24, 24)) as { t: string; width: number; height: number; hotX: number; hotY: number; data: string };
    expect(message).toMatchObject({ t: 'cursor-image', width: 24, height: 24, hotX: 3, hotY: 4 });
    expect(inflateSync(Buffer.from(message.data, 'base64')).equals(rgba)).toBe(true);
    expect(message.data.length).toBeLessThan(rgba.length / 10);
  });

  it('is not sent without an image, nor when it would not fit a data-channel message (the viewer keeps its arrow)', () => {
    expect(cursorImageMessage({ visible: true, x: 0, y: 0, shape: 0, image: undefined })).toBeUndefined();
    // Noise does not compress: 256x256 RGBA is 256 KiB deflated and more in base64.
    expect(cursorImageMessage(cursor(crypto.randomBytes(256 * 256 * 4), 256, 256))).toBeUndefined();
  });
});
