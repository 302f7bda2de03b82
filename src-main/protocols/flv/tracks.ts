import { parseScriptTag, type AmfValue } from './amf0.js';
import { describeAudio, describeVideo, parseAudioSpecificConfig, tagBody, type MediaChunk } from './flv.js';

export interface TrackInfo {
  video?: { codec: string; width: number; height: number; fps: number; bitrateKbps: number };
  audio?: { codec: string; sampleRate: number; channels: number; bitrateKbps: number };
}

type VideoTrack = NonNullable<TrackInfo['video']>;
type AudioTrack = NonNullable<TrackInfo['audio']>;

const LEGACY_VIDEO: Record<number, string> = { 2: 'h263', 4: 'vp6', 7: 'h264', 12: 'hevc', 13: 'av1' };
const LEGACY_AUDIO: Record<number, string> = { 2: 'mp3', 10: 'aac', 11: 'speex' };
const FOURCC_NAMES: Record<string, string> = { avc1: 'h264', hvc1: 'hevc', av01: 'av1', vp09: 'vp9', vp08: 'vp8', Opus: 'opus', mp4a: 'aac', fLaC: 'flac', 'ac-3': 'ac3', 'ec-3': 'eac3', '.mp3': 'mp3' };

/** onMetaData codec ids are legacy numbers, FourCCs packed into a number (Enhanced RTMP), or strings. */
function codecFromMetadata(id: AmfValue, legacy: Record<number, string>): string | undefined {
  if (typeof id === 'string') return FOURCC_NAMES[id] ?? id;
  if (typeof id !== 'number' || !Number.isFinite(id) || id <= 0) return undefined;
  if (legacy[id]) return legacy[id];
  if (id > 0xffffff) {
    const fourcc = Buffer.alloc(4);
    fourcc.writeUInt32BE(id >>> 0);
    const s = fourcc.toString('latin1');
    return FOURCC_NAMES[s] ?? s;
  }
  return undefined;
}

const num = (v: AmfValue): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);

/** OpusHead: "OpusHead", version, channels, pre-skip (LE16), input sample rate (LE32). */
function parseOpusHead(head: Buffer): { sampleRate: number; channels: number } | undefined {
  if (head.length < 16 || head.toString('latin1', 0, 8) !== 'OpusHead') return undefined;
  return { channels: head[9]!, sampleRate: head.readUInt32LE(12) || 48000 };
}

/**
 * Learns a publisher's tracks from its FLV chunks: onMetaData gives size, frame rate and bitrates;
 * sequence headers (and the first frames) give the codecs, which win over the metadata's ids.
 */
export class TrackTracker {
  private video: VideoTrack | undefined;
  private audio: AudioTrack | undefined;
  private videoCodecFromStream = false;
  private audioCodecFromStream = false;

  get current(): TrackInfo {
    return { ...(this.video ? { video: { ...this.video } } : {}), ...(this.audio ? { audio: { ...this.audio } } : {}) };
  }

  /** Returns the tracks when this chunk changed them, else undefined. */
  feed(chunk: MediaChunk): TrackInfo | undefined {
    if (chunk.kind === 'header') return undefined;
    // Ordinary frames only matter until the codec is known: keep the hot path cheap.
    if (chunk.kind === 'video' && !chunk.sequenceHeader && this.videoCodecFromStream) return undefined;
    if (chunk.kind === 'audio' && !chunk.sequenceHeader && this.audioCodecFromStream) return undefined;
    const before = JSON.stringify(this.current);
    const body = tagBody(chunk.data);
    if (chunk.kind === 'metadata') this.fromMetadata(body);
    else if (chunk.kind === 'video') this.fromVideo(body);
    else this.fromAudio(body, chunk.sequenceHeader);
    const after = this.current;
    return JSON.stringify(after) === before ? undefined : after;
  }

  private videoTrack(): VideoTrack {
    this.video ??= { codec: 'unknown', width: 0, height: 0, fps: 0, bitrateKbps: 0 };
    return this.video;
  }

  private audioTrack(): AudioTrack {
    this.audio ??= { codec: 'unknown', sampleRate: 0, channels: 0, bitrateKbps: 0 };
    return this.audio;
  }

  private fromMetadata(body: Buffer): void {
    const script = parseScriptTag(body);
    if (script?.name !== 'onMetaData' || script.value === null || typeof script.value !== 'object' || Array.isArray(script.value) || script.value instanceof Date) return;
    const m = script.value;
    const videoCodec = codecFromMetadata(m.videocodecid, LEGACY_VIDEO);
    if (videoCodec !== undefined || num(m.width) !== undefined) {
      const v = this.videoTrack();
      if (videoCodec && !this.videoCodecFromStream) v.codec = videoCodec;
      v.width = Math.round(num(m.width) ?? v.width);
      v.height = Math.round(num(m.height) ?? v.height);
      v.fps = num(m.framerate) ?? num(m.fps) ?? v.fps;
      v.bitrateKbps = Math.round(num(m.videodatarate) ?? v.bitrateKbps);
    }
    const audioCodec = codecFromMetadata(m.audiocodecid, LEGACY_AUDIO);
    if (audioCodec !== undefined || num(m.audiosamplerate) !== undefined) {
      const a = this.audioTrack();
      if (audioCodec && !this.audioCodecFromStream) a.codec = audioCodec;
      // Sequence headers know better than metadata: only fill what is still unknown.
      if (a.sampleRate === 0) a.sampleRate = Math.round(num(m.audiosamplerate) ?? 0);
      if (a.channels === 0) a.channels = num(m.audiochannels) ?? (m.stereo === true ? 2 : m.stereo === false ? 1 : 0);
      a.bitrateKbps = Math.round(num(m.audiodatarate) ?? a.bitrateKbps);
    }
  }

  private fromVideo(body: Buffer): void {
    const info = describeVideo(body);
    if (!info) return;
    this.videoTrack().codec = info.codec;
    this.videoCodecFromStream = true;
  }

  private fromAudio(body: Buffer, sequenceHeader: boolean): void {
    const info = describeAudio(body);
    if (!info) return;
    const a = this.audioTrack();
    a.codec = info.codec;
    this.audioCodecFromStream = true;
    if (!sequenceHeader) return;
    let config: { sampleRate: number; channels: number } | undefined;
    if (info.codec === 'aac') config = parseAudioSpecificConfig(body.subarray(info.exHeader ? 5 : 2));
    else if (info.codec === 'opus' && info.exHeader) config = parseOpusHead(body.subarray(5));
    if (config) {
      a.sampleRate = config.sampleRate;
      if (config.channels > 0) a.channels = config.channels;
    }
  }
}
