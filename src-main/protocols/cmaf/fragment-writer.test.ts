import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findBox, iterateBoxes, readFullBox } from './boxes.js';
import { Fmp4StreamReader, type CmafSample, type Fmp4Event } from './fmp4-reader.js';
import { isSyncSample, NON_SYNC_SAMPLE_FLAGS, SYNC_SAMPLE_FLAGS, writeFragment } from './fragment-writer.js';

// Fixtures: see fixtures/README.md.
const fixture = (name: string): Buffer => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

function read(buf: Buffer): { init: Buffer; trackId: number; fragments: Extract<Fmp4Event, { kind: 'fragment' }>[] } {
  const events = new Fmp4StreamReader().push(buf);
  const init = events[0] as Extract<Fmp4Event, { kind: 'init' }>;
  return { init: init.data, trackId: init.track.trackId, fragments: events.slice(1) as Extract<Fmp4Event, { kind: 'fragment' }>[] };
}

/** Groups per-frame samples into runs of `n` and writes each run as one fragment. */
function regroup(samples: CmafSample[], trackId: number, n: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < samples.length; i += n) {
    const run = samples.slice(i, i + n);
    out.push(writeFragment({ sequence: out.length + 1, trackId, baseDecodeTime: run[0]!.dts, samples: run }));
  }
  return out;
}

describe('writeFragment', () => {
  it.each(['h264-ff51.mp4', 'aac-ff41.mp4', 'hevc-ff51.mp4'])('%s: regrouped into fragments of 5, read back as the same samples', (name) => {
    const { init, trackId, fragments } = read(fixture(name));
    const samples = fragments.flatMap((f) => f.samples);
    const written = regroup(samples, trackId, 5);
    const again = read(Buffer.concat([init, ...written]));
    expect(again.fragments).toHaveLength(Math.ceil(samples.length / 5));
    expect(again.fragments.map((f) => f.baseDecodeTime)).toEqual(samples.filter((_, i) => i % 5 === 0).map((s) => s.dts));
    expect(again.fragments.flatMap((f) => f.samples)).toEqual(samples);
  });

  it('writes mfhd, tfhd default-base-is-moof, tfdt v1 and a trun with every per-sample field', () => {
    const data = [Buffer.from([1, 2, 3]), Buffer.from([4])];
    const frag = writeFragment({
      sequence: 7,
      trackId: 3,
      baseDecodeTime: 2 ** 35,
      samples: [
        { duration: 512, cto: 1024, flags: SYNC_SAMPLE_FLAGS, data: data[0]! },
        { duration: 512, cto: 0, flags: NON_SYNC_SAMPLE_FLAGS, data: data[1]! },
      ],
    });
    const [moof, mdat] = [...iterateBoxes(frag)];
    expect([moof?.type, mdat?.type]).toEqual(['moof', 'mdat']);
    expect(mdat!.payload).toEqual(Buffer.concat(data));
    expect(readFullBox(findBox(moof!.payload, 'mfhd')!.payload).body.readUInt32BE(0)).toBe(7);
    const tfhd = readFullBox(findBox(moof!.payload, 'traf', 'tfhd')!.payload);
    expect([tfhd.flags, tfhd.body.readUInt32BE(0), tfhd.body.length]).toEqual([0x020000, 3, 4]);
    const tfdt = readFullBox(findBox(moof!.payload, 'traf', 'tfdt')!.payload);
    expect([tfdt.version, Number(tfdt.body.readBigUInt64BE(0))]).toEqual([1, 2 ** 35]);
    const trun = readFullBox(findBox(moof!.payload, 'traf', 'trun')!.payload);
    expect([trun.version, trun.flags, trun.body.readUInt32BE(0)]).toEqual([0, 0xf01, 2]);
    // data_offset: from the moof's first byte to the first sample byte, past the mdat header.
    expect(trun.body.readInt32BE(4)).toBe(moof!.size + 8);
  });

  it('switches the trun to version 1 when a composition offset is negative', () => {
    const samples = [
      { duration: 10, cto: -20, flags: SYNC_SAMPLE_FLAGS, data: Buffer.from([1]) },
      { duration: 10, cto: 30, flags: NON_SYNC_SAMPLE_FLAGS, data: Buffer.from([2]) },
    ];
    const frag = writeFragment({ sequence: 1, trackId: 1, baseDecodeTime: 0, samples });
    const trun = readFullBox(findBox(frag, 'moof', 'traf', 'trun')!.payload);
    expect(trun.version).toBe(1);
    expect(trun.body.readInt32BE(8 + 12)).toBe(-20);
    const init = read(fixture('h264-ff51.mp4')).init;
    const back = read(Buffer.concat([init, frag])).fragments[0]!.samples;
    expect(back.map((s) => [s.dts, s.cto, s.keyframe])).toEqual([
      [0, -20, true],
      [10, 30, false],
    ]);
  });

  it('refuses what a trun cannot hold', () => {
    const ok = { duration: 1, cto: 0, flags: 0, data: Buffer.alloc(1) };
    expect(() => writeFragment({ sequence: 1, trackId: 1, baseDecodeTime: 0, samples: [] })).toThrow(/at least one sample/);
    expect(() => writeFragment({ sequence: 1, trackId: 1, baseDecodeTime: -1, samples: [ok] })).toThrow(/baseDecodeTime/);
    expect(() => writeFragment({ sequence: 1, trackId: 1, baseDecodeTime: 0, samples: [{ ...ok, duration: 1.5 }] })).toThrow(/duration/);
    expect(() => writeFragment({ sequence: 1, trackId: 1, baseDecodeTime: 0, samples: [{ ...ok, cto: 2 ** 31 }, { ...ok, cto: -1 }] })).toThrow(/cto/);
  });
});

describe('isSyncSample', () => {
  it('reads sample_is_non_sync_sample and sample_depends_on', () => {
    expect(isSyncSample(SYNC_SAMPLE_FLAGS)).toBe(true);
    expect(isSyncSample(0)).toBe(true);
    expect(isSyncSample(NON_SYNC_SAMPLE_FLAGS)).toBe(false);
    expect(isSyncSample(0x00010000)).toBe(false);
    expect(isSyncSample(0x01000000)).toBe(false);
    // is_leading and priority bits do not matter
    expect(isSyncSample(0x0c00ffff | SYNC_SAMPLE_FLAGS)).toBe(true);
  });
});
