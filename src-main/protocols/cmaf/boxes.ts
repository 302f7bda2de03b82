/**
 * ISO base media file format (ISO/IEC 14496-12) boxes: reading headers (32-bit size, 64-bit
 * largesize, `uuid` types), walking children, full-box version and flags, and writing boxes.
 * Pure: Buffers in, Buffers out; every read is bounds-checked and a bad box throws Fmp4ParseError.
 */

export type Fmp4ParseErrorReason = 'not-fmp4' | 'too-large' | 'truncated' | 'malformed' | 'unsupported';

/** Input that is not the fragmented MP4 we expect; `reason` is stable, the message is for people. */
export class Fmp4ParseError extends Error {
  override readonly name = 'Fmp4ParseError';

  constructor(
    readonly reason: Fmp4ParseErrorReason,
    message: string,
  ) {
    super(message);
  }
}

export interface BoxHeader {
  /** Four characters (latin1); for `uuid` boxes still `uuid`. */
  type: string;
  /** Bytes of the whole box, header included; null when size is 0 ("to the end of the file"). */
  size: number | null;
  /** 8, 16 with a largesize, +16 for a `uuid` box's extended type. */
  headerSize: number;
}

export interface Box {
  type: string;
  /** Offset of the box's first byte in the buffer it was read from. */
  start: number;
  /** Bytes of the whole box, header included. */
  size: number;
  headerSize: number;
  /** What follows the header: a view into the source buffer, not a copy. */
  payload: Buffer;
}

export interface FullBox {
  version: number;
  flags: number;
  /** What follows version and flags: a view. */
  body: Buffer;
}

/**
 * The header of the box at `at`, or null while fewer bytes than the header needs are there (a
 * stream reader then waits for more). A size below the header's own is an error.
 */
export function readBoxHeader(buf: Buffer, at = 0): BoxHeader | null {
  if (buf.length < at + 8) return null;
  const size32 = buf.readUInt32BE(at);
  const type = buf.toString('latin1', at + 4, at + 8);
  let headerSize = 8;
  let size: number | null = size32;
  if (size32 === 1) {
    if (buf.length < at + 16) return null;
    const large = buf.readBigUInt64BE(at + 8);
    if (large > BigInt(Number.MAX_SAFE_INTEGER)) throw new Fmp4ParseError('too-large', `box "${type}" declares ${large} bytes`);
    size = Number(large);
    headerSize = 16;
  } else if (size32 === 0) {
    size = null;
  }
  if (type === 'uuid') {
    if (buf.length < at + headerSize + 16) return null;
    headerSize += 16;
  }
  if (size !== null && size < headerSize) throw new Fmp4ParseError('malformed', `box "${printable(type)}" declares ${size} bytes, less than its ${headerSize}-byte header`);
  return { type, size, headerSize };
}

/** The boxes that fill `buf` back to back; a box running past the end (or a partial header) throws. */
export function* iterateBoxes(buf: Buffer): Generator<Box> {
  let at = 0;
  while (at < buf.length) {
    const header = readBoxHeader(buf, at);
    if (!header) throw new Fmp4ParseError('truncated', `${buf.length - at} stray bytes where a box header should be`);
    const size = header.size ?? buf.length - at;
    if (at + size > buf.length) throw new Fmp4ParseError('truncated', `box "${printable(header.type)}" needs ${size} bytes, ${buf.length - at} are there`);
    yield { type: header.type, start: at, size, headerSize: header.headerSize, payload: buf.subarray(at + header.headerSize, at + size) };
    at += size;
  }
}

/** All boxes of `container` (a payload holding boxes) of one type. */
export function findChildren(container: Buffer, type: string): Box[] {
  return [...iterateBoxes(container)].filter((b) => b.type === type);
}

/** The first box along a path of types, each inside the previous one's payload: `findBox(moov, 'trak', 'tkhd')`. */
export function findBox(container: Buffer, ...path: string[]): Box | undefined {
  let found: Box | undefined;
  let inside = container;
  for (const type of path) {
    found = undefined;
    for (const b of iterateBoxes(inside)) {
      if (b.type === type) {
        found = b;
        break;
      }
    }
    if (!found) return undefined;
    inside = found.payload;
  }
  return found;
}

/** Like findBox, but a missing box is an error naming the path. */
export function requireBox(container: Buffer, ...path: string[]): Box {
  const found = findBox(container, ...path);
  if (!found) throw new Fmp4ParseError('malformed', `no ${path.join('/')} box`);
  return found;
}

/** Version (8 bits) and flags (24 bits) of a full box's payload. */
export function readFullBox(payload: Buffer): FullBox {
  if (payload.length < 4) throw new Fmp4ParseError('truncated', 'a full box needs 4 bytes of version and flags');
  return { version: payload[0]!, flags: payload.readUIntBE(1, 3), body: payload.subarray(4) };
}

/** A box around `payloads`. */
export function box(type: string, ...payloads: Buffer[]): Buffer {
  return Buffer.concat([boxHeader(type, payloads.reduce((sum, p) => sum + p.length, 0)), ...payloads]);
}

/** The header of a box with `payloadSize` bytes after it; a largesize only when 32 bits cannot hold the size. */
export function boxHeader(type: string, payloadSize: number): Buffer {
  if (Buffer.byteLength(type, 'latin1') !== 4) throw new RangeError(`box type must be four characters, got "${type}"`);
  const large = payloadSize + 8 > 0xffffffff;
  const header = Buffer.alloc(large ? 16 : 8);
  header.writeUInt32BE(large ? 1 : payloadSize + 8, 0);
  header.write(type, 4, 'latin1');
  if (large) header.writeBigUInt64BE(BigInt(payloadSize + 16), 8);
  return header;
}

/** A full box: version and 24-bit flags, then `payloads`. */
export function fullBox(type: string, version: number, flags: number, ...payloads: Buffer[]): Buffer {
  const vf = Buffer.alloc(4);
  vf[0] = version;
  vf.writeUIntBE(flags & 0xffffff, 1, 3);
  return box(type, vf, ...payloads);
}

/** Big-endian unsigned integers of the given byte widths, for building box payloads. */
export function u(width: 1 | 2 | 4 | 8, value: number): Buffer {
  const buf = Buffer.alloc(width);
  if (width === 8) buf.writeBigUInt64BE(BigInt(value));
  else buf.writeUIntBE(value, 0, width);
  return buf;
}

/** A type for messages: binary garbage is shown as hex, not as control characters. */
export function printable(type: string): string {
  return /^[\x20-\x7e]{4}$/.test(type) ? type : `0x${Buffer.from(type, 'latin1').toString('hex')}`;
}
