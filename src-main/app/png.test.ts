import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { drawAppIcon, drawTrayTemplate } from './icon-art.js';
import { crc32, encodePng } from './png.js';

describe('encodePng', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789', 'ascii'))).toBe(0xcbf43926);
  });

  it('writes a PNG whose pixels decode back unchanged', () => {
    const rgba = Uint8Array.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 10, 20, 30, 40]);
    const png = encodePng({ width: 2, height: 2, rgba });
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(2);
    expect(png.readUInt32BE(20)).toBe(2);
    const idatLength = png.readUInt32BE(33);
    expect(png.toString('ascii', 37, 41)).toBe('IDAT');
    const raw = zlib.inflateSync(png.subarray(41, 41 + idatLength));
    expect([...raw]).toEqual([0, ...rgba.subarray(0, 8), 0, ...rgba.subarray(8)]);
    expect(png.toString('ascii', png.length - 8, png.length - 4)).toBe('IEND');
  });

  it('refuses a bitmap of the wrong size', () => {
    expect(() => encodePng({ width: 2, height: 2, rgba: new Uint8Array(4) })).toThrow(/expected 16/);
  });
});

describe('icon art', () => {
  it('draws an opaque centre and transparent corners', () => {
    const { rgba, width } = drawAppIcon(64);
    const alpha = (x: number, y: number): number => rgba[(y * width + x) * 4 + 3] ?? -1;
    expect(alpha(0, 0)).toBe(0);
    expect(alpha(32, 32)).toBe(255);
  });

  it('draws the macOS template in black and alpha only', () => {
    const { rgba } = drawTrayTemplate(16);
    for (let i = 0; i < rgba.length; i += 4) expect([rgba[i], rgba[i + 1], rgba[i + 2]]).toEqual([0, 0, 0]);
  });
});
