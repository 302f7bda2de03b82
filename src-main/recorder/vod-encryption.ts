import crypto from 'node:crypto';
import { contentKey, encryptWithIv, kidOf, parseKid } from '../servers/hls/ll/content-keys.js';
import { contentProtection, PROTECTION_NAMESPACES } from '../servers/hls/ll/ll-mpd.js';
import { rewriteAttr } from '../servers/hls/mpd.js';
import { appendQuery, isRelativeUri, parseMediaPlaylist, writeMediaPlaylist } from '../servers/hls/playlist.js';
import { VOD_SEGMENT_SECONDS } from './vod-args.js';

/**
 * The VOD of a recording of an encrypted stream, encrypted as it is served (AES-128, as the live
 * stream was): its media playlists name each segment as `aes-r<rotation>-<file>` under an EXT-X-KEY
 * with the segment's own IV (derived from its name, so the file needs no index), and its keys rotate
 * every `rotation` segments by the number in the segment's name. Initialization sections stay clear.
 * The `aes-` names keep encrypted and clear copies of one file apart in every cache, and the rotation
 * in them keeps a copy cached for a year in step with its key after the rotation is changed (the
 * playlists then name other files). Pure but for hashing.
 */

export const ENCRYPTED_SEGMENT_PREFIX = 'aes-';
const MAX_ROTATION = 10_000;

/**
 * The clear file an encrypted name stands for, and the rotation it was encrypted under: `aes-r30-<file>`
 * -> {file, rotation: 30}; `aes-<file>` (named before the rotation was) -> rotation null, the configured
 * one. Null for a name that is not an encrypted one, or names a rotation out of range.
 */
export function parseEncryptedName(name: string): { file: string; rotation: number | null } | null {
  if (!name.startsWith(ENCRYPTED_SEGMENT_PREFIX)) return null;
  const rest = name.slice(ENCRYPTED_SEGMENT_PREFIX.length);
  const m = /^r(\d{1,5})-(.+)$/.exec(rest);
  if (!m) return { file: rest, rotation: null };
  const rotation = Number(m[1]);
  return rotation >= 1 && rotation <= MAX_ROTATION ? { file: m[2]!, rotation } : null;
}

/**
 * The stream that made `recording`: the stream of its name, unless that stream was created after the
 * recording began (the one that made it was deleted and its name given to a new stream). Such a
 * recording, like one of a deleted stream, follows nothing of the new stream: not its encryption,
 * not its viewers' credentials.
 */
export function streamThatMade<S extends { createdAt: number }>(stream: S | undefined, recording: { startedAt: number }): S | undefined {
  return stream && stream.createdAt <= recording.startedAt ? stream : undefined;
}

/** The number ffmpeg put at the end of a segment's name (`chunk-g1-stream0-00042.m4s` -> 42), else 0. */
export function segmentNumberOf(file: string): number {
  const m = /(\d{1,9})\.[a-z0-9]+$/i.exec(file);
  return m ? Number(m[1]) : 0;
}

export class VodKeys {
  readonly epoch: string;
  readonly rotation: number;

  constructor(
    readonly recordingId: string,
    rotation: number,
    private readonly master: string,
  ) {
    this.rotation = Math.min(MAX_ROTATION, Math.max(1, Math.floor(rotation)));
    this.epoch = crypto.createHash('sha256').update(`vod\n${recordingId}`).digest('hex').slice(0, 16);
  }

  periodOf(file: string, rotation = this.rotation): number {
    return Math.floor(segmentNumberOf(file) / rotation);
  }

  kidOf(file: string, rotation = this.rotation): string {
    return kidOf(this.epoch, this.periodOf(file, rotation));
  }

  /** The name a playlist gives `file` encrypted under this rotation. */
  encryptedName(file: string): string {
    return `${ENCRYPTED_SEGMENT_PREFIX}r${this.rotation}-${file}`;
  }

  ivOf(file: string): Buffer {
    return crypto.createHash('sha256').update(`iv\n${this.recordingId}\n${file}`).digest().subarray(0, 16);
  }

  /** The key named `kid` of a VOD `durationSec` long (its segments are VOD_SEGMENT_SECONDS; two spare for rounding). */
  keyForDuration(kid: string, durationSec: number): Buffer | null {
    return this.keyOf(kid, Math.ceil(durationSec / VOD_SEGMENT_SECONDS) + 2);
  }

  /**
   * The key named `kid`, or null when this VOD has no such key (another epoch, a period past its
   * `segments`). Any rotation's periods count, not only the configured one's: a player may hold a
   * playlist (or a cached segment) named under the rotation before a change.
   */
  keyOf(kid: string, segments: number): Buffer | null {
    const wanted = parseKid(kid);
    if (!wanted || wanted.epoch !== this.epoch || wanted.period > segments) return null;
    return contentKey(this.master, `vod/${this.recordingId}`, kid);
  }

  /**
   * Common Encryption (its DASH manifest, cbcs): one key for the whole VOD, under a key id of an epoch
   * of its own (never one of the AES-128 keys), with one constant IV. Derived, as the AES-128 keys are.
   */
  get cbcsKid(): string {
    return kidOf(crypto.createHash('sha256').update(`vod-cbcs\n${this.recordingId}`).digest('hex').slice(0, 16), 0);
  }

  cbcsKey(): Buffer {
    return contentKey(this.master, `vod/${this.recordingId}`, this.cbcsKid);
  }

  get cbcsIv(): Buffer {
    return crypto.createHash('sha256').update(`iv-cbcs\n${this.recordingId}`).digest().subarray(0, 16);
  }

  /** Segment `file`'s bytes encrypted under `rotation` (the answer to `aes-r<rotation>-<file>`). */
  encrypt(file: string, data: Buffer, rotation = this.rotation): Buffer {
    return encryptWithIv(contentKey(this.master, `vod/${this.recordingId}`, this.kidOf(file, rotation)), this.ivOf(file), data);
  }
}

/**
 * A VOD media playlist with every segment encrypted: its URI becomes `aes-r<rotation>-<uri>`, and an EXT-X-KEY
 * (METHOD=AES-128, `keys/<kid>` with the viewer's `query`, the segment's IV) goes before it.
 */
export function encryptVodPlaylist(text: string, keys: VodKeys, query: string): string {
  const pl = parseMediaPlaylist(text);
  for (const seg of pl.segments) {
    if (!isRelativeUri(seg.uri) || seg.uri.includes('/')) continue;
    const file = seg.uri.split('?')[0]!;
    seg.key = { METHOD: 'AES-128', URI: appendQuery(`keys/${keys.kidOf(file)}`, query), IV: `0x${keys.ivOf(file).toString('hex')}` };
    seg.uri = keys.encryptedName(seg.uri);
  }
  return writeMediaPlaylist(pl);
}

/** What an encrypted VOD's DASH manifest names its segments and initialization sections (Common Encryption, cbcs). */
export const CBCS_PREFIX = 'cbcs-';

/**
 * An encrypted VOD's DASH manifest: every initialization section and segment named `cbcs-<file>`
 * (served protected with the VOD's cbcs key), and in each audio and video AdaptationSet the cbcs ContentProtection
 * with the key id and the ClearKey licence server at `licenceUrl` (as a live cbcs stream's MPD).
 */
export function protectVodMpd(xml: string, kid: string, licenceUrl: string): string {
  // The segment templates' names only: a BaseURL is a subtitle file's, served clear.
  const prefixed = (name: string): string => (isRelativeUri(name) ? CBCS_PREFIX + name : name);
  const renamed = rewriteAttr(rewriteAttr(xml, 'SegmentTemplate', 'initialization', prefixed), 'SegmentTemplate', 'media', prefixed);
  const namespaces = Object.entries(PROTECTION_NAMESPACES)
    .filter(([name]) => !new RegExp(`<MPD\\b[^>]*\\s${name}=`).test(renamed))
    .map(([name, value]) => ` ${name}="${value}"`)
    .join('');
  const protection = contentProtection({ kid, licenceUrl }).join('\n');
  // Text (subtitles, served clear) is not protected.
  const media = (tag: string): boolean => !/\b(?:contentType="text"|mimeType="(?:text|application)\/)/.test(tag);
  return renamed
    .replace(/<MPD\b/, (tag) => `${tag}${namespaces}`)
    .replace(/<AdaptationSet\b[^>]*?(\/?)>/g, (tag, empty: string) => (empty || !media(tag) ? tag : `${tag}\n${protection}`));
}

/** The initialization section of a VOD segment: `chunk-<gen>-stream<N>-00042.m4s` -> `init-<gen>-stream<N>.m4s`; null for another name. */
export function initOfSegment(file: string): string | null {
  const m = /^chunk-(.+)-\d{1,9}\.(m4s|mp4)$/.exec(file);
  return m ? `init-${m[1]}.${m[2]}` : null;
}
