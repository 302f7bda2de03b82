import crypto from 'node:crypto';
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cbcsFfmpeg, framemd5Of } from '../../../test-support/media.js';
import { findBox, iterateBoxes, readFullBox } from './boxes.js';
import { auxInfoBoxes, clearKeyPssh, keyGroupBoxes, protectInit, protectSample, psshKids, SLICE_LEADER, type CbcsTrack } from './cbcs.js';
import { Fmp4StreamReader, type CmafSample, type Fmp4Event } from './fmp4-reader.js';
import { writeFragment } from './fragment-writer.js';

// Fixtures: see fixtures/README.md.
const fixture = (name: string): Buffer => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const KID = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const KEY = Buffer.from('8f1e2d3c4b5a69788796a5b4c3d2e1f0', 'hex');
const IV = Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex');

function read(buf: Buffer): { init: Buffer; trackId: number; samples: CmafSample[] } {
  const events = new Fmp4StreamReader().push(buf);
  const init = events[0] as Extract<Fmp4Event, { kind: 'init' }>;
  const fragments = events.slice(1) as Extract<Fmp4Event, { kind: 'fragment' }>[];
  return { init: init.data, trackId: init.track.trackId, samples: fragments.flatMap((f) => f.samples) };
}

/** The fixture re-written encrypted, in fragments of `n` samples; `rotated`: every fragment under that key instead (named in seig and a moof pssh). */
function encrypted(name: string, n = 4, rotated?: { kid: Buffer; key: Buffer }): { file: Buffer; track: CbcsTrack; clear: CmafSample[] } {
  const { init, trackId, samples } = read(fixture(name));
  const { init: protectedInit, track } = protectInit(init, KID, KEY, IV);
  const fragments: Buffer[] = [];
  for (let i = 0; i < samples.length; i += n) {
    const run = samples.slice(i, i + n);
    const done = run.map((s) => protectSample(rotated ? { ...track, key: rotated.key } : track, s.data));
    fragments.push(
      writeFragment({
        sequence: fragments.length + 1,
        trackId,
        baseDecodeTime: run[0]!.dts,
        samples: run.map((s, j) => ({ ...s, data: done[j]!.data })),
        auxInfo: [...auxInfoBoxes(done), ...(rotated ? keyGroupBoxes(track, rotated.kid, done.length) : [])],
        ...(rotated ? { pssh: [clearKeyPssh(rotated.kid)] } : {}),
      }),
    );
  }
  return { file: Buffer.concat([protectedInit, ...fragments]), track, clear: samples };
}

describe('cbcs (ISO/IEC 23001-7)', () => {
  const ffmpeg = cbcsFfmpeg();

  it.skipIf(!ffmpeg).each(['h264-ff51.mp4', 'hevc-ff51.mp4', 'aac-ff51.mp4'])('%s: ffmpeg with the key decodes the encrypted track to the same frames as the clear one', (name) => {
    const { file } = encrypted(name);
    const clear = framemd5Of(ffmpeg!, fixture(name));
    const decrypted = framemd5Of(ffmpeg!, file, KEY);
    expect(decrypted.stderr).toBe('');
    expect(clear.md5s.length).toBeGreaterThan(2);
    expect(decrypted.md5s).toEqual(clear.md5s);
    // With a wrong key the pictures differ: the samples really are encrypted.
    const wrong = framemd5Of(ffmpeg!, file, Buffer.alloc(16, 7));
    expect(wrong.md5s).not.toEqual(clear.md5s);
  });

  it('protects the init: encv with frma, schm cbcs 1.0, tenc v1 (kid, 1:9 pattern, constant IV) and a ClearKey pssh', () => {
    const { init } = read(fixture('h264-ff51.mp4'));
    const out = protectInit(init, KID, KEY, IV);
    expect(out.track).toMatchObject({ nal: 'avc', nalLengthSize: 4 });
    const stsd = readFullBox(findBox(out.init, 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd')!.payload);
    const entry = [...iterateBoxes(stsd.body.subarray(4))][0]!;
    expect(entry.type).toBe('encv');
    const sinf = findBox(entry.payload.subarray(78), 'sinf')!;
    expect(findBox(sinf.payload, 'frma')!.payload.toString('latin1')).toBe('avc1');
    const schm = readFullBox(findBox(sinf.payload, 'schm')!.payload);
    expect([schm.body.toString('latin1', 0, 4), schm.body.readUInt32BE(4)]).toEqual(['cbcs', 0x10000]);
    const tenc = readFullBox(findBox(sinf.payload, 'schi', 'tenc')!.payload);
    expect(tenc.version).toBe(1);
    expect([tenc.body[1], tenc.body[2], tenc.body[3]]).toEqual([0x19, 1, 0]);
    expect(tenc.body.subarray(4, 20)).toEqual(KID);
    expect([tenc.body[20], tenc.body.subarray(21, 37)]).toEqual([16, IV]);
    expect(psshKids(out.init)).toEqual([KID.toString('hex')]);
    // Audio: enca, no pattern.
    const audio = protectInit(read(fixture('aac-ff51.mp4')).init, KID, KEY, IV);
    expect(audio.track.nal).toBeNull();
    const aTenc = readFullBox(findBox(audio.init, 'moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd')!.payload);
    expect([...iterateBoxes(aTenc.body.subarray(4))][0]!.type).toBe('enca');
  });

  it('keeps NAL lengths, headers and slice leaders clear, and encrypts one block in ten of the rest', () => {
    const track: CbcsTrack = { key: KEY, iv: IV, nal: 'avc', nalLengthSize: 4 };
    const sei = Buffer.concat([Buffer.from([0, 0, 0, 5, 0x06]), Buffer.alloc(4, 0xaa)]);
    const sliceBody = crypto.randomBytes(SLICE_LEADER + 16 * 12 + 5);
    const slice = Buffer.concat([Buffer.from([0, 0, 0, sliceBody.length + 1, 0x65]), sliceBody]);
    const { data, subsamples } = protectSample(track, Buffer.concat([sei, slice]));
    const clearBytes = sei.length + 4 + SLICE_LEADER;
    expect(subsamples).toEqual([{ clear: clearBytes, protected: slice.length - 4 - SLICE_LEADER }]);
    expect(data.subarray(0, clearBytes)).toEqual(Buffer.concat([sei, slice]).subarray(0, clearBytes));
    const body = Buffer.concat([sei, slice]).subarray(clearBytes);
    const out = data.subarray(clearBytes);
    // Block 0 and block 10 encrypted in one chain from the IV; 1-9 and 11 clear; the 5-byte tail clear.
    const cipher = crypto.createCipheriv('aes-128-cbc', KEY, IV).setAutoPadding(false);
    const expected = cipher.update(Buffer.concat([body.subarray(0, 16), body.subarray(160, 176)]));
    expect(out.subarray(0, 16)).toEqual(expected.subarray(0, 16));
    expect(out.subarray(160, 176)).toEqual(expected.subarray(16, 32));
    expect(out.subarray(16, 160)).toEqual(body.subarray(16, 160));
    expect(out.subarray(176)).toEqual(body.subarray(176));
  });

  it.skipIf(!ffmpeg)('key rotation: fragments under a later key name it (seig, moof pssh) and decode with that key, not the init\'s', () => {
    const kid2 = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex');
    const key2 = Buffer.from('00000000111111112222222233333333', 'hex');
    const { file } = encrypted('h264-ff51.mp4', 4, { kid: kid2, key: key2 });
    const clear = framemd5Of(ffmpeg!, fixture('h264-ff51.mp4'));
    expect(framemd5Of(ffmpeg!, file, key2).md5s).toEqual(clear.md5s);
    expect(framemd5Of(ffmpeg!, file, KEY).md5s).not.toEqual(clear.md5s);
  });

  it('key rotation: sbgp puts every sample of the fragment in its own seig entry (pattern, key id, constant IV)', () => {
    const kid2 = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex');
    const video: CbcsTrack = { key: KEY, iv: IV, nal: 'avc', nalLengthSize: 4 };
    const [sbgp, sgpd] = keyGroupBoxes(video, kid2, 7);
    const group = readFullBox(findBox(sbgp!, 'sbgp')!.payload);
    expect([group.version, group.body.toString('latin1', 0, 4), group.body.readUInt32BE(4), group.body.readUInt32BE(8), group.body.readUInt32BE(12)]).toEqual([0, 'seig', 1, 7, 0x10001]);
    const description = readFullBox(findBox(sgpd!, 'sgpd')!.payload);
    expect([description.version, description.body.toString('latin1', 0, 4), description.body.readUInt32BE(4), description.body.readUInt32BE(8)]).toEqual([1, 'seig', 37, 1]);
    const entry = description.body.subarray(12);
    expect([entry[0], entry[1], entry[2], entry[3]]).toEqual([0, 0x19, 1, 0]);
    expect(entry.subarray(4, 20)).toEqual(kid2);
    expect(entry[20]).toBe(16);
    expect(entry.subarray(21)).toEqual(IV);
    // Audio has no pattern; a ClearKey pssh may name more than one key (this one and the next).
    expect(keyGroupBoxes({ ...video, nal: null }, kid2, 1)[1]!.readUInt8(8 + 4 + 12 + 1)).toBe(0);
    const fragment = writeFragment({ sequence: 1, trackId: 1, baseDecodeTime: 0, samples: [{ duration: 1, cto: 0, flags: 0, data: Buffer.alloc(4) }], pssh: [clearKeyPssh(KID, kid2)] });
    expect(psshKids(fragment)).toEqual([KID.toString('hex'), kid2.toString('hex')]);
    expect(() => keyGroupBoxes(video, kid2.subarray(2), 1)).toThrow(/16 bytes/);
  });

  it('refuses what it cannot protect: a VP9 track, a NAL unit that runs past its sample, keys of the wrong size', () => {
    expect(() => protectInit(read(fixture('vp9-ff51.mp4')).init, KID, KEY, IV)).toThrow(/vp09.*not supported/);
    const track: CbcsTrack = { key: KEY, iv: IV, nal: 'avc', nalLengthSize: 4 };
    expect(() => protectSample(track, Buffer.from([0, 0, 0, 9, 0x65, 1]))).toThrow(/does not fit/);
    expect(() => protectInit(read(fixture('aac-ff51.mp4')).init, KID.subarray(1), KEY, IV)).toThrow(/16 bytes/);
  });
});
