/**
 * Reads a fragmented MP4 byte stream (ffmpeg `-f mp4 -movflags empty_moov+default_base_moof+
 * frag_every_frame` on a pipe) arriving in chunks cut anywhere: first the init segment (ftyp + moov,
 * one track), then the samples of each moof + mdat pair. Pure: `push(chunk)` returns what became
 * complete. Memory is bounded by the largest box (maxBoxBytes); anything else is an Fmp4ParseError.
 */
import { findBox, Fmp4ParseError, iterateBoxes, printable, readBoxHeader, readFullBox, requireBox, type BoxHeader } from './boxes.js';
import { isSyncSample } from './fragment-writer.js';
import { parseInit, type InitTrack, type ParsedInit } from './init.js';

export { Fmp4ParseError, type Fmp4ParseErrorReason } from './boxes.js';
export type { InitTrack } from './init.js';

export interface CmafSample {
  /** Decode time, absolute (tfdt + the durations before it), in the track's timescale. */
  dts: number;
  duration: number;
  /** Composition offset: pts = dts + cto. Signed (trun version 1 allows negative offsets). */
  cto: number;
  /** ISO/IEC 14496-12 sample flags (8.8.3.1). */
  flags: number;
  /** A sync sample: decoding can start here. */
  keyframe: boolean;
  /** The coded sample: a view into the pushed bytes (not a copy); do not modify it. */
  data: Buffer;
}

export type Fmp4Event =
  | { kind: 'init'; /** ftyp + moov, verbatim: the initialization segment. */ data: Buffer; track: InitTrack }
  | { kind: 'fragment'; /** Decode time of the first sample (tfdt). */ baseDecodeTime: number; samples: CmafSample[] };

export interface Fmp4ReaderOptions {
  /** The largest box held while it arrives (a keyframe's mdat is the biggest). */
  maxBoxBytes?: number;
}

export const DEFAULT_MAX_BOX_BYTES = 64 * 1024 * 1024;

// tfhd flags (ISO/IEC 14496-12 8.8.7.1).
const TFHD_BASE_DATA_OFFSET = 0x000001;
const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x000002;
const TFHD_DEFAULT_DURATION = 0x000008;
const TFHD_DEFAULT_SIZE = 0x000010;
const TFHD_DEFAULT_FLAGS = 0x000020;
const TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
// trun flags (8.8.8.1).
const TRUN_DATA_OFFSET = 0x000001;
const TRUN_FIRST_SAMPLE_FLAGS = 0x000004;
const TRUN_DURATION = 0x000100;
const TRUN_SIZE = 0x000200;
const TRUN_FLAGS = 0x000400;
const TRUN_CTO = 0x000800;

/** A moof waiting for its mdat, with where it started in the stream (data offsets count from there). */
interface PendingMoof {
  payload: Buffer;
  start: number;
}

export class Fmp4StreamReader {
  private readonly maxBoxBytes: number;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Stream offset of the first buffered byte. */
  private offset = 0;
  private header: BoxHeader | null = null;
  private ftyp: Buffer | null = null;
  private init: ParsedInit | null = null;
  private moof: PendingMoof | null = null;
  /** Where the next fragment starts when it has no tfdt: the end of the previous one. */
  private nextDts = 0;
  private failure: Fmp4ParseError | null = null;

  constructor(options: Fmp4ReaderOptions = {}) {
    this.maxBoxBytes = options.maxBoxBytes ?? DEFAULT_MAX_BOX_BYTES;
  }

  /** The track, once the init segment has been read. */
  get track(): InitTrack | undefined {
    return this.init?.track;
  }

  /** Events completed by `chunk`, in stream order. After an error every push throws it again. */
  push(chunk: Buffer): Fmp4Event[] {
    if (this.failure) throw this.failure;
    try {
      return this.read(chunk);
    } catch (err) {
      this.failure = err instanceof Fmp4ParseError ? err : new Fmp4ParseError('malformed', err instanceof Error ? err.message : String(err));
      this.chunks = [];
      this.buffered = 0;
      throw this.failure;
    }
  }

  private read(chunk: Buffer): Fmp4Event[] {
    const events: Fmp4Event[] = [];
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    for (;;) {
      if (!this.header) {
        // A largesize or uuid header needs up to 32 bytes; fewer may already tell.
        this.header = readBoxHeader(this.peek(Math.min(this.buffered, 32)));
        if (!this.header) break;
        this.checkHeader(this.header);
      }
      const size = this.header.size!;
      if (this.buffered < size) break;
      const start = this.offset;
      const bytes = this.take(size);
      const header = this.header;
      this.header = null;
      this.onBox(header.type, bytes, bytes.subarray(header.headerSize), start, events);
    }
    return events;
  }

  private checkHeader(header: BoxHeader): void {
    const type = printable(header.type);
    if (!this.ftyp && header.type !== 'ftyp') throw new Fmp4ParseError('not-fmp4', `the stream starts with a "${type}" box, not ftyp: not an MP4 stream`);
    if (header.size === null) throw new Fmp4ParseError('unsupported', `box "${type}" runs to the end of the file (size 0): not a fragmented stream`);
    if (header.size > this.maxBoxBytes) throw new Fmp4ParseError('too-large', `box "${type}" is ${header.size} bytes, more than the ${this.maxBoxBytes} allowed`);
  }

  private onBox(type: string, bytes: Buffer, payload: Buffer, start: number, events: Fmp4Event[]): void {
    switch (type) {
      case 'ftyp':
        if (this.ftyp) throw new Fmp4ParseError('unsupported', 'a second ftyp: one reader reads one stream');
        this.ftyp = bytes;
        return;
      case 'moov':
        if (this.init) throw new Fmp4ParseError('unsupported', 'a second moov: one reader reads one stream');
        this.init = parseInit(payload);
        events.push({ kind: 'init', data: Buffer.concat([this.ftyp!, bytes]), track: this.init.track });
        return;
      case 'moof':
        if (!this.init) throw new Fmp4ParseError('malformed', 'a moof before the moov');
        if (this.moof) throw new Fmp4ParseError('malformed', 'two moof boxes without an mdat between them');
        this.moof = { payload, start };
        return;
      case 'mdat': {
        if (!this.moof) throw new Fmp4ParseError('malformed', 'an mdat without a moof before it');
        const samples = this.readFragment(this.moof, { start, bytes });
        this.moof = null;
        if (samples.length > 0) events.push({ kind: 'fragment', baseDecodeTime: samples[0]!.dts, samples });
        return;
      }
      default:
        // styp, sidx, prft, emsg, free, mfra...: nothing the samples depend on.
        return;
    }
  }

  private readFragment(moof: PendingMoof, mdat: { start: number; bytes: Buffer }): CmafSample[] {
    const { track, trex } = this.init!;
    const samples: CmafSample[] = [];
    const mdatHeaderSize = readBoxHeader(mdat.bytes)!.headerSize;
    /** The bytes of a sample at stream offset `at`, which must lie inside this mdat's payload. */
    const sampleData = (at: number, size: number): Buffer => {
      const rel = at - mdat.start;
      if (rel < mdatHeaderSize || rel + size > mdat.bytes.length) {
        throw new Fmp4ParseError('unsupported', `sample data at stream offset ${at} (${size} bytes) is not inside the mdat that follows its moof`);
      }
      return mdat.bytes.subarray(rel, rel + size);
    };
    // Without base-data-offset or default-base-is-moof, a traf's data follows the previous traf's.
    let dataEnd = moof.start;
    for (const traf of iterateBoxes(moof.payload)) {
      if (traf.type !== 'traf') continue;
      const tfhd = readTfhd(requireBox(traf.payload, 'tfhd').payload);
      if (tfhd.trackId !== track.trackId) continue;
      const base = tfhd.baseDataOffset ?? (tfhd.flags & TFHD_DEFAULT_BASE_IS_MOOF ? moof.start : dataEnd);
      let dts = readTfdt(traf.payload) ?? this.nextDts;
      let at = base;
      for (const trun of iterateBoxes(traf.payload)) {
        if (trun.type !== 'trun') continue;
        const run = readTrun(trun.payload);
        if (run.dataOffset !== undefined) at = base + run.dataOffset;
        for (const s of run.samples) {
          const duration = s.duration ?? tfhd.defaultDuration ?? trex.duration;
          const size = s.size ?? tfhd.defaultSize ?? trex.size;
          const flags = s.flags ?? tfhd.defaultFlags ?? trex.flags;
          samples.push({ dts, duration, cto: s.cto, flags, keyframe: isSyncSample(flags), data: sampleData(at, size) });
          dts += duration;
          at += size;
        }
      }
      dataEnd = at;
      this.nextDts = dts;
    }
    return samples;
  }

  /** The first `n` buffered bytes as one Buffer (joining chunks when the first is shorter). */
  private peek(n: number): Buffer {
    if (this.chunks.length === 0) return Buffer.alloc(0);
    let joined = 1;
    for (let have = this.chunks[0]!.length; have < n; joined++) have += this.chunks[joined]!.length;
    if (joined > 1) this.chunks.splice(0, joined, Buffer.concat(this.chunks.slice(0, joined)));
    return this.chunks[0]!.subarray(0, n);
  }

  /** Removes and returns the first `n` buffered bytes; a view when one chunk holds them all. */
  private take(n: number): Buffer {
    const first = this.chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const parts: Buffer[] = [];
      let need = n;
      while (need > 0) {
        const c = this.chunks[0]!;
        if (c.length <= need) {
          parts.push(c);
          this.chunks.shift();
          need -= c.length;
        } else {
          parts.push(c.subarray(0, need));
          this.chunks[0] = c.subarray(need);
          need = 0;
        }
      }
      out = Buffer.concat(parts, n);
    }
    this.buffered -= n;
    this.offset += n;
    return out;
  }
}

interface Tfhd {
  flags: number;
  trackId: number;
  baseDataOffset?: number;
  defaultDuration?: number;
  defaultSize?: number;
  defaultFlags?: number;
}

function readTfhd(payload: Buffer): Tfhd {
  const { flags, body } = readFullBox(payload);
  const fields = new FieldReader(body, 'tfhd');
  const tfhd: Tfhd = { flags, trackId: fields.u32() };
  if (flags & TFHD_BASE_DATA_OFFSET) tfhd.baseDataOffset = fields.u64();
  if (flags & TFHD_SAMPLE_DESCRIPTION_INDEX) fields.u32();
  if (flags & TFHD_DEFAULT_DURATION) tfhd.defaultDuration = fields.u32();
  if (flags & TFHD_DEFAULT_SIZE) tfhd.defaultSize = fields.u32();
  if (flags & TFHD_DEFAULT_FLAGS) tfhd.defaultFlags = fields.u32();
  return tfhd;
}

/** baseMediaDecodeTime (version 0: 32 bits, 1: 64 bits), or undefined without a tfdt. */
function readTfdt(traf: Buffer): number | undefined {
  const tfdt = findBox(traf, 'tfdt');
  if (!tfdt) return undefined;
  const { version, body } = readFullBox(tfdt.payload);
  const fields = new FieldReader(body, 'tfdt');
  return version === 1 ? fields.u64() : fields.u32();
}

interface TrunSample {
  duration?: number;
  size?: number;
  flags?: number;
  cto: number;
}

function readTrun(payload: Buffer): { dataOffset?: number; samples: TrunSample[] } {
  const { version, flags, body } = readFullBox(payload);
  const fields = new FieldReader(body, 'trun');
  const count = fields.u32();
  const dataOffset = flags & TRUN_DATA_OFFSET ? fields.i32() : undefined;
  const firstFlags = flags & TRUN_FIRST_SAMPLE_FLAGS ? fields.u32() : undefined;
  const perSample = [TRUN_DURATION, TRUN_SIZE, TRUN_FLAGS, TRUN_CTO].filter((f) => flags & f).length * 4;
  // Checked before the loop, so a forged count cannot make us spin over missing bytes.
  if (count * perSample > fields.remaining) throw new Fmp4ParseError('truncated', `trun declares ${count} samples, its ${fields.remaining} bytes hold fewer`);
  const samples: TrunSample[] = [];
  for (let i = 0; i < count; i++) {
    const s: TrunSample = { cto: 0 };
    if (flags & TRUN_DURATION) s.duration = fields.u32();
    if (flags & TRUN_SIZE) s.size = fields.u32();
    if (flags & TRUN_FLAGS) s.flags = fields.u32();
    if (flags & TRUN_CTO) s.cto = version === 0 ? fields.u32() : fields.i32();
    if (i === 0 && firstFlags !== undefined) s.flags = firstFlags;
    samples.push(s);
  }
  return { dataOffset, samples };
}

/** Sequential big-endian reads that name the box when they run out. */
class FieldReader {
  private at = 0;

  constructor(
    private readonly buf: Buffer,
    private readonly what: string,
  ) {}

  get remaining(): number {
    return this.buf.length - this.at;
  }

  u32(): number {
    return this.buf.readUInt32BE(this.advance(4));
  }

  i32(): number {
    return this.buf.readInt32BE(this.advance(4));
  }

  u64(): number {
    const value = this.buf.readBigUInt64BE(this.advance(8));
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Fmp4ParseError('unsupported', `${this.what}: ${value} is beyond 2^53`);
    return Number(value);
  }

  private advance(n: number): number {
    if (this.at + n > this.buf.length) throw new Fmp4ParseError('truncated', `${this.what} is too short`);
    const at = this.at;
    this.at += n;
    return at;
  }
}
