/**
 * Pure H.264 helpers for the RTMP/SRT -> WebRTC bridge: FLV (AVCC, length-prefixed NAL units) to
 * RTP payloads (RFC 6184 packetization-mode 1: single NAL unit, STAP-A, FU-A), without re-encoding.
 */

export const NAL_IDR = 5;
export const NAL_SPS = 7;
export const NAL_PPS = 8;
const NAL_AUD = 9;
export const STAP_A = 24;
export const FU_A = 28;
/** RTP payload budget: 1200 bytes keeps SRTP + UDP + IP under every common path MTU. */
export const DEFAULT_MAX_PAYLOAD = 1200;

export interface AvcConfig {
  sps: Buffer[];
  pps: Buffer[];
  /** Bytes of each NAL unit's length prefix in the frames (1, 2 or 4). */
  lengthSize: number;
  /** profile_idc as two hex digits (42 baseline, 4d main, 64 high). */
  profile: string;
}

export const nalType = (nal: Buffer): number => nal[0]! & 0x1f;

/** An AVCDecoderConfigurationRecord (the body of an FLV AVC sequence header after its 5 bytes). */
export function parseAvcConfig(record: Buffer): AvcConfig {
  if (record.length < 7 || record[0] !== 1) throw new Error('not an AVCDecoderConfigurationRecord');
  const lengthSize = (record[4]! & 0x03) + 1;
  const sps: Buffer[] = [];
  const pps: Buffer[] = [];
  let at = 5;
  const read = (count: number, into: Buffer[]): void => {
    for (let i = 0; i < count; i++) {
      if (at + 2 > record.length) throw new Error('truncated AVCDecoderConfigurationRecord');
      const len = record.readUInt16BE(at);
      at += 2;
      if (at + len > record.length) throw new Error('truncated AVCDecoderConfigurationRecord');
      into.push(Buffer.from(record.subarray(at, at + len)));
      at += len;
    }
  };
  read(record[at++]! & 0x1f, sps);
  if (at >= record.length) throw new Error('truncated AVCDecoderConfigurationRecord');
  read(record[at++]!, pps);
  return { sps, pps, lengthSize, profile: record[1]!.toString(16).padStart(2, '0') };
}

/** Splits length-prefixed NAL units; a length running past the end is an error. */
export function splitAvcc(data: Buffer, lengthSize: number): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at + lengthSize <= data.length) {
    const len = data.readUIntBE(at, lengthSize);
    at += lengthSize;
    if (len === 0) continue;
    if (at + len > data.length) throw new Error('NAL unit length runs past the frame');
    out.push(data.subarray(at, at + len));
    at += len;
  }
  return out;
}

export interface FlvAvcPacket {
  kind: 'config' | 'frame' | 'end';
  /** Composition time offset in ms (pts - dts). */
  cts: number;
  data: Buffer;
  keyframe: boolean;
}

/** A legacy FLV video tag body with codec id 7 (AVC); undefined for anything else. */
export function parseFlvAvc(body: Buffer): FlvAvcPacket | undefined {
  if (body.length < 5 || (body[0]! & 0x0f) !== 7 || (body[0]! & 0x80) !== 0) return undefined;
  const type = body[1]!;
  const cts = body.readIntBE(2, 3);
  const keyframe = ((body[0]! >> 4) & 0x07) === 1;
  const kind = type === 0 ? 'config' : type === 1 ? 'frame' : 'end';
  return { kind, cts, data: body.subarray(5), keyframe };
}

/**
 * The NAL units to send for one access unit: AUDs dropped (WebRTC receivers do not need them), and
 * SPS/PPS put in front of an IDR that lacks them, so that a viewer can start at any keyframe.
 */
export function accessUnitNals(nals: Buffer[], config: AvcConfig | undefined): Buffer[] {
  const kept = nals.filter((n) => nalType(n) !== NAL_AUD);
  const hasIdr = kept.some((n) => nalType(n) === NAL_IDR);
  const hasParams = kept.some((n) => nalType(n) === NAL_SPS);
  if (!hasIdr || hasParams || !config) return kept;
  return [...config.sps, ...config.pps, ...kept];
}

/**
 * RTP payloads for one access unit, in order; the last one carries the marker bit. Consecutive small
 * NAL units (SPS, PPS, SEI) are aggregated into STAP-A; units larger than `maxPayload` are split as FU-A.
 */
export function packetizeH264(nals: Buffer[], maxPayload = DEFAULT_MAX_PAYLOAD): Buffer[] {
  const out: Buffer[] = [];
  let stap: Buffer[] = [];
  let stapSize = 1;
  const flushStap = (): void => {
    if (stap.length === 1) out.push(stap[0]!);
    else if (stap.length > 1) {
      const nri = Math.max(...stap.map((n) => n[0]! & 0x60));
      const parts: Buffer[] = [Buffer.from([nri | STAP_A])];
      for (const n of stap) {
        const len = Buffer.alloc(2);
        len.writeUInt16BE(n.length);
        parts.push(len, n);
      }
      out.push(Buffer.concat(parts));
    }
    stap = [];
    stapSize = 1;
  };
  for (const nal of nals) {
    if (nal.length === 0) continue;
    if (nal.length + 2 + stapSize <= maxPayload) {
      stap.push(nal);
      stapSize += nal.length + 2;
      continue;
    }
    flushStap();
    if (nal.length <= maxPayload) {
      out.push(nal);
      continue;
    }
    const header = nal[0]!;
    const indicator = (header & 0xe0) | FU_A;
    const type = header & 0x1f;
    let at = 1;
    const chunk = maxPayload - 2;
    while (at < nal.length) {
      const end = Math.min(at + chunk, nal.length);
      const fuHeader = (at === 1 ? 0x80 : 0) | (end === nal.length ? 0x40 : 0) | type;
      out.push(Buffer.concat([Buffer.from([indicator, fuHeader]), nal.subarray(at, end)]));
      at = end;
    }
  }
  flushStap();
  return out;
}

/** The NAL units in RTP payloads of packetization-mode 1 (the inverse of packetizeH264; FU-A reassembled). */
export function depacketizeH264(payloads: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let fu: Buffer[] = [];
  for (const p of payloads) {
    const type = p[0]! & 0x1f;
    if (type === STAP_A) {
      let at = 1;
      while (at + 2 <= p.length) {
        const len = p.readUInt16BE(at);
        out.push(p.subarray(at + 2, at + 2 + len));
        at += 2 + len;
      }
    } else if (type === FU_A) {
      if (p[1]! & 0x80) fu = [Buffer.from([(p[0]! & 0xe0) | (p[1]! & 0x1f)])];
      fu.push(p.subarray(2));
      if (p[1]! & 0x40) out.push(Buffer.concat(fu));
    } else out.push(p);
  }
  return out;
}
