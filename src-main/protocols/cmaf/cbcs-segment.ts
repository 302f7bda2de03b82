/**
 * A finished CMAF media segment made cbcs-protected as it is served (a VOD's segments are written clear
 * once and encrypted per request, as its AES-128 HLS segments are): `styp` and `sidx` kept, then each
 * `moof` + `mdat` pair of one track with its samples encrypted in place (cbcs keeps every sample's
 * size: `protectSample`) and `saiz`/`saio`/`senc` added to its `traf`. What grows is the `moof`, so the
 * `trun` data offsets move by that much, and so do the sizes the `sidx` gives its references. Pure.
 */
import { box, Fmp4ParseError, iterateBoxes, readFullBox, type Box } from './boxes.js';
import { auxInfoBoxes, placeAuxInfo, protectSample, type CbcsTrack, type ProtectedSample } from './cbcs.js';

// tfhd and trun flags (ISO/IEC 14496-12 8.8.7, 8.8.8).
const TFHD_BASE_DATA_OFFSET = 0x000001;
const TFHD_SAMPLE_DESCRIPTION = 0x000002;
const TFHD_DEFAULT_DURATION = 0x000008;
const TFHD_DEFAULT_SIZE = 0x000010;
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_FIRST_FLAGS = 0x000004;
const TRUN_DURATION = 0x000100;
const TRUN_SIZE = 0x000200;
const TRUN_FLAGS = 0x000400;
const TRUN_CTO = 0x000800;

const whole = (buf: Buffer, b: Box): Buffer => buf.subarray(b.start, b.start + b.size);

/** The default sample size of a track fragment header; 0 when it gives none. */
function tfhdDefaultSize(tfhd: Box): number {
  const { flags, body } = readFullBox(tfhd.payload);
  if (flags & TFHD_BASE_DATA_OFFSET) throw new Fmp4ParseError('unsupported', 'a track fragment with an explicit base data offset cannot be protected (CMAF takes the moof as its base)');
  if (!(flags & TFHD_DEFAULT_SIZE)) return 0;
  let at = 4;
  if (flags & TFHD_SAMPLE_DESCRIPTION) at += 4;
  if (flags & TFHD_DEFAULT_DURATION) at += 4;
  return body.readUInt32BE(at);
}

/** Where each sample of a `trun` lies, from the moof's first byte: its data offset, then the sizes. */
function trunSamples(trun: Box, defaultSize: number, previousEnd: number | null): { ranges: [number, number][]; end: number } {
  const { flags, body } = readFullBox(trun.payload);
  const count = body.readUInt32BE(0);
  let at = 4;
  let offset: number;
  if (flags & TRUN_DATA_OFFSET) {
    offset = body.readInt32BE(at);
    at += 4;
  } else if (previousEnd !== null) {
    offset = previousEnd;
  } else {
    throw new Fmp4ParseError('unsupported', 'the first trun of a fragment has no data offset');
  }
  if (flags & TRUN_FIRST_FLAGS) at += 4;
  const perSample = [TRUN_DURATION, TRUN_SIZE, TRUN_FLAGS, TRUN_CTO].filter((f) => flags & f).length * 4;
  if (at + count * perSample > body.length) throw new Fmp4ParseError('malformed', 'a trun is shorter than its sample count says');
  const ranges: [number, number][] = [];
  for (let i = 0; i < count; i++) {
    const sizeAt = at + i * perSample + (flags & TRUN_DURATION ? 4 : 0);
    const size = flags & TRUN_SIZE ? body.readUInt32BE(sizeAt) : defaultSize;
    if (size === 0) throw new Fmp4ParseError('unsupported', 'a sample without a size (none in its trun, its tfhd or its trex)');
    ranges.push([offset, offset + size]);
    offset += size;
  }
  return { ranges, end: offset };
}

/** One `moof` + `mdat` protected: the new pair and how many bytes longer the moof became. */
function protectFragment(segment: Buffer, moof: Box, mdat: Box, track: CbcsTrack, trexSampleSize: number): { moof: Buffer; mdat: Buffer; delta: number } {
  if (moof.headerSize !== 8) throw new Fmp4ParseError('unsupported', 'a moof with a 64-bit size');
  const moofChildren = [...iterateBoxes(moof.payload)];
  const trafs = moofChildren.filter((c) => c.type === 'traf');
  if (trafs.length !== 1 || trafs[0]!.headerSize !== 8) throw new Fmp4ParseError('unsupported', `a fragment of ${trafs.length} tracks (one per segment is protected)`);
  const traf = trafs[0]!;
  const trafChildren = [...iterateBoxes(traf.payload)];
  if (trafChildren.some((c) => c.type === 'senc' || c.type === 'saiz' || c.type === 'saio')) throw new Fmp4ParseError('unsupported', 'the fragment is encrypted already');
  const tfhd = trafChildren.find((c) => c.type === 'tfhd');
  if (!tfhd) throw new Fmp4ParseError('malformed', 'a traf without its tfhd');
  const defaultSize = tfhdDefaultSize(tfhd) || trexSampleSize;

  const ranges: [number, number][] = [];
  let end: number | null = null;
  for (const trun of trafChildren.filter((c) => c.type === 'trun')) {
    const found = trunSamples(trun, defaultSize, end);
    ranges.push(...found.ranges);
    end = found.end;
  }
  if (ranges.length === 0) throw new Fmp4ParseError('malformed', 'a fragment without samples');

  const mdatBytes = Buffer.from(whole(segment, mdat));
  // Sample offsets count from the moof's first byte; the mdat's payload follows its header.
  const payloadFrom = mdat.start + mdat.headerSize - moof.start;
  const payloadTo = mdat.start + mdat.size - moof.start;
  const samples: ProtectedSample[] = ranges.map(([from, to]) => {
    if (from < payloadFrom || to > payloadTo) throw new Fmp4ParseError('malformed', 'a sample lies outside its fragment\'s mdat');
    const done = protectSample(track, segment.subarray(moof.start + from, moof.start + to));
    done.data.copy(mdatBytes, from - (mdat.start - moof.start));
    return done;
  });

  const aux = auxInfoBoxes(samples);
  const delta = aux.reduce((n, b) => n + b.length, 0);
  const children = trafChildren.map((c) => {
    const copy = Buffer.from(whole(traf.payload, c));
    if (c.type === 'trun' && readFullBox(c.payload).flags & TRUN_DATA_OFFSET) {
      // header (8), version and flags (4), sample_count (4), then data_offset.
      copy.writeInt32BE(copy.readInt32BE(c.headerSize + 8) + delta, c.headerSize + 8);
    }
    return copy;
  });
  const newTraf = box('traf', ...children, ...aux);
  const newMoof = box('moof', ...moofChildren.map((c) => (c === traf ? newTraf : whole(moof.payload, c))));
  placeAuxInfo(newMoof);
  return { moof: newMoof, mdat: mdatBytes, delta };
}

/** A `sidx` whose references (one per fragment, or one for all) are `deltas` longer. */
function moveSidx(sidx: Buffer, headerSize: number, deltas: readonly number[]): Buffer {
  const out = Buffer.from(sidx);
  const version = out[headerSize]!;
  // version and flags (4), reference_ID (4), timescale (4), the two times (4 or 8 each), reserved (2).
  const countAt = headerSize + 4 + 8 + (version === 0 ? 8 : 16) + 2;
  const count = out.readUInt16BE(countAt);
  const added = count === deltas.length ? deltas : count === 1 ? [deltas.reduce((a, b) => a + b, 0)] : null;
  if (!added) throw new Fmp4ParseError('unsupported', `a sidx of ${count} references over ${deltas.length} fragments`);
  added.forEach((delta, i) => {
    const at = countAt + 2 + i * 12;
    const word = out.readUInt32BE(at);
    if (word & 0x80000000) throw new Fmp4ParseError('unsupported', 'a sidx that references other sidx boxes');
    out.writeUInt32BE(word + delta, at);
  });
  return out;
}

/**
 * `segment` (a CMAF media segment of one track, as a dash muxer writes it) with its samples protected
 * for `track` (from `protectInit` of the track's init section). `trexSampleSize`: the init's `trex`
 * default sample size, for fragments whose `trun` and `tfhd` give none. Throws an Fmp4ParseError for
 * what it cannot protect.
 */
export function protectSegment(segment: Buffer, track: CbcsTrack, trexSampleSize = 0): Buffer {
  const tops = [...iterateBoxes(segment)];
  const out: Buffer[] = [];
  const deltas: number[] = [];
  let sidx: { at: number; headerSize: number } | null = null;
  for (let i = 0; i < tops.length; i++) {
    const top = tops[i]!;
    if (top.type === 'moof') {
      const mdat = tops[i + 1];
      if (mdat?.type !== 'mdat') throw new Fmp4ParseError('malformed', 'a moof not followed by its mdat');
      const done = protectFragment(segment, top, mdat, track, trexSampleSize);
      out.push(done.moof, done.mdat);
      deltas.push(done.delta);
      i++;
      continue;
    }
    if (top.type === 'mdat') throw new Fmp4ParseError('malformed', 'an mdat without its moof');
    if (top.type === 'sidx') {
      if (sidx) throw new Fmp4ParseError('unsupported', 'a segment with more than one sidx');
      sidx = { at: out.length, headerSize: top.headerSize };
    }
    out.push(whole(segment, top));
  }
  if (deltas.length === 0) throw new Fmp4ParseError('malformed', 'a segment without a fragment');
  if (sidx) out[sidx.at] = moveSidx(out[sidx.at]!, sidx.headerSize, deltas);
  return Buffer.concat(out);
}
