import crypto from 'node:crypto';
import { contentKey, encryptWithIv, kidOf, parseKid } from '../servers/hls/ll/content-keys.js';
import { appendQuery, isRelativeUri, parseMediaPlaylist, writeMediaPlaylist } from '../servers/hls/playlist.js';
import { VOD_SEGMENT_SECONDS } from './vod-args.js';

/**
 * The VOD of a recording of an encrypted stream, encrypted as it is served (AES-128, as the live
 * stream was): its media playlists name each segment as `aes-<file>` under an EXT-X-KEY with the
 * segment's own IV (derived from its name, so the file needs no index), and its keys rotate every
 * `rotation` segments by the number in the segment's name. Initialization sections stay clear. The
 * `aes-` names keep encrypted and clear copies of one file apart in every cache. Pure but for hashing.
 */

export const ENCRYPTED_SEGMENT_PREFIX = 'aes-';

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

  constructor(
    readonly recordingId: string,
    readonly rotation: number,
    private readonly master: string,
  ) {
    this.epoch = crypto.createHash('sha256').update(`vod\n${recordingId}`).digest('hex').slice(0, 16);
  }

  periodOf(file: string): number {
    return Math.floor(segmentNumberOf(file) / Math.max(1, this.rotation));
  }

  kidOf(file: string): string {
    return kidOf(this.epoch, this.periodOf(file));
  }

  ivOf(file: string): Buffer {
    return crypto.createHash('sha256').update(`iv\n${this.recordingId}\n${file}`).digest().subarray(0, 16);
  }

  /** The key named `kid`, or null when this VOD has no such key (another epoch, a period past its `segments`). */
  /** The key named `kid` of a VOD `durationSec` long (its segments are VOD_SEGMENT_SECONDS; two spare for rounding). */
  keyForDuration(kid: string, durationSec: number): Buffer | null {
    return this.keyOf(kid, Math.ceil(durationSec / VOD_SEGMENT_SECONDS) + 2);
  }

  keyOf(kid: string, segments: number): Buffer | null {
    const wanted = parseKid(kid);
    if (!wanted || wanted.epoch !== this.epoch || wanted.period > Math.floor(segments / Math.max(1, this.rotation))) return null;
    return contentKey(this.master, `vod/${this.recordingId}`, kid);
  }

  /** Segment `file`'s bytes encrypted (the answer to `aes-<file>`). */
  encrypt(file: string, data: Buffer): Buffer {
    return encryptWithIv(contentKey(this.master, `vod/${this.recordingId}`, this.kidOf(file)), this.ivOf(file), data);
  }
}

/**
 * A VOD media playlist with every segment encrypted: its URI becomes `aes-<uri>`, and an EXT-X-KEY
 * (METHOD=AES-128, `keys/<kid>` with the viewer's `query`, the segment's IV) goes before it.
 */
export function encryptVodPlaylist(text: string, keys: VodKeys, query: string): string {
  const pl = parseMediaPlaylist(text);
  for (const seg of pl.segments) {
    if (!isRelativeUri(seg.uri) || seg.uri.includes('/')) continue;
    const file = seg.uri.split('?')[0]!;
    seg.key = { METHOD: 'AES-128', URI: appendQuery(`keys/${keys.kidOf(file)}`, query), IV: `0x${keys.ivOf(file).toString('hex')}` };
    seg.uri = `${ENCRYPTED_SEGMENT_PREFIX}${seg.uri}`;
  }
  return writeMediaPlaylist(pl);
}
