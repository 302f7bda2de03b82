/**
 * The RFC 6381 name of an HEVC track, read from its init segment's hvcC box: ffmpeg's dash muxer
 * writes a bare "hvc1" into the HLS master, which Safari and MSE's isTypeSupported refuse; the full
 * form is hvc1.<profile>.<compatibility>.<tier><level>[.<constraints>] (ISO/IEC 14496-15 annex E). Pure.
 */
export function hevcCodecString(init: Uint8Array): string | null {
  const buf = Buffer.from(init.buffer, init.byteOffset, init.byteLength);
  const at = buf.indexOf('hvcC');
  if (at === -1 || at + 4 + 13 > buf.length) return null;
  const p = at + 4;
  const byte1 = buf[p + 1]!;
  const space = ['', 'A', 'B', 'C'][byte1 >> 6]!;
  const tier = (byte1 >> 5) & 1 ? 'H' : 'L';
  const profile = byte1 & 0x1f;
  // The 32 compatibility flags in reverse bit order, as hex without leading zeros.
  let flags = buf.readUInt32BE(p + 2);
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    reversed = (reversed << 1) | (flags & 1);
    flags >>>= 1;
  }
  const constraints = [...buf.subarray(p + 6, p + 12)];
  while (constraints.length > 0 && constraints.at(-1) === 0) constraints.pop();
  const level = buf[p + 12]!;
  const parts = [`hvc1`, `${space}${profile}`, (reversed >>> 0).toString(16).toUpperCase(), `${tier}${level}`, ...constraints.map((c) => c.toString(16).toUpperCase().padStart(2, '0'))];
  return parts.join('.');
}

/** The master with each variant's bare "hvc1" replaced by its full name (keyed by media playlist URI). */
export function masterWithHevcCodecs(master: string, byPlaylist: ReadonlyMap<string, string>): string {
  const lines = master.split('\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i]!;
    const full = byPlaylist.get(lines[i + 1]!.trim());
    if (!line.startsWith('#EXT-X-STREAM-INF:') || !full) continue;
    lines[i] = line.replace(/CODECS="([^"]*)"/, (_, list: string) => `CODECS="${list.split(',').map((c) => (c === 'hvc1' ? full : c)).join(',')}"`);
  }
  return lines.join('\n');
}
