/**
 * Writes one CMAF fragment (moof + mdat) from samples: what an LL-HLS part or an LL-DASH chunk is
 * made of. Every per-sample field is written explicitly, so the fragment does not lean on the
 * init segment's trex defaults.
 */
import { box, boxHeader, fullBox, u } from './boxes.js';
import { placeAuxInfo } from './cbcs.js';
import type { CmafSample } from './fmp4-reader.js';

/** What a fragment needs of a sample (a CmafSample fits; its dts is implied by the order). */
export type FragmentSample = Pick<CmafSample, 'duration' | 'cto' | 'flags' | 'data'>;

export interface FragmentInput {
  /** mfhd sequence_number: starts at 1 and grows by one per fragment of a track. */
  sequence: number;
  trackId: number;
  /** tfdt: decode time of the first sample, in the track's timescale. */
  baseDecodeTime: number;
  samples: readonly FragmentSample[];
  /** Common Encryption's `saiz`, `saio` and `senc` of the (already encrypted) samples (cbcs.ts `auxInfoBoxes`). */
  auxInfo?: readonly Buffer[];
  /** `pssh` boxes for the `moof` (cbcs key rotation: the keys a player should ask for now). */
  pssh?: readonly Buffer[];
}

// Sample flags (ISO/IEC 14496-12 8.8.3.1): sample_depends_on in bits 24-25, sample_is_non_sync_sample bit 16.
const NON_SYNC = 0x00010000;
const DEPENDS_ON_SHIFT = 24;
const DEPENDS_ON_OTHERS = 1;
/** Flags of a keyframe: depends on no other sample, sync. */
export const SYNC_SAMPLE_FLAGS = 0x02000000;
/** Flags of a frame that needs others to decode: depends on others, not sync. */
export const NON_SYNC_SAMPLE_FLAGS = 0x01010000;

const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_DURATION = 0x000100;
const TRUN_SIZE = 0x000200;
const TRUN_FLAGS = 0x000400;
const TRUN_CTO = 0x000800;

/** Whether sample flags mark a sync sample (a keyframe), where decoding can start. */
export function isSyncSample(flags: number): boolean {
  return (flags & NON_SYNC) === 0 && ((flags >>> DEPENDS_ON_SHIFT) & 0x3) !== DEPENDS_ON_OTHERS;
}

/** One moof (mfhd, [pssh,] traf: tfhd default-base-is-moof, tfdt v1, [saiz, saio, senc, sbgp, sgpd,] trun) followed by its mdat. */
export function writeFragment(input: FragmentInput): Buffer {
  const { sequence, trackId, baseDecodeTime, samples } = input;
  if (samples.length === 0) throw new RangeError('a fragment needs at least one sample');
  checkUint('sequence', sequence, 0xffffffff);
  checkUint('trackId', trackId, 0xffffffff);
  checkUint('baseDecodeTime', baseDecodeTime, Number.MAX_SAFE_INTEGER);
  // Version 1 makes composition offsets signed; version 0 keeps players that predate it happy.
  const signed = samples.some((s) => s.cto < 0);
  const perSample = Buffer.alloc(samples.length * 16);
  samples.forEach((s, i) => {
    checkUint('duration', s.duration, 0xffffffff);
    checkUint('flags', s.flags, 0xffffffff);
    if (!Number.isInteger(s.cto) || s.cto < -0x80000000 || s.cto > (signed ? 0x7fffffff : 0xffffffff)) throw new RangeError(`cto ${s.cto} does not fit 32 bits`);
    const at = i * 16;
    perSample.writeUInt32BE(s.duration, at);
    perSample.writeUInt32BE(s.data.length, at + 4);
    perSample.writeUInt32BE(s.flags >>> 0, at + 8);
    if (signed) perSample.writeInt32BE(s.cto, at + 12);
    else perSample.writeUInt32BE(s.cto, at + 12);
  });
  const trun = fullBox('trun', signed ? 1 : 0, TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE | TRUN_FLAGS | TRUN_CTO, u(4, samples.length), u(4, 0), perSample);
  const traf = box(
    'traf',
    fullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF, u(4, trackId)),
    fullBox('tfdt', 1, 0, u(8, baseDecodeTime)),
    ...(input.auxInfo ?? []),
    trun,
  );
  const moof = box('moof', fullBox('mfhd', 0, 0, u(4, sequence)), ...(input.pssh ?? []), traf);
  const mdatHeader = boxHeader('mdat', samples.reduce((sum, s) => sum + s.data.length, 0));
  // data_offset counts from the moof's first byte (default-base-is-moof) to the first sample's byte;
  // it sits after the trun's header, version/flags and sample_count, and the trun closes the moof.
  moof.writeInt32BE(moof.length + mdatHeader.length, moof.length - trun.length + 16);
  if (input.auxInfo) placeAuxInfo(moof);
  return Buffer.concat([moof, mdatHeader, ...samples.map((s) => s.data)]);
}

function checkUint(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) throw new RangeError(`${name} ${value} is not an integer in 0..${max}`);
}
