/**
 * SRT packet sequence numbers: 31 bits that wrap. Comparisons use the signed distance on the
 * circle, valid while the two numbers are less than 2^30 apart (as libsrt's CSeqNo).
 */

export const SEQ_MAX = 0x7fffffff;
const SEQ_SPAN = 0x80000000;
const HALF = 0x40000000;

/** `seq + n`, wrapped to 31 bits (n may be negative). */
export function seqAdd(seq: number, n: number): number {
  return (((seq + n) % SEQ_SPAN) + SEQ_SPAN) % SEQ_SPAN;
}

export function seqInc(seq: number): number {
  return seq === SEQ_MAX ? 0 : seq + 1;
}

/** Signed distance from `b` to `a` (`a - b`): positive when `a` comes after `b`. */
export function seqDiff(a: number, b: number): number {
  const d = (((a - b) % SEQ_SPAN) + SEQ_SPAN) % SEQ_SPAN;
  return d >= HALF ? d - SEQ_SPAN : d;
}

/** An inclusive range of lost sequence numbers. */
export interface SeqRange {
  from: number;
  to: number;
}

const RANGE_FLAG = 0x80000000;

/**
 * The NAK loss list (compressed): a lone loss is one word with the top bit clear; a range is its
 * first number with the top bit set, followed by its last number.
 */
export function encodeLossList(ranges: readonly SeqRange[]): Buffer {
  const words: number[] = [];
  for (const { from, to } of ranges) {
    if (from === to) words.push(from);
    else words.push((from | RANGE_FLAG) >>> 0, to);
  }
  const buf = Buffer.alloc(words.length * 4);
  words.forEach((w, i) => buf.writeUInt32BE(w, i * 4));
  return buf;
}

/** Reads a loss list; a range start without its end is ignored. */
export function decodeLossList(buf: Buffer): SeqRange[] {
  const out: SeqRange[] = [];
  for (let i = 0; i + 4 <= buf.length; i += 4) {
    const word = buf.readUInt32BE(i);
    if ((word & RANGE_FLAG) === 0) {
      out.push({ from: word, to: word });
      continue;
    }
    if (i + 8 > buf.length) break;
    out.push({ from: word & SEQ_MAX, to: buf.readUInt32BE(i + 4) & SEQ_MAX });
    i += 4;
  }
  return out;
}

/** Number of sequence numbers in an inclusive range. */
export function rangeLength(range: SeqRange): number {
  return seqDiff(range.to, range.from) + 1;
}
