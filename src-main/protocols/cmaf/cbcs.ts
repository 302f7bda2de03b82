/**
 * Common Encryption with the `cbcs` scheme (ISO/IEC 23001-7 10.4): what a CMAF track needs to be
 * played through EME (ClearKey here; the same bytes serve any DRM system that speaks cbcs).
 *
 * - The init section's sample entry becomes `encv`/`enca` with a `sinf` (`frma` the original format,
 *   `schm` cbcs, `tenc` v1 with the key id, a 1:9 pattern for video and none for audio, and a constant
 *   IV), and the moov gets a ClearKey `pssh` naming the key id.
 * - Video samples (H.264/H.265, length-prefixed NAL units) are encrypted per subsample: every NAL unit
 *   that carries a slice keeps its length, its header and the start of its slice (`SLICE_LEADER` bytes,
 *   where the slice header is) clear, and its rest is protected with the 1:9 pattern (the first of every
 *   ten 16-byte blocks encrypted, AES-128-CBC chained over the encrypted blocks, from the constant IV at
 *   each subsample); other NAL units (parameter sets, SEI, delimiters) stay clear. Audio samples are
 *   encrypted whole, every full block, in one chain. A trailing partial block is always clear.
 * - Each fragment's `traf` carries `senc` (the subsamples; no per-sample IV, the IV is constant) and the
 *   `saiz`/`saio` pair that points at it, as players that read auxiliary information need.
 * - Key rotation (the `seig` sample group of the same standard): a fragment encrypted with another key than the
 *   init section's `tenc` names it in a fragment-local `seig` sample group (`sgpd` + `sbgp` in its
 *   `traf`), and a `pssh` in its `moof` names the keys a player should ask for (this one and the next),
 *   which makes EME raise a new `encrypted` event and the player ask the licence server ahead.
 */
import crypto from 'node:crypto';
import { box, findBox, findChildren, fullBox, iterateBoxes, readFullBox, requireBox, u, Fmp4ParseError, type Box } from './boxes.js';

/** The W3C ClearKey system id (EME, `urn:uuid:e2719d58-...` in DASH is the older name of the same keys). */
export const CLEARKEY_SYSTEM_ID = '1077efecc0b24d02ace33c1e52e2fb4b';
/** DASH-IF's ClearKey ContentProtection scheme. */
export const CLEARKEY_DASH_SCHEME = 'urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e';

/** Bytes after a slice NAL unit's length kept clear: its header and the slice header's usual length. */
export const SLICE_LEADER = 32;
const BLOCK = 16;
const VIDEO_PATTERN = { crypt: 1, skip: 9 } as const;

export interface Subsample {
  clear: number;
  protected: number;
}

/** How one track is protected: what `protectInit` found and every sample's encryption needs. */
export interface CbcsTrack {
  key: Buffer;
  /** The constant IV (16 bytes), written in `tenc`. */
  iv: Buffer;
  /** NAL units of this codec, length-prefixed with `nalLengthSize` bytes; null: audio, encrypted whole. */
  nal: 'avc' | 'hevc' | null;
  nalLengthSize: number;
}

export interface ProtectedSample {
  data: Buffer;
  /** Null for a sample encrypted whole (audio). */
  subsamples: Subsample[] | null;
}

/** The full AES-128 blocks of `range` encrypted in place (all, or `crypt` of every `crypt + skip`), one CBC chain from `iv`. */
function encryptBlocks(key: Buffer, iv: Buffer, range: Buffer, pattern: { crypt: number; skip: number } | null): void {
  const whole = Math.floor(range.length / BLOCK);
  if (whole === 0) return;
  const cipher = crypto.createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  if (!pattern) {
    cipher.update(range.subarray(0, whole * BLOCK)).copy(range, 0);
    return;
  }
  const period = pattern.crypt + pattern.skip;
  for (let b = 0; b < whole; b += period) {
    const n = Math.min(pattern.crypt, whole - b);
    cipher.update(range.subarray(b * BLOCK, (b + n) * BLOCK)).copy(range, b * BLOCK);
  }
}

const isSlice = (nal: 'avc' | 'hevc', first: number): boolean => (nal === 'avc' ? (first & 0x1f) >= 1 && (first & 0x1f) <= 5 : ((first >> 1) & 0x3f) <= 31);

/** One sample of `track` encrypted (a copy; the input is not changed) with its subsamples. */
export function protectSample(track: CbcsTrack, sample: Buffer): ProtectedSample {
  const data = Buffer.from(sample);
  if (!track.nal) {
    encryptBlocks(track.key, track.iv, data, null);
    return { data, subsamples: null };
  }
  const subsamples: Subsample[] = [];
  let clear = 0;
  const pushClear = (n: number): void => {
    clear += n;
    while (clear > 0xffff) {
      subsamples.push({ clear: 0xffff, protected: 0 });
      clear -= 0xffff;
    }
  };
  const size = track.nalLengthSize;
  let at = 0;
  while (at < data.length) {
    if (at + size > data.length) throw new Fmp4ParseError('malformed', 'a NAL unit length runs past the sample');
    const length = data.readUIntBE(at, size);
    const end = at + size + length;
    if (end > data.length || length === 0) throw new Fmp4ParseError('malformed', `a NAL unit of ${length} bytes does not fit its sample`);
    if (isSlice(track.nal, data[at + size]!) && length > SLICE_LEADER + BLOCK) {
      pushClear(size + SLICE_LEADER);
      const range = data.subarray(at + size + SLICE_LEADER, end);
      encryptBlocks(track.key, track.iv, range, VIDEO_PATTERN);
      subsamples.push({ clear, protected: range.length });
      clear = 0;
    } else {
      pushClear(size + length);
    }
    at = end;
  }
  if (clear > 0 || subsamples.length === 0) subsamples.push({ clear, protected: 0 });
  return { data, subsamples };
}

/** `senc`, `saiz` and `saio` of a fragment's samples; `saio`'s offset is filled by `placeAuxInfo`. */
export function auxInfoBoxes(samples: readonly ProtectedSample[]): Buffer[] {
  const withSubsamples = samples.some((s) => s.subsamples);
  const entries = samples.map((s) => {
    if (!s.subsamples) return Buffer.alloc(0);
    const entry = Buffer.alloc(2 + 6 * s.subsamples.length);
    entry.writeUInt16BE(s.subsamples.length, 0);
    s.subsamples.forEach((sub, i) => {
      entry.writeUInt16BE(sub.clear, 2 + i * 6);
      entry.writeUInt32BE(sub.protected, 4 + i * 6);
    });
    return entry;
  });
  const sizes = entries.map((e) => e.length);
  if (sizes.some((s) => s > 0xff)) throw new RangeError('a sample has more subsamples than saiz can describe (42)');
  const uniform = sizes.every((s) => s === sizes[0]);
  const saiz = uniform && sizes[0]! > 0 ? fullBox('saiz', 0, 0, u(1, sizes[0] ?? 0), u(4, samples.length)) : fullBox('saiz', 0, 0, u(1, 0), u(4, samples.length), Buffer.from(sizes));
  const saio = fullBox('saio', 0, 0, u(4, 1), u(4, 0));
  const senc = fullBox('senc', 0, withSubsamples ? 2 : 0, u(4, samples.length), ...entries);
  return [saiz, saio, senc];
}

/** In a written moof, `saio`'s offset set to the first auxiliary byte: `senc`'s first entry, from the moof's start. */
export function placeAuxInfo(moof: Buffer): void {
  const traf = requireBox(moof.subarray(8), 'traf');
  const trafStart = 8 + traf.start + traf.headerSize;
  let saio: Box | undefined;
  let senc: Box | undefined;
  for (const child of iterateBoxes(traf.payload)) {
    if (child.type === 'saio') saio = child;
    if (child.type === 'senc') senc = child;
  }
  if (!saio || !senc) throw new Fmp4ParseError('malformed', 'the fragment has no saio and senc to place');
  // senc: header, version and flags (4), sample_count (4), then the entries.
  const first = trafStart + senc.start + senc.headerSize + 8;
  moof.writeUInt32BE(first, trafStart + saio.start + saio.headerSize + 8);
}

/** A ClearKey `pssh` (version 1) naming `kids` (16 bytes each). */
export function clearKeyPssh(...kids: Buffer[]): Buffer {
  return fullBox('pssh', 1, 0, Buffer.from(CLEARKEY_SYSTEM_ID, 'hex'), u(4, kids.length), ...kids, u(4, 0));
}

/**
 * What `tenc` (after its version and flags) and a `seig` entry share: reserved, the pattern (video 1:9,
 * audio none), isProtected, Per_Sample_IV_Size 0, the key id, then the constant IV and its size.
 */
function encryptionInfo(kid: Buffer, iv: Buffer, video: boolean): Buffer {
  const pattern = video ? (VIDEO_PATTERN.crypt << 4) | VIDEO_PATTERN.skip : 0;
  return Buffer.concat([u(1, 0), u(1, pattern), u(1, 1), u(1, 0), kid, u(1, iv.length), iv]);
}

const tenc = (kid: Buffer, iv: Buffer, video: boolean): Buffer => fullBox('tenc', 1, 0, encryptionInfo(kid, iv, video));

/** sbgp's group_description_index of a fragment's own first sample group description (14496-12 8.9.4). */
const FRAGMENT_LOCAL_GROUP = 0x10001;

/**
 * A fragment's `sbgp` and `sgpd` that put all its `sampleCount` samples of `track` under the key `kid`
 * (a `seig` entry: key rotation), for its `traf` beside `auxInfoBoxes`.
 */
export function keyGroupBoxes(track: CbcsTrack, kid: Buffer, sampleCount: number): Buffer[] {
  if (kid.length !== 16) throw new RangeError('a key id is 16 bytes');
  const entry = encryptionInfo(kid, track.iv, track.nal !== null);
  const sbgp = fullBox('sbgp', 0, 0, Buffer.from('seig', 'latin1'), u(4, 1), u(4, sampleCount), u(4, FRAGMENT_LOCAL_GROUP));
  const sgpd = fullBox('sgpd', 1, 0, Buffer.from('seig', 'latin1'), u(4, entry.length), u(4, 1), entry);
  return [sbgp, sgpd];
}

// Sample entry layouts (ISO/IEC 14496-12 12.1.3, 12.2.3): fixed fields, then child boxes.
const VISUAL_ENTRY_FIELDS = 78;
const AUDIO_ENTRY_FIELDS = 28;

/**
 * An init section (ftyp + moov of one track) made protected (see the file header), and the track's
 * encryption as `protectSample` needs it. Video must be H.264 or H.265; audio any codec. `extraPssh`:
 * other DRM systems' whole `pssh` boxes, added after ClearKey's.
 */
export function protectInit(init: Buffer, kid: Buffer, key: Buffer, iv: Buffer, extraPssh: readonly Buffer[] = []): { init: Buffer; track: CbcsTrack } {
  if (kid.length !== 16 || key.length !== 16 || iv.length !== 16) throw new RangeError('kid, key and IV must be 16 bytes each');
  let track: CbcsTrack | null = null;
  const out: Buffer[] = [];
  for (const top of iterateBoxes(init)) {
    if (top.type !== 'moov') {
      out.push(init.subarray(top.start, top.start + top.size));
      continue;
    }
    const moovChildren: Buffer[] = [];
    for (const child of iterateBoxes(top.payload)) {
      const whole = top.payload.subarray(child.start, child.start + child.size);
      if (child.type !== 'trak') {
        if (child.type !== 'pssh') moovChildren.push(whole);
        continue;
      }
      moovChildren.push(
        rebuild(child, ['mdia', 'minf', 'stbl', 'stsd'], (stsdBox) => {
          const stsd = readFullBox(stsdBox.payload);
          const entry = iterateBoxes(stsd.body.subarray(4)).next().value as Box | undefined;
          if (!entry) throw new Fmp4ParseError('malformed', 'stsd has no sample entry');
          const handler = readFullBox(requireBox(child.payload, 'mdia', 'hdlr').payload).body.toString('latin1', 4, 8);
          const video = handler === 'vide';
          const fields = video ? VISUAL_ENTRY_FIELDS : AUDIO_ENTRY_FIELDS;
          let nal: CbcsTrack['nal'] = null;
          let nalLengthSize = 4;
          if (video) {
            const children = entry.payload.subarray(fields);
            const avcC = findBox(children, 'avcC');
            const hvcC = findBox(children, 'hvcC');
            if (avcC && avcC.payload.length >= 5) [nal, nalLengthSize] = ['avc', (avcC.payload[4]! & 3) + 1];
            else if (hvcC && hvcC.payload.length >= 22) [nal, nalLengthSize] = ['hevc', (hvcC.payload[21]! & 3) + 1];
            else throw new Fmp4ParseError('unsupported', `cbcs encryption of "${entry.type}" video is not supported (H.264 and H.265 are)`);
          }
          track = { key, iv, nal, nalLengthSize };
          const sinf = box('sinf', box('frma', Buffer.from(entry.type, 'latin1')), fullBox('schm', 0, 0, Buffer.from('cbcs', 'latin1'), u(4, 0x10000)), box('schi', tenc(kid, iv, video)));
          const protectedEntry = box(video ? 'encv' : 'enca', entry.payload, sinf);
          return fullBox('stsd', stsd.version, stsd.flags, u(4, 1), protectedEntry);
        }),
      );
    }
    moovChildren.push(clearKeyPssh(kid), ...extraPssh);
    out.push(box('moov', ...moovChildren));
  }
  if (!track) throw new Fmp4ParseError('malformed', 'the init section has no track to protect');
  return { init: Buffer.concat(out), track };
}

/** `parent` (a box) with the box at `path` below it replaced by `edit`'s, every box on the way resized. */
function rebuild(parent: Box, path: string[], edit: (target: Box) => Buffer): Buffer {
  const [next, ...rest] = path;
  const children: Buffer[] = [];
  let found = false;
  for (const child of iterateBoxes(parent.payload)) {
    if (child.type === next && !found) {
      found = true;
      children.push(rest.length === 0 ? edit(child) : rebuild(child, rest, edit));
    } else {
      children.push(parent.payload.subarray(child.start, child.start + child.size));
    }
  }
  if (!found) throw new Fmp4ParseError('malformed', `${parent.type} has no ${next}`);
  return box(parent.type, ...children);
}

/** The key ids the ClearKey `pssh` boxes of an init section's `moov` or a fragment's `moof` name, in hex (what a player reads from them). */
export function psshKids(section: Buffer): string[] {
  const top = findBox(section, 'moov') ?? findBox(section, 'moof');
  if (!top) return [];
  return findChildren(top.payload, 'pssh').flatMap((p) => {
    const full = readFullBox(p.payload);
    if (full.version < 1 || full.body.toString('hex', 0, 16) !== CLEARKEY_SYSTEM_ID) return [];
    const count = full.body.readUInt32BE(16);
    return Array.from({ length: count }, (_, i) => full.body.toString('hex', 20 + i * 16, 36 + i * 16));
  });
}
