import { FU_A, NAL_IDR, NAL_SPS, nalType, STAP_A } from './h264.js';
import type { VideoCodecName } from './sdp.js';

/**
 * Pure helpers for a simulcast publisher (RFC 8853) relayed to viewers that each watch one of its
 * encodings ("layers"): which packet starts a keyframe, a layer's picture size read from its
 * keyframes, each layer's bitrate and whether it is still sent, and the switch of one viewer from a
 * layer to another at a keyframe of the new one (never mid-picture).
 */

export interface PictureSize {
  width: number;
  height: number;
}

/** The NAL units an H.264 RTP payload starts (single NAL unit, STAP-A; an FU-A's first fragment). */
function h264Starts(payload: Buffer): { type: number; nal?: Buffer }[] {
  if (payload.length < 2) return [];
  const type = nalType(payload);
  if (type === STAP_A) {
    const out: { type: number; nal: Buffer }[] = [];
    for (let at = 1; at + 2 < payload.length; ) {
      const size = payload.readUInt16BE(at);
      const nal = payload.subarray(at + 2, at + 2 + size);
      if (nal.length === 0) break;
      out.push({ type: nalType(nal), nal });
      at += 2 + size;
    }
    return out;
  }
  if (type === FU_A) return payload[1]! & 0x80 ? [{ type: payload[1]! & 0x1f }] : [];
  return type >= 1 && type <= 23 ? [{ type, nal: payload }] : [];
}

/** Where a VP8 payload's frame begins (after the RFC 7741 descriptor), when this packet starts partition 0. */
function vp8FrameStart(payload: Buffer): number | undefined {
  if (payload.length < 1) return undefined;
  const b0 = payload[0]!;
  const start = (b0 & 0x10) !== 0 && (b0 & 0x07) === 0;
  if (!start) return undefined;
  let at = 1;
  if (b0 & 0x80) {
    const x = payload[at++];
    if (x === undefined) return undefined;
    if (x & 0x80) at += (payload[at] ?? 0) & 0x80 ? 2 : 1; // PictureID, 7 or 15 bits
    if (x & 0x40) at += 1; // TL0PICIDX
    if (x & 0x30) at += 1; // TID/KEYIDX
  }
  return at < payload.length ? at : undefined;
}

/** The packet starts a keyframe: a viewer may switch to its layer here. */
export function startsKeyframe(codec: VideoCodecName, payload: Buffer): boolean {
  if (codec === 'vp8') {
    const at = vp8FrameStart(payload);
    return at !== undefined && (payload[at]! & 0x01) === 0;
  }
  return h264Starts(payload).some((n) => n.type === NAL_IDR || n.type === NAL_SPS);
}

/** The picture size a keyframe's first packet declares (an H.264 SPS, a VP8 key frame header), if it does. */
export function keyframeSize(codec: VideoCodecName, payload: Buffer): PictureSize | undefined {
  if (codec === 'vp8') {
    const at = vp8FrameStart(payload);
    if (at === undefined || (payload[at]! & 0x01) !== 0 || payload.length < at + 10) return undefined;
    if (payload[at + 3] !== 0x9d || payload[at + 4] !== 0x01 || payload[at + 5] !== 0x2a) return undefined;
    return { width: payload.readUInt16LE(at + 6) & 0x3fff, height: payload.readUInt16LE(at + 8) & 0x3fff };
  }
  const sps = h264Starts(payload).find((n) => n.type === NAL_SPS)?.nal;
  return sps ? spsSize(sps) : undefined;
}

/** Reads the bits of an RBSP (emulation prevention bytes already removed). */
class Bits {
  private at = 0;
  constructor(private readonly data: Buffer) {}
  bit(): number {
    const byte = this.data[this.at >> 3];
    if (byte === undefined) throw new RangeError('SPS ends early');
    const v = (byte >> (7 - (this.at & 7))) & 1;
    this.at += 1;
    return v;
  }
  bits(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
  /** ue(v), Exp-Golomb. */
  ue(): number {
    let zeros = 0;
    while (this.bit() === 0) if (++zeros > 31) throw new RangeError('bad Exp-Golomb code');
    return 2 ** zeros - 1 + this.bits(zeros);
  }
  se(): number {
    const k = this.ue();
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2);
  }
}

/** Profiles whose SPS carries chroma format, bit depths and scaling matrices (H.264 7.3.2.1.1). */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

/** The cropped picture size of an H.264 SPS NAL unit (header byte included), or undefined if it is malformed. */
export function spsSize(nal: Buffer): PictureSize | undefined {
  const rbsp: number[] = [];
  for (let i = 1; i < nal.length; i++) {
    if (i >= 3 && nal[i] === 3 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    rbsp.push(nal[i]!);
  }
  try {
    const b = new Bits(Buffer.from(rbsp));
    const profile = b.bits(8);
    b.bits(16); // constraint flags, level
    b.ue(); // seq_parameter_set_id
    let chroma = 1;
    if (HIGH_PROFILES.has(profile)) {
      chroma = b.ue();
      if (chroma === 3) b.bit();
      b.ue(); // bit_depth_luma_minus8
      b.ue(); // bit_depth_chroma_minus8
      b.bit(); // qpprime_y_zero_transform_bypass_flag
      if (b.bit()) {
        for (let i = 0; i < (chroma === 3 ? 12 : 8); i++) {
          if (!b.bit()) continue;
          let last = 8;
          let next = 8;
          for (let j = 0; j < (i < 6 ? 16 : 64); j++) {
            if (next !== 0) next = (last + b.se() + 256) % 256;
            last = next === 0 ? last : next;
          }
        }
      }
    }
    b.ue(); // log2_max_frame_num_minus4
    const pocType = b.ue();
    if (pocType === 0) b.ue();
    else if (pocType === 1) {
      b.bit();
      b.se();
      b.se();
      const n = b.ue();
      for (let i = 0; i < n; i++) b.se();
    }
    b.ue(); // max_num_ref_frames
    b.bit(); // gaps_in_frame_num_value_allowed_flag
    const widthMbs = b.ue() + 1;
    const heightUnits = b.ue() + 1;
    const frameMbsOnly = b.bit();
    if (!frameMbsOnly) b.bit();
    b.bit(); // direct_8x8_inference_flag
    let crop = [0, 0, 0, 0];
    if (b.bit()) crop = [b.ue(), b.ue(), b.ue(), b.ue()];
    const cropX = chroma === 0 ? 1 : chroma === 3 ? 1 : 2;
    const cropY = (chroma === 1 ? 2 : 1) * (2 - frameMbsOnly);
    const width = widthMbs * 16 - (crop[0]! + crop[1]!) * cropX;
    const height = (2 - frameMbsOnly) * heightUnits * 16 - (crop[2]! + crop[3]!) * cropY;
    return width > 0 && height > 0 ? { width, height } : undefined;
  } catch {
    return undefined;
  }
}

/** A layer not heard from for this long is not being sent (the publisher paused it for bandwidth, or stopped). */
export const LAYER_SILENT_MS = 1000;

export interface LayerInfo {
  /** The encoding's rid (its `encodingId` in the WHEP layer extension). */
  encodingId: string;
  /** Packets came within LAYER_SILENT_MS. */
  active: boolean;
  /** From its last keyframe; 0 before the first. */
  width: number;
  height: number;
  /** Over the last second or so, bits per second of RTP payload. */
  bitrate: number;
}

interface LayerState {
  ssrc?: number;
  lastAt: number;
  size?: PictureSize;
  windowStart: number;
  windowBytes: number;
  bitrate: number;
}

/** What a publisher's simulcast encodings are doing: sizes, bitrates, which are sent. */
export class SimulcastLayers {
  private readonly state = new Map<string, LayerState>();

  /** `rids` in the publisher's order of preference (the first is the default layer). */
  constructor(readonly rids: readonly string[]) {
    for (const rid of rids) this.state.set(rid, { lastAt: Number.NEGATIVE_INFINITY, windowStart: 0, windowBytes: 0, bitrate: 0 });
  }

  get preferred(): string {
    return this.rids[0]!;
  }

  has(rid: string): boolean {
    return this.state.has(rid);
  }

  ssrcOf(rid: string): number | undefined {
    return this.state.get(rid)?.ssrc;
  }

  /** A packet of `rid` came: `bytes` of payload, and the picture size when it starts a keyframe that says. */
  heard(rid: string, ssrc: number, bytes: number, nowMs: number, size?: PictureSize): void {
    const s = this.state.get(rid);
    if (!s) return;
    s.ssrc = ssrc;
    if (nowMs - s.lastAt > LAYER_SILENT_MS) {
      s.windowStart = nowMs;
      s.windowBytes = 0;
      s.bitrate = 0;
    }
    s.lastAt = nowMs;
    if (size) s.size = size;
    s.windowBytes += bytes;
    const span = nowMs - s.windowStart;
    if (span >= 1000) {
      s.bitrate = Math.round((s.windowBytes * 8 * 1000) / span);
      s.windowStart = nowMs;
      s.windowBytes = 0;
    }
  }

  isActive(rid: string, nowMs: number): boolean {
    const s = this.state.get(rid);
    return s !== undefined && nowMs - s.lastAt <= LAYER_SILENT_MS;
  }

  info(nowMs: number): LayerInfo[] {
    return this.rids.map((rid) => {
      const s = this.state.get(rid)!;
      const active = nowMs - s.lastAt <= LAYER_SILENT_MS;
      return { encodingId: rid, active, width: s.size?.width ?? 0, height: s.size?.height ?? 0, bitrate: active ? s.bitrate : 0 };
    });
  }

  /**
   * The layer a viewer who asked for `wanted` (undefined: the default) should get now: that one while
   * it is sent; else the sent layer nearest to it in picture height (the smaller on a tie), or the
   * first sent one while heights are unknown; `wanted` itself when none is sent.
   */
  target(wanted: string | undefined, nowMs: number): string {
    const want = wanted !== undefined && this.state.has(wanted) ? wanted : this.preferred;
    if (this.isActive(want, nowMs)) return want;
    const active = this.rids.filter((rid) => this.isActive(rid, nowMs));
    if (active.length === 0) return want;
    const height = this.state.get(want)!.size?.height;
    if (height === undefined) return active[0]!;
    const distance = (rid: string): number => {
      const h = this.state.get(rid)!.size?.height;
      return h === undefined ? Number.POSITIVE_INFINITY : Math.abs(h - height) + (h > height ? 0.5 : 0);
    };
    return active.reduce((best, rid) => (distance(rid) < distance(best) ? rid : best));
  }
}

/**
 * One viewer's layer: it stays on its layer until a keyframe of the target starts, then switches
 * (the viewer's track renumbers the new layer's packets as one stream: RtpSplicer).
 */
export class LayerSwitch {
  current: string | undefined;

  /** Whether a packet of `rid` goes to the viewer, switching it to `target` at a keyframe of that layer. */
  accept(rid: string, keyframeStart: boolean, target: string): boolean {
    if (rid === target && this.current !== target && keyframeStart) this.current = target;
    return rid === this.current;
  }

  /** The viewer waits for a keyframe of `target` (to start, or to switch). */
  waitsFor(target: string): boolean {
    return this.current !== target;
  }
}
