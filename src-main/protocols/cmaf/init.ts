/**
 * What an initialization segment (ftyp + moov) says about its one track: id, timescale, handler,
 * RFC 6381 codec string, picture size or audio format, and the trex defaults that fragments fall
 * back on when tfhd and trun leave a field out.
 */
import { findBox, findChildren, Fmp4ParseError, iterateBoxes, printable, readFullBox, requireBox, type Box } from './boxes.js';

export interface InitTrack {
  trackId: number;
  /** Units per second of every time in this track's fragments (mdhd). */
  timescale: number;
  handler: 'vide' | 'soun';
  /** RFC 6381, e.g. `avc1.64000c`, `hvc1.1.6.L60.90`, `mp4a.40.2`, `opus`, `vp09.00.10.08`. */
  codec: string;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
}

/** Track extends defaults (mvex/trex): the last resort for a sample's duration, size and flags. */
export interface TrexDefaults {
  duration: number;
  size: number;
  flags: number;
}

export interface ParsedInit {
  track: InitTrack;
  trex: TrexDefaults;
}

// Sample entry layouts (ISO/IEC 14496-12 12.1.3, 12.2.3): fixed fields, then child boxes.
const VISUAL_ENTRY_FIELDS = 78;
const AUDIO_ENTRY_FIELDS = 28;

/** The track of a moov payload. One track only: the pipeline writes one fragmented MP4 per track. */
export function parseInit(moov: Buffer): ParsedInit {
  const traks = findChildren(moov, 'trak');
  if (traks.length !== 1) throw new Fmp4ParseError('unsupported', `expected one track in moov, found ${traks.length}`);
  const trak = traks[0]!.payload;

  const tkhd = readFullBox(requireBox(trak, 'tkhd').payload);
  const trackId = readU32(tkhd.body, tkhd.version === 1 ? 16 : 8, 'tkhd');
  const mdhd = readFullBox(requireBox(trak, 'mdia', 'mdhd').payload);
  const timescale = readU32(mdhd.body, mdhd.version === 1 ? 16 : 8, 'mdhd');
  if (timescale === 0) throw new Fmp4ParseError('malformed', 'mdhd timescale is 0');
  const handler = readFullBox(requireBox(trak, 'mdia', 'hdlr').payload).body.toString('latin1', 4, 8);
  if (handler !== 'vide' && handler !== 'soun') throw new Fmp4ParseError('unsupported', `track handler "${printable(handler)}" is neither video nor audio`);

  const stsd = readFullBox(requireBox(trak, 'mdia', 'minf', 'stbl', 'stsd').payload);
  const entry = iterateBoxes(stsd.body.subarray(4)).next().value as Box | undefined;
  if (!entry) throw new Fmp4ParseError('malformed', 'stsd has no sample entry');

  const track: InitTrack = { trackId, timescale, handler, codec: '' };
  if (handler === 'vide') {
    if (entry.payload.length < VISUAL_ENTRY_FIELDS) throw new Fmp4ParseError('truncated', `visual sample entry "${printable(entry.type)}" is too short`);
    track.width = entry.payload.readUInt16BE(24);
    track.height = entry.payload.readUInt16BE(26);
    track.codec = videoCodec(entry.type, entry.payload.subarray(VISUAL_ENTRY_FIELDS));
  } else {
    if (entry.payload.length < AUDIO_ENTRY_FIELDS) throw new Fmp4ParseError('truncated', `audio sample entry "${printable(entry.type)}" is too short`);
    // The entry's fields, unless the codec's own configuration says better (AAC: the entry has 2 channels, always).
    const audio = audioFormat(entry.type, entry.payload.subarray(AUDIO_ENTRY_FIELDS));
    track.codec = audio.codec;
    track.channels = audio.channels ?? entry.payload.readUInt16BE(16);
    track.sampleRate = audio.sampleRate ?? entry.payload.readUInt32BE(24) >>> 16;
  }
  return { track, trex: trexFor(moov, trackId) };
}

function trexFor(moov: Buffer, trackId: number): TrexDefaults {
  const mvex = findBox(moov, 'mvex');
  for (const trex of mvex ? findChildren(mvex.payload, 'trex') : []) {
    const { body } = readFullBox(trex.payload);
    if (body.length < 20) throw new Fmp4ParseError('truncated', 'trex is too short');
    if (body.readUInt32BE(0) !== trackId) continue;
    return { duration: body.readUInt32BE(8), size: body.readUInt32BE(12), flags: body.readUInt32BE(16) };
  }
  return { duration: 0, size: 0, flags: 0 };
}

function videoCodec(type: string, boxes: Buffer): string {
  const child = (name: string): Buffer | undefined => findBox(boxes, name)?.payload;
  if (type === 'avc1' || type === 'avc3') {
    const avcC = child('avcC');
    if (!avcC || avcC.length < 4) throw new Fmp4ParseError('malformed', `${type} sample entry has no avcC`);
    return `${type}.${avcC.subarray(1, 4).toString('hex')}`;
  }
  if (type === 'hvc1' || type === 'hev1') {
    const hvcC = child('hvcC');
    return hvcC && hvcC.length >= 13 ? `${type}.${hevcCodecTail(hvcC)}` : type;
  }
  if (type === 'vp09') {
    const vpcC = child('vpcC');
    if (!vpcC || vpcC.length < 7) return type;
    const { body } = readFullBox(vpcC);
    const two = (n: number): string => String(n).padStart(2, '0');
    return `vp09.${two(body[0]!)}.${two(body[1]!)}.${two(body[2]! >> 4)}`;
  }
  if (type === 'av01') {
    const av1C = child('av1C');
    if (!av1C || av1C.length < 3) return type;
    const profile = av1C[1]! >> 5;
    const level = av1C[1]! & 0x1f;
    const tier = av1C[2]! & 0x80 ? 'H' : 'M';
    const depth = av1C[2]! & 0x40 ? (profile === 2 && av1C[2]! & 0x20 ? 12 : 10) : 8;
    return `av01.${profile}.${String(level).padStart(2, '0')}${tier}.${String(depth).padStart(2, '0')}`;
  }
  return type;
}

/** ISO/IEC 14496-15 annex E: profile space+idc, compatibility flags (bit-reversed), tier+level, constraint bytes. */
function hevcCodecTail(hvcC: Buffer): string {
  const space = ['', 'A', 'B', 'C'][hvcC[1]! >> 6];
  const tier = hvcC[1]! & 0x20 ? 'H' : 'L';
  const profile = hvcC[1]! & 0x1f;
  let compat = hvcC.readUInt32BE(2);
  let reversed = 0;
  for (let i = 0; i < 32; i++) {
    reversed = (reversed << 1) | (compat & 1);
    compat >>>= 1;
  }
  const constraints = [...hvcC.subarray(6, 12)];
  while (constraints.length > 0 && constraints[constraints.length - 1] === 0) constraints.pop();
  const tail = constraints.map((b) => b.toString(16).toUpperCase());
  return [`${space}${profile}`, (reversed >>> 0).toString(16).toUpperCase(), `${tier}${hvcC[12]!}`, ...tail].join('.');
}

interface AudioFormat {
  codec: string;
  sampleRate?: number;
  channels?: number;
}

function audioFormat(type: string, boxes: Buffer): AudioFormat {
  if (type === 'Opus') return { codec: 'opus' };
  if (type === 'fLaC') return { codec: 'flac' };
  if (type === 'mp4a') {
    const esds = findBox(boxes, 'esds');
    if (!esds) throw new Fmp4ParseError('malformed', 'mp4a sample entry has no esds');
    return mp4aFormat(readFullBox(esds.payload).body);
  }
  return { codec: type };
}

// MPEG-4 Systems descriptor tags (ISO/IEC 14496-1 7.2.2.1).
const ES_DESCRIPTOR = 0x03;
const DECODER_CONFIG = 0x04;
const DECODER_SPECIFIC_INFO = 0x05;
const OTI_MPEG4_AUDIO = 0x40;

const AAC_SAMPLE_RATES = [96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350];

/** `mp4a.40.<audio object type>` and the format from the AudioSpecificConfig; other object types as `mp4a.<oti hex>`. */
function mp4aFormat(esds: Buffer): AudioFormat {
  const es = readDescriptor(esds, 0, ES_DESCRIPTOR);
  const esFlags = es.body[2] ?? 0;
  // ES_ID (2), flags (1), then optional dependsOn_ES_ID, URL and OCR_ES_Id before the decoder config.
  let at = 3 + (esFlags & 0x80 ? 2 : 0);
  if (esFlags & 0x40) at += 1 + (es.body[at] ?? 0);
  if (esFlags & 0x20) at += 2;
  const config = readDescriptor(es.body, at, DECODER_CONFIG);
  const oti = config.body[0]!;
  if (oti !== OTI_MPEG4_AUDIO) return { codec: `mp4a.${oti.toString(16).padStart(2, '0').toUpperCase()}` };
  const asc = readDescriptor(config.body, 13, DECODER_SPECIFIC_INFO).body;
  // ISO/IEC 14496-3 1.6.2.1: audioObjectType (5 bits, 31 escapes to 6 more), samplingFrequencyIndex
  // (4 bits, 15 escapes to a 24-bit rate), channelConfiguration (4 bits, 0 = defined elsewhere).
  const bits = new BitReader(asc);
  let aot = bits.read(5);
  if (aot === 31) aot = 32 + bits.read(6);
  const rateIndex = bits.read(4);
  const sampleRate = rateIndex === 15 ? bits.read(24) : AAC_SAMPLE_RATES[rateIndex];
  const channels = bits.read(4);
  return { codec: `mp4a.40.${aot}`, sampleRate, channels: channels > 0 && channels < 7 ? channels : channels === 7 ? 8 : undefined };
}

class BitReader {
  private bit = 0;

  constructor(private readonly buf: Buffer) {}

  read(n: number): number {
    let value = 0;
    for (let i = 0; i < n; i++, this.bit++) {
      const byte = this.buf[this.bit >> 3];
      if (byte === undefined) throw new Fmp4ParseError('truncated', 'AudioSpecificConfig is too short');
      value = value * 2 + ((byte >> (7 - (this.bit & 7))) & 1);
    }
    return value;
  }
}

/** A descriptor with an expandable size (up to four 7-bit bytes) that must carry `tag`. */
function readDescriptor(buf: Buffer, at: number, tag: number): { body: Buffer } {
  if (buf[at] !== tag) throw new Fmp4ParseError('malformed', `esds: expected descriptor tag ${tag} at ${at}, found ${buf[at] ?? 'the end'}`);
  let size = 0;
  let i = at + 1;
  for (let n = 0; n < 4; n++, i++) {
    if (i >= buf.length) throw new Fmp4ParseError('truncated', 'esds descriptor size runs past the end');
    size = (size << 7) | (buf[i]! & 0x7f);
    if ((buf[i]! & 0x80) === 0) {
      i++;
      break;
    }
  }
  if (i + size > buf.length) throw new Fmp4ParseError('truncated', `esds descriptor ${tag} runs past the end`);
  return { body: buf.subarray(i, i + size) };
}

function readU32(buf: Buffer, at: number, what: string): number {
  if (buf.length < at + 4) throw new Fmp4ParseError('truncated', `${what} is too short`);
  return buf.readUInt32BE(at);
}
