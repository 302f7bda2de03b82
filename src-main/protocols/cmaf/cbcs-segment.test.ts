import crypto from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cbcsFfmpeg, framemd5Of } from '../../../test-support/media.js';
import { box, findBox, fullBox, iterateBoxes, readFullBox, u } from './boxes.js';
import { protectInit } from './cbcs.js';
import { protectSegment } from './cbcs-segment.js';

// Fixtures: see fixtures/README.md (ftyp + moov, then one moof + mdat per frame).
const fixture = (name: string): Buffer => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const KID = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const KEY = Buffer.from('8f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex');
const IV = Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex');

/** A fixture as a dash muxer's files: the init section, and one segment (`styp`, a `sidx` of one reference per fragment, the fragments). */
function asSegment(name: string): { init: Buffer; segment: Buffer; fragments: Buffer[] } {
  const file = fixture(name);
  const tops = [...iterateBoxes(file)];
  const init = Buffer.concat(tops.filter((b) => b.type === 'ftyp' || b.type === 'moov').map((b) => file.subarray(b.start, b.start + b.size)));
  const fragments: Buffer[] = [];
  for (let i = 0; i < tops.length; i++) {
    if (tops[i]!.type !== 'moof') continue;
    const moof = tops[i]!;
    const mdat = tops[i + 1]!;
    fragments.push(file.subarray(moof.start, mdat.start + mdat.size));
  }
  const refs = fragments.map((f) => Buffer.concat([u(4, f.length), u(4, 512), u(4, 0x90000000)]));
  const sidx = fullBox('sidx', 0, 0, u(4, 1), u(4, 12800), u(4, 0), u(4, 0), u(2, 0), u(2, fragments.length), ...refs);
  const styp = box('styp', Buffer.from('msdh', 'latin1'), u(4, 0), Buffer.from('msdhmsix', 'latin1'));
  return { init, segment: Buffer.concat([styp, sidx, ...fragments]), fragments };
}

/** The referenced sizes of a segment's sidx, and the sizes of its moof + mdat pairs. */
function sizes(segment: Buffer): { sidx: number[]; fragments: number[] } {
  const sidx = readFullBox(findBox(segment, 'sidx')!.payload).body;
  const count = sidx.readUInt16BE(18);
  const tops = [...iterateBoxes(segment)];
  return {
    sidx: Array.from({ length: count }, (_, i) => sidx.readUInt32BE(20 + i * 12) & 0x7fffffff),
    fragments: tops.flatMap((b, i) => (b.type === 'moof' ? [b.size + tops[i + 1]!.size] : [])),
  };
}

describe('protectSegment (a VOD segment made cbcs as it is served)', () => {
  const ffmpeg = cbcsFfmpeg();

  it.skipIf(!ffmpeg).each(['h264-ff51.mp4', 'h264-ff41.mp4', 'aac-ff51.mp4', 'hevc-ff51.mp4'])('%s: ffmpeg with the key decodes the protected segment to the frames of the clear one', (name) => {
    const { init, segment } = asSegment(name);
    const { init: protectedInit, track } = protectInit(init, KID, KEY, IV);
    const out = protectSegment(segment, track);
    const clear = framemd5Of(ffmpeg!, Buffer.concat([init, segment]));
    const decrypted = framemd5Of(ffmpeg!, Buffer.concat([protectedInit, out]), KEY);
    expect(decrypted.stderr).toBe('');
    expect(clear.md5s.length).toBeGreaterThan(2);
    expect(decrypted.md5s).toEqual(clear.md5s);
    // A wrong key gives other pictures (or sound): the samples really are encrypted.
    expect(framemd5Of(ffmpeg!, Buffer.concat([protectedInit, out]), Buffer.alloc(16, 7)).md5s).not.toEqual(clear.md5s);
  });

  it('keeps styp, keeps every mdat\'s size, adds saiz, saio and senc to each traf and moves the sidx sizes by as much', () => {
    const { init, segment, fragments } = asSegment('h264-ff51.mp4');
    const { track } = protectInit(init, KID, KEY, IV);
    const out = protectSegment(segment, track);
    const tops = [...iterateBoxes(out)].map((b) => b.type);
    expect(tops.slice(0, 2)).toEqual(['styp', 'sidx']);
    expect(tops.slice(2).join(' ')).toBe(Array(fragments.length).fill('moof mdat').join(' '));
    const before = [...iterateBoxes(segment)].filter((b) => b.type === 'mdat').map((b) => b.size);
    expect([...iterateBoxes(out)].filter((b) => b.type === 'mdat').map((b) => b.size)).toEqual(before);
    const traf = findBox(out, 'moof', 'traf')!;
    expect([...iterateBoxes(traf.payload)].map((b) => b.type)).toEqual(['tfhd', 'tfdt', 'trun', 'saiz', 'saio', 'senc']);
    const { sidx, fragments: pairs } = sizes(out);
    expect(sidx).toEqual(pairs);
    expect(sidx.every((s, i) => s > fragments[i]!.length)).toBe(true);
    // The same bytes each time (a segment served twice, or by two edges, is one object).
    expect(protectSegment(segment, track).equals(out)).toBe(true);
    // The input is not changed.
    expect(segment.equals(asSegment('h264-ff51.mp4').segment)).toBe(true);
  });

  it('takes the sizes a fragment does not give from the init\'s trex, and refuses without them', () => {
    // An audio fragment of two 32-byte samples whose tfhd and trun give no size.
    const clear = crypto.randomBytes(64);
    const moof = (dataOffset: number): Buffer => box('moof', fullBox('mfhd', 0, 0, u(4, 1)), box('traf', fullBox('tfhd', 0, 0x020000, u(4, 1)), fullBox('trun', 0, 0x000001, u(4, 2), u(4, dataOffset))));
    const size = moof(0).length;
    const segment = Buffer.concat([moof(size + 8), box('mdat', clear)]);
    const track = { key: KEY, iv: IV, nal: null, nalLengthSize: 4 };
    expect(() => protectSegment(segment, track)).toThrow(expect.objectContaining({ reason: 'unsupported', message: expect.stringContaining('without a size') }));
    const out = protectSegment(segment, track, 32);
    const mdat = [...iterateBoxes(out)].find((b) => b.type === 'mdat')!;
    // Each sample is encrypted whole from the constant IV (audio, cbcs), in place.
    const decipher = (sample: Buffer): Buffer => crypto.createDecipheriv('aes-128-cbc', KEY, IV).setAutoPadding(false).update(sample);
    expect(Buffer.concat([decipher(mdat.payload.subarray(0, 32)), decipher(mdat.payload.subarray(32, 64))])).toEqual(clear);
    expect(mdat.payload.equals(clear)).toBe(false);
  });

  it('refuses what it cannot protect, with a stable reason', () => {
    const { init, segment, fragments } = asSegment('h264-ff51.mp4');
    const { track } = protectInit(init, KID, KEY, IV);
    const once = protectSegment(segment, track);
    expect(() => protectSegment(once, track)).toThrow(expect.objectContaining({ reason: 'unsupported', message: expect.stringContaining('encrypted already') }));
    const mdatFirst = Buffer.concat([box('mdat', Buffer.alloc(8)), fragments[0]!]);
    expect(() => protectSegment(mdatFirst, track)).toThrow(expect.objectContaining({ reason: 'malformed' }));
    expect(() => protectSegment(box('styp', Buffer.alloc(8)), track)).toThrow(expect.objectContaining({ reason: 'malformed', message: expect.stringContaining('without a fragment') }));
    const moofOnly = fragments[0]!.subarray(0, fragments[0]!.readUInt32BE(0));
    expect(() => protectSegment(moofOnly, track)).toThrow(expect.objectContaining({ reason: 'malformed', message: expect.stringContaining('not followed by its mdat') }));
  });
});
