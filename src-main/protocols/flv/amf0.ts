/**
 * A small, bounds-checked AMF0 decoder: enough for FLV script tags (onMetaData). Malformed input
 * throws a RangeError instead of reading past the end.
 */

export type AmfValue = number | boolean | string | null | undefined | Date | AmfValue[] | { [key: string]: AmfValue };

class Cursor {
  constructor(
    readonly buf: Buffer,
    public pos = 0,
  ) {}

  need(n: number): void {
    if (this.pos + n > this.buf.length) throw new RangeError(`AMF0: needs ${n} bytes at ${this.pos}, has ${this.buf.length - this.pos}`);
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  f64(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  str(len: number): string {
    this.need(len);
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

const OBJECT_END = 0x09;
const MAX_DEPTH = 16;

function readProps(c: Cursor, target: Record<string, AmfValue>, depth: number): void {
  for (;;) {
    // Some encoders end an ECMA array at the end of the tag without the end marker.
    if (c.pos >= c.buf.length) return;
    const key = c.str(c.u16());
    if (key === '' && c.buf[c.pos] === OBJECT_END) {
      c.pos++;
      return;
    }
    target[key] = readValue(c, depth + 1);
  }
}

function readValue(c: Cursor, depth: number): AmfValue {
  if (depth > MAX_DEPTH) throw new RangeError('AMF0: nesting too deep');
  const marker = c.u8();
  switch (marker) {
    case 0x00:
      return c.f64();
    case 0x01:
      return c.u8() !== 0;
    case 0x02:
      return c.str(c.u16());
    case 0x03: {
      const obj: Record<string, AmfValue> = {};
      readProps(c, obj, depth);
      return obj;
    }
    case 0x05:
      return null;
    case 0x06:
      return undefined;
    case 0x08: {
      // ECMA array: an associative count (often wrong, so ignored) then properties like an object.
      c.u32();
      const obj: Record<string, AmfValue> = {};
      readProps(c, obj, depth);
      return obj;
    }
    case 0x0a: {
      const count = c.u32();
      const arr: AmfValue[] = [];
      for (let i = 0; i < count; i++) arr.push(readValue(c, depth + 1));
      return arr;
    }
    case 0x0b: {
      const ms = c.f64();
      c.u16();
      return new Date(ms);
    }
    case 0x0c:
      return c.str(c.u32());
    default:
      throw new RangeError(`AMF0: unsupported marker 0x${marker.toString(16)} at ${c.pos - 1}`);
  }
}

/** Decodes consecutive AMF0 values until the buffer ends. */
export function decodeAmf0(buf: Buffer): AmfValue[] {
  const c = new Cursor(buf);
  const out: AmfValue[] = [];
  while (c.pos < buf.length) out.push(readValue(c, 0));
  return out;
}

/**
 * The name and first argument of a script tag body ("onMetaData", {...}); "@setDataFrame" is
 * skipped. Undefined when the body is not valid AMF0.
 */
export function parseScriptTag(body: Buffer): { name: string; value: AmfValue } | undefined {
  try {
    const c = new Cursor(body);
    let name = readValue(c, 0);
    if (name === '@setDataFrame') name = readValue(c, 0);
    if (typeof name !== 'string') return undefined;
    const value = c.pos < body.length ? readValue(c, 0) : undefined;
    return { name, value };
  } catch {
    return undefined;
  }
}
