import { describe, expect, it } from 'vitest';
import { box, boxHeader, findBox, findChildren, Fmp4ParseError, fullBox, iterateBoxes, readBoxHeader, readFullBox, requireBox, u } from './boxes.js';

describe('ISO-BMFF boxes', () => {
  it('reads 32-bit, 64-bit largesize, uuid and to-the-end headers, and waits for partial ones', () => {
    expect(readBoxHeader(box('free', Buffer.alloc(3)))).toEqual({ type: 'free', size: 11, headerSize: 8 });
    const large = Buffer.concat([Buffer.from([0, 0, 0, 1, ...Buffer.from('mdat')]), u(8, 2 ** 33)]);
    expect(readBoxHeader(large)).toEqual({ type: 'mdat', size: 2 ** 33, headerSize: 16 });
    expect(readBoxHeader(large.subarray(0, 12))).toBeNull();
    const uuid = Buffer.concat([u(4, 40), Buffer.from('uuid'), Buffer.alloc(16, 0xab), Buffer.alloc(16)]);
    expect(readBoxHeader(uuid)).toEqual({ type: 'uuid', size: 40, headerSize: 24 });
    expect(readBoxHeader(uuid.subarray(0, 20))).toBeNull();
    expect(readBoxHeader(Buffer.from('\x00\x00\x00\x00mdat', 'latin1'))).toEqual({ type: 'mdat', size: null, headerSize: 8 });
    expect(readBoxHeader(Buffer.alloc(7))).toBeNull();
    expect(() => readBoxHeader(Buffer.from([0, 0, 0, 2, 1, 2, 3, 4]))).toThrow(/0x01020304.*2 bytes/);
    expect(() => readBoxHeader(Buffer.concat([Buffer.from([0, 0, 0, 1, ...Buffer.from('mdat')]), Buffer.alloc(8, 0xff)]))).toThrow(Fmp4ParseError);
  });

  it('iterates siblings, finds children along a path, and reads full-box version and flags', () => {
    const moov = box('moov', fullBox('mvhd', 1, 0, Buffer.alloc(4)), box('trak', fullBox('tkhd', 0, 7, u(4, 9))), box('trak', box('mdia')));
    const [top] = [...iterateBoxes(moov)];
    expect(top).toMatchObject({ type: 'moov', start: 0, size: moov.length, headerSize: 8 });
    expect([...iterateBoxes(top!.payload)].map((b) => [b.type, b.start, b.size])).toEqual([
      ['mvhd', 0, 16],
      ['trak', 16, 24],
      ['trak', 40, 16],
    ]);
    expect(findChildren(top!.payload, 'trak')).toHaveLength(2);
    const tkhd = requireBox(moov, 'moov', 'trak', 'tkhd');
    expect(readFullBox(tkhd.payload)).toEqual({ version: 0, flags: 7, body: u(4, 9) });
    expect(findBox(moov, 'moov', 'mdia')).toBeUndefined();
    expect(() => requireBox(moov, 'moov', 'trak', 'mdia', 'mdhd')).toThrow(/no moov\/trak\/mdia\/mdhd box/);
    expect(() => readFullBox(Buffer.alloc(3))).toThrow(Fmp4ParseError);
  });

  it('reads a box that runs to the end, and refuses one that runs past it or stray bytes', () => {
    const toEnd = Buffer.concat([Buffer.from('\x00\x00\x00\x00mdat', 'latin1'), Buffer.alloc(5)]);
    expect([...iterateBoxes(toEnd)].map((b) => b.payload.length)).toEqual([5]);
    expect(() => [...iterateBoxes(box('free', Buffer.alloc(4)).subarray(0, 10))]).toThrow(/needs 12 bytes, 10 are there/);
    expect(() => [...iterateBoxes(Buffer.concat([box('free'), Buffer.alloc(3)]))]).toThrow(/3 stray bytes/);
  });

  it('writes boxes and full boxes; a largesize header only past 32 bits', () => {
    expect(box('free', Buffer.from([1, 2])).toString('hex')).toBe('0000000a' + '66726565' + '0102');
    expect(fullBox('tfdt', 1, 0x020001, u(8, 5)).toString('hex')).toBe('00000014' + '74666474' + '01020001' + '0000000000000005');
    expect(boxHeader('mdat', 0xffffffff - 8)).toHaveLength(8);
    const large = boxHeader('mdat', 0xffffffff);
    expect(large.toString('hex')).toBe('00000001' + '6d646174' + '000000010000000f');
    expect(() => box('toolong')).toThrow(RangeError);
  });
});
