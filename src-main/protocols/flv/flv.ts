/**
 * Pure FLV helpers: the file header, tag headers, and what a tag's first bytes say about its codec,
 * keyframe and configuration status (legacy FLV and Enhanced RTMP v1/v2 FourCC headers).
 */

export type MediaKind = 'header' | 'metadata' | 'video' | 'audio';

/** One unit on a Path: the FLV file header, or one complete FLV tag (11-byte header + body + 4-byte size). */
export interface MediaChunk {
  kind: MediaKind;
  /** Raw bytes, ready to be written to an FLV byte stream in order. */
  data: Buffer;
  /** Video keyframe (or a sequence header): where a reader may join or resume after drops. */
  keyframe: boolean;
  /** A codec configuration record (AVC/HEVC sequence header, AAC AudioSpecificConfig): never dropped. */
  sequenceHeader: boolean;
  /** Milliseconds, from the FLV tag. */
  timestamp: number;
}

export const TAG_AUDIO = 8;
export const TAG_VIDEO = 9;
export const TAG_SCRIPT = 18;

/** 11-byte tag header. */
export const TAG_HEADER_SIZE = 11;
/** The 9-byte file header followed by PreviousTagSize0 (always 0). */
export const FILE_HEADER_SIZE = 13;

export interface TagHeader {
  type: number;
  dataSize: number;
  /** Milliseconds: 24 bits plus the extended (upper) byte. */
  timestamp: number;
  streamId: number;
}

export interface VideoTagInfo {
  codec: string;
  keyframe: boolean;
  sequenceHeader: boolean;
  /** Enhanced RTMP header (the top bit of the first byte). */
  exHeader: boolean;
}

export interface AudioTagInfo {
  codec: string;
  sequenceHeader: boolean;
  exHeader: boolean;
}

// Legacy FLV codec ids. 12 is the widespread (non-Adobe) HEVC extension; 13 the same for AV1.
const VIDEO_CODEC_IDS: Record<number, string> = { 2: 'h263', 3: 'screen', 4: 'vp6', 5: 'vp6a', 6: 'screen2', 7: 'h264', 12: 'hevc', 13: 'av1' };
const AUDIO_FORMATS: Record<number, string> = { 0: 'pcm', 1: 'adpcm', 2: 'mp3', 3: 'pcm', 4: 'nellymoser', 5: 'nellymoser', 6: 'nellymoser', 7: 'alaw', 8: 'mulaw', 10: 'aac', 11: 'speex', 14: 'mp3', 15: 'device' };
const VIDEO_FOURCC: Record<string, string> = { avc1: 'h264', hvc1: 'hevc', av01: 'av1', vp09: 'vp9', vp08: 'vp8' };
const AUDIO_FOURCC: Record<string, string> = { Opus: 'opus', mp4a: 'aac', fLaC: 'flac', 'ac-3': 'ac3', 'ec-3': 'eac3', '.mp3': 'mp3' };

// Enhanced RTMP packet types (video: SequenceStart 0, CodedFrames 1, CodedFramesX 3, Multitrack 6; audio alike).
const EX_SEQUENCE_START = 0;
const EX_CODED_FRAMES = 1;
const EX_CODED_FRAMES_X = 3;
const EX_MULTITRACK = 6;
const FRAME_TYPE_KEY = 1;
const SOUND_FORMAT_EX_HEADER = 9;

/** The FLV file header plus PreviousTagSize0. */
export function flvHeader(hasAudio: boolean, hasVideo: boolean): Buffer {
  const buf = Buffer.from([0x46, 0x4c, 0x56, 0x01, 0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00]);
  buf[4] = (hasAudio ? 0x04 : 0) | (hasVideo ? 0x01 : 0);
  return buf;
}

export function isFlvHeader(buf: Buffer): boolean {
  return buf.length >= 9 && buf[0] === 0x46 && buf[1] === 0x4c && buf[2] === 0x56;
}

export function parseTagHeader(buf: Buffer, offset = 0): TagHeader {
  if (buf.length < offset + TAG_HEADER_SIZE) throw new RangeError(`FLV tag header needs ${TAG_HEADER_SIZE} bytes`);
  const timestamp = (buf[offset + 7]! * 0x1000000) + buf.readUIntBE(offset + 4, 3);
  return { type: buf[offset]! & 0x1f, dataSize: buf.readUIntBE(offset + 1, 3), timestamp, streamId: buf.readUIntBE(offset + 8, 3) };
}

/** A complete tag: header, body and PreviousTagSize. Copies the body (RTMP parsers reuse their buffers). */
export function buildTag(type: number, timestamp: number, body: Buffer): Buffer {
  const tag = Buffer.allocUnsafe(TAG_HEADER_SIZE + body.length + 4);
  tag[0] = type;
  tag.writeUIntBE(body.length, 1, 3);
  const ts = timestamp >>> 0;
  tag.writeUIntBE(ts & 0xffffff, 4, 3);
  tag[7] = (ts >>> 24) & 0xff;
  tag.writeUIntBE(0, 8, 3);
  body.copy(tag, TAG_HEADER_SIZE);
  tag.writeUInt32BE(TAG_HEADER_SIZE + body.length, TAG_HEADER_SIZE + body.length);
  return tag;
}

/** The body of a complete tag (without its header and PreviousTagSize). */
export function tagBody(tag: Buffer): Buffer {
  const { dataSize } = parseTagHeader(tag);
  return tag.subarray(TAG_HEADER_SIZE, TAG_HEADER_SIZE + dataSize);
}

export function describeVideo(body: Buffer): VideoTagInfo | undefined {
  if (body.length < 1) return undefined;
  const first = body[0]!;
  const exHeader = (first & 0x80) !== 0;
  const frameType = (first >> 4) & 0x07;
  if (exHeader) {
    const packetType = first & 0x0f;
    // Multitrack (v2) puts the track's packet type and FourCC one byte later; the first track decides.
    const multitrack = packetType === EX_MULTITRACK;
    const fourccAt = multitrack ? 2 : 1;
    if (body.length < fourccAt + 4) return undefined;
    const innerType = multitrack ? body[1]! & 0x0f : packetType;
    const fourcc = body.toString('latin1', fourccAt, fourccAt + 4);
    const sequenceHeader = innerType === EX_SEQUENCE_START;
    const coded = innerType === EX_CODED_FRAMES || innerType === EX_CODED_FRAMES_X;
    return { codec: VIDEO_FOURCC[fourcc] ?? fourcc, sequenceHeader, keyframe: sequenceHeader || (coded && frameType === FRAME_TYPE_KEY), exHeader };
  }
  const codecId = first & 0x0f;
  const codec = VIDEO_CODEC_IDS[codecId] ?? `flv-${codecId}`;
  // AVC-style codecs carry a packet type byte: 0 is the decoder configuration record.
  const hasPacketType = codecId === 7 || codecId === 12 || codecId === 13;
  const sequenceHeader = hasPacketType && body.length >= 2 && body[1] === 0;
  // An end-of-sequence packet (type 2) carries the key frame type but no picture.
  const picture = !hasPacketType || (body.length >= 2 && body[1] === 1);
  return { codec, sequenceHeader, keyframe: sequenceHeader || (picture && frameType === FRAME_TYPE_KEY), exHeader };
}

export function describeAudio(body: Buffer): AudioTagInfo | undefined {
  if (body.length < 1) return undefined;
  const format = body[0]! >> 4;
  if (format === SOUND_FORMAT_EX_HEADER) {
    const packetType = body[0]! & 0x0f;
    const multitrack = packetType === 5;
    const fourccAt = multitrack ? 2 : 1;
    if (body.length < fourccAt + 4) return undefined;
    const innerType = multitrack ? body[1]! & 0x0f : packetType;
    const fourcc = body.toString('latin1', fourccAt, fourccAt + 4);
    return { codec: AUDIO_FOURCC[fourcc] ?? fourcc, sequenceHeader: innerType === EX_SEQUENCE_START, exHeader: true };
  }
  const codec = AUDIO_FORMATS[format] ?? `flv-${format}`;
  return { codec, sequenceHeader: format === 10 && body.length >= 2 && body[1] === 0, exHeader: false };
}

export function isVideoKeyframe(body: Buffer): boolean {
  const info = describeVideo(body);
  return info !== undefined && info.keyframe && !info.sequenceHeader;
}

export function isVideoSequenceHeader(body: Buffer): boolean {
  return describeVideo(body)?.sequenceHeader ?? false;
}

export function isAacSequenceHeader(body: Buffer): boolean {
  const info = describeAudio(body);
  return info !== undefined && info.codec === 'aac' && info.sequenceHeader;
}

/** One complete FLV tag (or the file header) as a MediaChunk. The buffer is kept, not copied. */
export function chunkFromTag(buf: Buffer): MediaChunk {
  if (isFlvHeader(buf)) return { kind: 'header', data: buf, keyframe: false, sequenceHeader: false, timestamp: 0 };
  const header = parseTagHeader(buf);
  const body = buf.subarray(TAG_HEADER_SIZE, TAG_HEADER_SIZE + header.dataSize);
  let kind: MediaKind = 'metadata';
  let keyframe = false;
  let sequenceHeader = false;
  if (header.type === TAG_VIDEO) {
    kind = 'video';
    const info = describeVideo(body);
    keyframe = info?.keyframe ?? false;
    sequenceHeader = info?.sequenceHeader ?? false;
  } else if (header.type === TAG_AUDIO) {
    kind = 'audio';
    sequenceHeader = describeAudio(body)?.sequenceHeader ?? false;
    // A configuration record is a safe place to (re)start, like a video keyframe.
    keyframe = sequenceHeader;
  }
  return { kind, data: buf, keyframe, sequenceHeader, timestamp: header.timestamp };
}

// AMF0 string "@setDataFrame": RTMP publishers wrap onMetaData in it; FLV files must not.
const SET_DATA_FRAME = Buffer.from([0x02, 0x00, 0x0d, ...Buffer.from('@setDataFrame', 'latin1')]);

/** An RTMP data message body as an FLV script tag body: drops the leading "@setDataFrame" string. */
export function stripSetDataFrame(body: Buffer): Buffer {
  return body.subarray(0, SET_DATA_FRAME.length).equals(SET_DATA_FRAME) ? body.subarray(SET_DATA_FRAME.length) : body;
}

const AAC_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** Sample rate and channels from an AudioSpecificConfig (the body of an AAC sequence header after 2 bytes). */
export function parseAudioSpecificConfig(asc: Buffer): { sampleRate: number; channels: number } | undefined {
  if (asc.length < 2) return undefined;
  const bits = asc.readUInt16BE(0);
  const index = (bits >> 7) & 0x0f;
  const channels = (bits >> 3) & 0x0f;
  if (index === 0x0f) {
    // Explicit 24-bit rate follows the index.
    if (asc.length < 5) return undefined;
    const v = asc.readUIntBE(0, 5);
    return { sampleRate: Math.floor(v / 2 ** 7) & 0xffffff, channels: (v >> 3) & 0x0f };
  }
  const sampleRate = AAC_RATES[index];
  return sampleRate === undefined ? undefined : { sampleRate, channels };
}

/** Splits an FLV byte stream (file header, then tags) into chunks; bytes may arrive in any pieces. */
export class FlvSplitter {
  private pending: Buffer = Buffer.alloc(0);
  private sawHeader = false;

  push(data: Buffer): MediaChunk[] {
    this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
    const out: MediaChunk[] = [];
    for (;;) {
      if (!this.sawHeader) {
        if (this.pending.length < FILE_HEADER_SIZE) break;
        if (!isFlvHeader(this.pending)) throw new Error('not an FLV stream');
        const size = this.pending.readUInt32BE(5) + 4;
        if (this.pending.length < size) break;
        out.push(chunkFromTag(Buffer.from(this.pending.subarray(0, size))));
        this.pending = this.pending.subarray(size);
        this.sawHeader = true;
        continue;
      }
      if (this.pending.length < TAG_HEADER_SIZE) break;
      const size = TAG_HEADER_SIZE + parseTagHeader(this.pending).dataSize + 4;
      if (this.pending.length < size) break;
      out.push(chunkFromTag(Buffer.from(this.pending.subarray(0, size))));
      this.pending = this.pending.subarray(size);
    }
    return out;
  }
}
