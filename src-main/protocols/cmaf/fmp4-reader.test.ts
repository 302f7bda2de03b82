import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { box, fullBox, iterateBoxes, u, Fmp4ParseError } from './boxes.js';
import { Fmp4StreamReader, type CmafSample, type Fmp4Event } from './fmp4-reader.js';

// How the fixtures were made, and where the ffprobe figures below come from: fixtures/README.md.
const fixture = (name: string): Buffer => fs.readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

/** Deterministic chunk sizes (1..max bytes), so a failure can be replayed. */
function* chunkSizes(seed: number, max: number): Generator<number> {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 0x80000000;
    yield 1 + (x % max);
  }
}

function pushInChunks(buf: Buffer, seed: number, max: number): Fmp4Event[] {
  const reader = new Fmp4StreamReader();
  const events: Fmp4Event[] = [];
  const sizes = chunkSizes(seed, max);
  for (let at = 0; at < buf.length; ) {
    const n = sizes.next().value as number;
    events.push(...reader.push(buf.subarray(at, at + n)));
    at += n;
  }
  return events;
}

function readAll(buf: Buffer): { init: Extract<Fmp4Event, { kind: 'init' }>; fragments: Extract<Fmp4Event, { kind: 'fragment' }>[]; samples: CmafSample[] } {
  const events = new Fmp4StreamReader().push(buf);
  const [init, ...rest] = events;
  if (init?.kind !== 'init') throw new Error('no init event first');
  const fragments = rest.filter((e): e is Extract<Fmp4Event, { kind: 'fragment' }> => e.kind === 'fragment');
  expect(fragments.length).toBe(rest.length);
  return { init, fragments, samples: fragments.flatMap((f) => f.samples) };
}

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

// ffprobe: pts - dts of each packet of h264-ff51.mp4 and h264-ff41.mp4 (the same for both).
const H264_CTO = [
  1024, 1024, 1024, 1024, 1536, 512, 1024, 1536, 512, 1024, 1536, 512, 1024, 1024, 1024, 1024, 2048, 512, 512, 1024, 1536, 512, 1536, 512, 1024, 1536, 512,
  1536, 512, 1024,
];

describe('Fmp4StreamReader on ffmpeg output', () => {
  it.each(['h264-ff51.mp4', 'h264-ff41.mp4', 'aac-ff51.mp4', 'aac-ff41.mp4', 'hevc-ff51.mp4', 'vp9-ff51.mp4', 'opus-ff51.mp4'])(
    '%s gives the same events in random chunks as in one push',
    (name) => {
      const buf = fixture(name);
      const whole = new Fmp4StreamReader().push(buf);
      for (const [seed, max] of [[1, 7], [2, 100], [3, 5000], [4, 70_000]] as const) expect(pushInChunks(buf, seed, max)).toEqual(whole);
    },
  );

  it.each(['h264-ff51.mp4', 'h264-ff41.mp4'])('%s: one fragment per frame, timing as ffprobe reads it, keyframes at GOP starts', (name) => {
    const buf = fixture(name);
    const { init, fragments, samples } = readAll(buf);
    expect(init.track).toEqual({ trackId: 1, timescale: 12800, handler: 'vide', codec: 'avc1.64000b', width: 160, height: 90 });
    const boxes = [...iterateBoxes(buf)];
    expect(init.data).toEqual(Buffer.concat(boxes.slice(0, 2).map((b) => buf.subarray(b.start, b.start + b.size))));
    // ffprobe: nb_read_packets=30, duration_ts=15360 (1.2 s at 1/12800), keyframes (K_) at packets 0, 12, 24.
    expect(fragments).toHaveLength(30);
    expect(samples).toHaveLength(30);
    expect(sum(samples.map((s) => s.duration))).toBe(15360);
    expect(samples.map((s) => s.dts)).toEqual(samples.map((_, i) => i * 512));
    expect(fragments.map((f) => f.baseDecodeTime)).toEqual(samples.map((s) => s.dts));
    expect(samples.map((s) => s.cto)).toEqual(H264_CTO);
    expect(samples.flatMap((s, i) => (s.keyframe ? [i] : []))).toEqual([0, 12, 24]);
    // An Annex B stream would start 00 00 00 01; AVCC starts with a NAL length that fits the sample.
    for (const s of samples) expect(s.data.readUInt32BE(0)).toBeLessThan(s.data.length);
  });

  it.each([
    ['aac-ff51.mp4', [142, 159, 57]],
    ['aac-ff41.mp4', [98, 107, 84]],
  ] as const)('%s: AAC frames of 1024 samples, every one a sync sample', (name, firstSizes) => {
    const { init, samples } = readAll(fixture(name));
    // The entry says 2 channels (as mp4 always does for AAC); the AudioSpecificConfig says mono, as ffprobe.
    expect(init.track).toEqual({ trackId: 1, timescale: 48000, handler: 'soun', codec: 'mp4a.40.2', sampleRate: 48000, channels: 1 });
    // ffprobe: nb_read_packets=25, duration_ts=25024, packet dts 0, 1024, ..., sizes 142, 159, 57...
    expect(samples).toHaveLength(25);
    expect(sum(samples.map((s) => s.duration))).toBe(25024);
    expect(samples.map((s) => s.dts)).toEqual(samples.map((_, i) => i * 1024));
    expect(samples.slice(0, 3).map((s) => s.data.length)).toEqual(firstSizes);
    expect(samples.every((s) => s.keyframe && s.cto === 0)).toBe(true);
  });

  it('reads HEVC, VP9 and Opus tracks and their codec strings', () => {
    const hevc = readAll(fixture('hevc-ff51.mp4'));
    expect(hevc.init.track).toMatchObject({ codec: 'hvc1.1.6.L30.90', width: 160, height: 90 });
    expect(hevc.samples.map((s) => s.cto)).toEqual([1024, 1536, 512]);
    expect(hevc.samples.map((s) => s.keyframe)).toEqual([true, false, false]);
    const vp9 = readAll(fixture('vp9-ff51.mp4'));
    expect(vp9.init.track).toMatchObject({ codec: 'vp09.00.10.08', width: 160, height: 90 });
    expect(sum(vp9.samples.map((s) => s.duration))).toBe(1536);
    const opus = readAll(fixture('opus-ff51.mp4'));
    expect(opus.init.track).toEqual({ trackId: 1, timescale: 48000, handler: 'soun', codec: 'opus', sampleRate: 48000, channels: 1 });
    // ffprobe: 6 packets, duration_ts=5112
    expect(opus.samples).toHaveLength(6);
    expect(sum(opus.samples.map((s) => s.duration))).toBe(5112);
  });
});

// Hand-built fragments for what ffmpeg does not write: tfhd base-data-offset, tfdt v0, trun v1, first-sample-flags...
const H264 = fixture('h264-ff51.mp4');
const topBoxes = [...iterateBoxes(H264)];
const FTYP = H264.subarray(0, topBoxes[0]!.size);
const MOOV_BOX = topBoxes[1]!;
const INIT = H264.subarray(0, MOOV_BOX.start + MOOV_BOX.size);
const KEY = 0x02000000;
const DELTA = 0x01010000;

/** The fixture's moov with another mvex (trex defaults for track 1). */
function initWithTrex(duration: number, size: number, flags: number): Buffer {
  const children = [...iterateBoxes(MOOV_BOX.payload)].filter((b) => b.type !== 'mvex').map((b) => MOOV_BOX.payload.subarray(b.start, b.start + b.size));
  const mvex = box('mvex', fullBox('trex', 0, 0, u(4, 1), u(4, 1), u(4, duration), u(4, size), u(4, flags)));
  return Buffer.concat([FTYP, box('moov', ...children, mvex)]);
}

interface TrafSpec {
  tfhdFlags: number;
  tfhdFields?: Buffer[];
  tfdt?: Buffer;
  trunVersion?: number;
  trunFlags: number;
  /** Fields after sample_count and data_offset (first-sample-flags, then per-sample ones). */
  trunFields: Buffer[];
  count: number;
  /** data_offset from the moof's start: computed when undefined and trunFlags has 0x1. */
  dataOffset?: (moofSize: number) => number;
}

/** moof + mdat, the data offset computed from the moof's size (which the offset's value does not change). */
function fragment(spec: TrafSpec, data: Buffer[], trackId = 1): Buffer {
  const build = (offset: number): Buffer => {
    const trun = fullBox('trun', spec.trunVersion ?? 0, spec.trunFlags, u(4, spec.count), ...(spec.trunFlags & 1 ? [u(4, offset)] : []), ...spec.trunFields);
    const traf = box('traf', fullBox('tfhd', 0, spec.tfhdFlags, u(4, trackId), ...(spec.tfhdFields ?? [])), ...(spec.tfdt ? [spec.tfdt] : []), trun);
    return box('moof', fullBox('mfhd', 0, 0, u(4, 1)), traf);
  };
  const size = build(0).length;
  return Buffer.concat([build(spec.dataOffset ? spec.dataOffset(size) : size + 8), box('mdat', ...data)]);
}

const sampleBytes = (n: number, fill: number): Buffer => Buffer.alloc(n, fill);

describe('Fmp4StreamReader on hand-built fragments', () => {
  it('applies tfhd defaults, first-sample-flags, tfdt v0 and unsigned cto (trun v0)', () => {
    const frag = fragment(
      {
        tfhdFlags: 0x020000 | 0x08 | 0x10 | 0x20,
        tfhdFields: [u(4, 512), u(4, 3), u(4, DELTA)],
        tfdt: fullBox('tfdt', 0, 0, u(4, 7000)),
        trunFlags: 0x001 | 0x004 | 0x800,
        trunFields: [u(4, KEY), u(4, 1024), u(4, 0), u(4, 0xffffffff)],
        count: 3,
      },
      [sampleBytes(3, 1), sampleBytes(3, 2), sampleBytes(3, 3)],
    );
    const [init, ev] = new Fmp4StreamReader().push(Buffer.concat([INIT, frag]));
    expect(init?.kind).toBe('init');
    expect(ev).toEqual({
      kind: 'fragment',
      baseDecodeTime: 7000,
      samples: [
        { dts: 7000, duration: 512, cto: 1024, flags: KEY, keyframe: true, data: sampleBytes(3, 1) },
        { dts: 7512, duration: 512, cto: 0, flags: DELTA, keyframe: false, data: sampleBytes(3, 2) },
        { dts: 8024, duration: 512, cto: 0xffffffff, flags: DELTA, keyframe: false, data: sampleBytes(3, 3) },
      ],
    });
  });

  it('reads per-sample fields, signed cto (trun v1), tfdt v1 beyond 32 bits, and two truns', () => {
    const big = 2 ** 40 + 5;
    const frag = fragment(
      {
        tfhdFlags: 0x020000,
        tfdt: fullBox('tfdt', 1, 0, u(8, big)),
        trunVersion: 1,
        trunFlags: 0x001 | 0x100 | 0x200 | 0x400 | 0x800,
        trunFields: [u(4, 10), u(4, 2), u(4, KEY), u(4, 0), u(4, 20), u(4, 1), u(4, DELTA), Buffer.from([0xff, 0xff, 0xfe, 0x00])],
        count: 2,
      },
      [sampleBytes(2, 9), sampleBytes(1, 8)],
    );
    const events = new Fmp4StreamReader().push(Buffer.concat([INIT, frag]));
    const samples = (events[1] as Extract<Fmp4Event, { kind: 'fragment' }>).samples;
    expect(samples.map(({ dts, duration, cto, keyframe, data }) => ({ dts, duration, cto, keyframe, size: data.length }))).toEqual([
      { dts: big, duration: 10, cto: 0, keyframe: true, size: 2 },
      { dts: big + 10, duration: 20, cto: -512, keyframe: false, size: 1 },
    ]);
  });

  it('falls back on trex defaults, continues dts without tfdt, and honours base-data-offset', () => {
    const init = initWithTrex(1000, 4, DELTA);
    const first = fragment({ tfhdFlags: 0x020000, tfdt: fullBox('tfdt', 1, 0, u(8, 50)), trunFlags: 0x001, trunFields: [], count: 2 }, [
      sampleBytes(4, 1),
      sampleBytes(4, 2),
    ]);
    // base-data-offset: an absolute stream offset (here the mdat payload of this very fragment); no tfdt.
    const secondStart = init.length + first.length;
    const second = fragment({ tfhdFlags: 0x000001, tfhdFields: [u(8, 0)], trunFlags: 0x001, trunFields: [], count: 1, dataOffset: (size) => secondStart + size + 8 }, [
      sampleBytes(4, 3),
    ]);
    const events = new Fmp4StreamReader().push(Buffer.concat([init, first, second]));
    const samples = events.flatMap((e) => (e.kind === 'fragment' ? e.samples : []));
    expect(samples.map((s) => [s.dts, s.duration, s.flags, s.data[0]])).toEqual([
      [50, 1000, DELTA, 1],
      [1050, 1000, DELTA, 2],
      [2050, 1000, DELTA, 3],
    ]);
    expect(events[2]).toMatchObject({ kind: 'fragment', baseDecodeTime: 2050 });
  });

  it('skips styp, sidx, prft, emsg and free boxes, other tracks, and reads a 64-bit largesize mdat', () => {
    const frag = fragment({ tfhdFlags: 0x020000, tfdt: fullBox('tfdt', 1, 0, u(8, 0)), trunFlags: 0x201, trunFields: [u(4, 5)], count: 1 }, [sampleBytes(5, 7)]);
    const moofSize = frag.length - 8 - 5;
    const payload = sampleBytes(5, 7);
    // The same mdat with a 16-byte header: the data offset moves by 8.
    const largeMdat = Buffer.concat([Buffer.from([0, 0, 0, 1, ...Buffer.from('mdat')]), u(8, 16 + 5), payload]);
    const moofLarge = Buffer.from(frag.subarray(0, moofSize));
    const trunAt = moofLarge.indexOf('trun');
    moofLarge.writeUInt32BE(moofSize + 16, trunAt + 4 + 4 + 4);
    const other = fragment({ tfhdFlags: 0x020000, trunFlags: 0x201, trunFields: [u(4, 1)], count: 1 }, [sampleBytes(1, 0)], 2);
    const extras = ['styp', 'sidx', 'prft', 'emsg', 'free'].map((t) => box(t, Buffer.alloc(12)));
    const stream = Buffer.concat([INIT, ...extras, moofLarge, largeMdat, other, ...extras]);
    const events = new Fmp4StreamReader().push(stream);
    expect(events).toHaveLength(2);
    expect(events[1]).toMatchObject({ kind: 'fragment', samples: [{ dts: 0, data: payload }] });
  });
});

describe('Fmp4StreamReader on bad input', () => {
  const thrown = (fn: () => unknown): Fmp4ParseError => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(Fmp4ParseError);
      return err as Fmp4ParseError;
    }
    throw new Error('did not throw');
  };

  it('refuses a stream that does not start with ftyp as soon as the first header is in', () => {
    const err = thrown(() => new Fmp4StreamReader().push(Buffer.from('\x00\x00\x00\x10moof', 'latin1')));
    expect(err.reason).toBe('not-fmp4');
    expect(err.message).toMatch(/starts with a "moof" box/);
    expect(thrown(() => new Fmp4StreamReader().push(Buffer.from('FLV\x01\x05\x00\x00\x00\x09', 'latin1'))).reason).toBe('not-fmp4');
    // Fewer than 8 bytes: nothing to say yet.
    expect(new Fmp4StreamReader().push(Buffer.from('FLV'))).toEqual([]);
  });

  it('refuses a box above the bound before buffering it, and stays failed', () => {
    const reader = new Fmp4StreamReader({ maxBoxBytes: 1024 });
    reader.push(INIT.subarray(0, FTYP.length));
    const err = thrown(() => reader.push(Buffer.from('\x00\x10\x00\x00moov', 'latin1')));
    expect(err.reason).toBe('too-large');
    expect(thrown(() => reader.push(Buffer.alloc(1)))).toBe(err);
    const huge = Buffer.concat([FTYP, Buffer.from([0, 0, 0, 1, ...Buffer.from('mdat')]), u(8, 2 ** 40)]);
    expect(thrown(() => new Fmp4StreamReader().push(huge)).reason).toBe('too-large');
  });

  it('refuses a moov with two tracks, and fragments out of order', () => {
    const trak = [...iterateBoxes(MOOV_BOX.payload)].find((b) => b.type === 'trak')!;
    const twoTracks = Buffer.concat([FTYP, box('moov', MOOV_BOX.payload, MOOV_BOX.payload.subarray(trak.start, trak.start + trak.size))]);
    expect(thrown(() => new Fmp4StreamReader().push(twoTracks)).message).toMatch(/one track.*found 2/);
    const frag = H264.subarray(INIT.length, INIT.length + [...iterateBoxes(H264)][2]!.size);
    expect(thrown(() => new Fmp4StreamReader().push(Buffer.concat([FTYP, frag]))).message).toMatch(/moof before the moov/);
    expect(thrown(() => new Fmp4StreamReader().push(Buffer.concat([INIT, box('mdat')]))).message).toMatch(/mdat without a moof/);
    expect(thrown(() => new Fmp4StreamReader().push(Buffer.concat([INIT, frag, frag]))).message).toMatch(/two moof/);
    expect(thrown(() => new Fmp4StreamReader().push(Buffer.concat([INIT, INIT.subarray(FTYP.length)]))).message).toMatch(/second moov/);
  });

  it('refuses a trun whose count its bytes cannot hold, and sample data outside the mdat', () => {
    const forged = fragment({ tfhdFlags: 0x020000, trunFlags: 0x301, trunFields: [u(4, 1), u(4, 1)], count: 1_000_000 }, [sampleBytes(1, 0)]);
    expect(thrown(() => new Fmp4StreamReader().push(Buffer.concat([INIT, forged]))).reason).toBe('truncated');
    const outside = fragment({ tfhdFlags: 0x020000, trunFlags: 0x301, trunFields: [u(4, 1), u(4, 50)], count: 1 }, [sampleBytes(1, 0)]);
    expect(thrown(() => new Fmp4StreamReader().push(Buffer.concat([INIT, outside]))).message).toMatch(/not inside the mdat/);
    const sizeZero = Buffer.concat([FTYP, Buffer.from('\x00\x00\x00\x00moov', 'latin1')]);
    expect(thrown(() => new Fmp4StreamReader().push(sizeZero)).reason).toBe('unsupported');
    const short = Buffer.concat([FTYP, Buffer.from('\x00\x00\x00\x04moov', 'latin1')]);
    expect(thrown(() => new Fmp4StreamReader().push(short)).reason).toBe('malformed');
  });
});
