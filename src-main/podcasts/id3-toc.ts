import fs from 'node:fs';

/**
 * ffmpeg's MP3 muxer writes chapters as ID3v2 CHAP frames but no CTOC, the table of contents that
 * players (and the ID3v2 chapter addendum) look for first. No maintained npm library writes ID3v2.4
 * (node-id3 writes v2.3 only), so this adds the one frame to the tag ffmpeg wrote: a top-level,
 * ordered CTOC listing the CHAP element ids in order. Pure but for `addTableOfContents`.
 */

const syncsafe = (n: number): Buffer => Buffer.from([(n >> 21) & 0x7f, (n >> 14) & 0x7f, (n >> 7) & 0x7f, n & 0x7f]);
const unsyncsafe = (b: Buffer, at: number): number => (b[at]! << 21) | (b[at + 1]! << 14) | (b[at + 2]! << 7) | b[at + 3]!;

export interface Id3Frame {
  id: string;
  /** Offset of the frame header in the tag (from the 10-byte tag header). */
  at: number;
  size: number;
}

/** The frames of an ID3v2.4 tag (`tag` starts with the 10-byte header), up to the padding. */
export function id3Frames(tag: Buffer): Id3Frame[] {
  if (tag.length < 10 || tag.toString('latin1', 0, 3) !== 'ID3' || tag[3] !== 4) throw new Error('not an ID3v2.4 tag');
  const end = 10 + unsyncsafe(tag, 6);
  const frames: Id3Frame[] = [];
  let at = 10;
  while (at + 10 <= end && tag[at] !== 0) {
    const size = unsyncsafe(tag, at + 4);
    frames.push({ id: tag.toString('latin1', at, at + 4), at, size });
    at += 10 + size;
  }
  return frames;
}

/** The element id of a CHAP frame (its body starts with it, NUL-terminated). */
function chapterId(tag: Buffer, frame: Id3Frame): Buffer {
  const body = tag.subarray(frame.at + 10, frame.at + 10 + frame.size);
  return body.subarray(0, body.indexOf(0));
}

/** A CTOC frame: id "toc", top-level and ordered, the children in order, and a TIT2 sub-frame. */
export function ctocFrame(childIds: Buffer[], title = 'Chapters'): Buffer {
  const tit2Body = Buffer.concat([Buffer.from([3]), Buffer.from(title, 'utf8')]);
  const tit2 = Buffer.concat([Buffer.from('TIT2', 'latin1'), syncsafe(tit2Body.length), Buffer.from([0, 0]), tit2Body]);
  const body = Buffer.concat([Buffer.from('toc\0', 'latin1'), Buffer.from([0x03, childIds.length]), ...childIds.map((id) => Buffer.concat([id, Buffer.from([0])])), tit2]);
  return Buffer.concat([Buffer.from('CTOC', 'latin1'), syncsafe(body.length), Buffer.from([0, 0]), body]);
}

/**
 * The tag with a CTOC after its frames (the padding dropped), its header's size updated; null when it
 * has no CHAP frame or already a CTOC. At most 255 chapters (the frame's count is one byte).
 */
export function withTableOfContents(tag: Buffer): Buffer | null {
  const frames = id3Frames(tag);
  if (frames.some((f) => f.id === 'CTOC')) return null;
  const chapters = frames.filter((f) => f.id === 'CHAP').slice(0, 255);
  if (chapters.length === 0) return null;
  const last = frames[frames.length - 1]!;
  const framesEnd = last.at + 10 + last.size;
  const ctoc = ctocFrame(chapters.map((f) => chapterId(tag, f)));
  const header = Buffer.from(tag.subarray(0, 10));
  // Footer flag off: ffmpeg writes none, and a footer would have to move too.
  header[5] = header[5]! & ~0x10;
  syncsafe(framesEnd - 10 + ctoc.length).copy(header, 6);
  return Buffer.concat([header, tag.subarray(10, framesEnd), ctoc]);
}

/** Rewrites `file` (an MP3 whose ID3v2.4 tag ffmpeg wrote) with a CTOC; false when none was needed. */
export async function addTableOfContents(file: string): Promise<boolean> {
  const handle = await fs.promises.open(file, 'r');
  let tag: Buffer;
  let tagEnd: number;
  try {
    const header = Buffer.alloc(10);
    await handle.read(header, 0, 10, 0);
    if (header.toString('latin1', 0, 3) !== 'ID3') return false;
    tagEnd = 10 + unsyncsafe(header, 6);
    tag = Buffer.alloc(tagEnd);
    await handle.read(tag, 0, tagEnd, 0);
  } finally {
    await handle.close();
  }
  const updated = withTableOfContents(tag);
  if (!updated) return false;
  const tmp = `${file}.toc`;
  await fs.promises.writeFile(tmp, updated);
  await new Promise<void>((resolve, reject) => {
    const out = fs.createWriteStream(tmp, { flags: 'a' });
    fs.createReadStream(file, { start: tagEnd }).on('error', reject).pipe(out).on('error', reject).on('finish', () => resolve());
  });
  await fs.promises.rename(tmp, file);
  return true;
}
