// The NT hash (MD4 of the UTF-16LE password) that NTLM checks a password against: what an RDP server's
// SAM file holds instead of the password. Node's OpenSSL 3 ships MD4 in its legacy provider only, so
// MD4 (RFC 1320) is written out here; a dozen lines of a public algorithm, tested on the RFC's vectors.

const ROUND2 = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
const ROUND3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
const SHIFTS = [
  [3, 7, 11, 19],
  [3, 5, 9, 13],
  [3, 9, 11, 15],
] as const;

/** MD4 of `input` (RFC 1320), 16 bytes. */
export function md4(input: Uint8Array): Buffer {
  const blocks = ((input.length + 8) >>> 6) + 1;
  const words = new Uint32Array(blocks * 16);
  for (let i = 0; i < input.length; i++) words[i >> 2]! |= input[i]! << ((i % 4) * 8);
  words[input.length >> 2]! |= 0x80 << ((input.length % 4) * 8);
  words[blocks * 16 - 2] = (input.length * 8) >>> 0;
  words[blocks * 16 - 1] = Math.floor(input.length / 0x20000000);
  const state = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const rotl = (x: number, s: number): number => (x << s) | (x >>> (32 - s));
  const rounds: ((b: number, c: number, d: number, x: Uint32Array, k: number) => number)[] = [
    (b, c, d, x, k) => ((b & c) | (~b & d)) + x[k]!,
    (b, c, d, x, k) => ((b & c) | (b & d) | (c & d)) + x[ROUND2[k]!]! + 0x5a827999,
    (b, c, d, x, k) => (b ^ c ^ d) + x[ROUND3[k]!]! + 0x6ed9eba1,
  ];
  for (let offset = 0; offset < words.length; offset += 16) {
    const x = words.subarray(offset, offset + 16);
    let [a, b, c, d] = state as [number, number, number, number];
    for (const [round, step] of rounds.entries()) {
      for (let k = 0; k < 16; k++) {
        const t = (a + step(b, c, d, x, k)) | 0;
        [a, d, c, b] = [d, c, b, rotl(t, SHIFTS[round]![k % 4]!)];
      }
    }
    state[0] = (state[0]! + a) | 0;
    state[1] = (state[1]! + b) | 0;
    state[2] = (state[2]! + c) | 0;
    state[3] = (state[3]! + d) | 0;
  }
  const out = Buffer.alloc(16);
  state.forEach((word, i) => out.writeInt32LE(word, i * 4));
  return out;
}

/** The NT hash of a password, as 32 hex digits. */
export function ntHash(password: string): string {
  return md4(Buffer.from(password, 'utf16le')).toString('hex');
}
