import { tagBody, type MediaChunk } from '../flv/flv.js';
import { accessUnitNals, DEFAULT_MAX_PAYLOAD, packetizeH264, parseAvcConfig, parseFlvAvc, splitAvcc, type AvcConfig } from './h264.js';
import { buildRtp } from './rtp.js';

const VIDEO_PT = 96;
const MAX_GOP_PACKETS = 8192;

/**
 * H.264 FLV tags to RTP packets (90 kHz clock from the FLV milliseconds plus the composition offset),
 * keeping the packets since the last keyframe so that a viewer who joins mid-GOP starts at once.
 * Pure apart from its state: no sockets.
 */
export class FlvToRtp {
  private config: AvcConfig | undefined;
  private seq = Math.floor(Math.random() * 0x10000);
  private readonly ssrc = (Math.random() * 0xffffffff) >>> 0;
  private gop: Buffer[] = [];
  private gopOpen = false;
  /** Frames dropped because they could not be parsed. */
  broken = 0;
  /** The last keyframe's RTP timestamp and media time (its FLV time plus composition offset, ms): a WebRTC time map. */
  lastKeyframe: { rtp: number; mediaTime: number } | undefined;

  constructor(private readonly maxPayload = DEFAULT_MAX_PAYLOAD) {}

  get profile(): string | undefined {
    return this.config?.profile;
  }

  /** The cached packets from the last keyframe on (empty before the first keyframe). */
  get cachedGop(): readonly Buffer[] {
    return this.gop;
  }

  /** RTP packets for one Path chunk (none for audio, metadata and configuration records). */
  push(chunk: MediaChunk): Buffer[] {
    if (chunk.kind !== 'video') return [];
    const packet = parseFlvAvc(tagBody(chunk.data));
    if (!packet) return [];
    try {
      if (packet.kind === 'config') {
        this.config = parseAvcConfig(packet.data);
        return [];
      }
      if (packet.kind !== 'frame' || !this.config) return [];
      const nals = accessUnitNals(splitAvcc(packet.data, this.config.lengthSize), this.config);
      const payloads = packetizeH264(nals, this.maxPayload);
      const timestamp = Math.round((chunk.timestamp + packet.cts) * 90) >>> 0;
      const out = payloads.map((payload, i) =>
        buildRtp({ payloadType: VIDEO_PT, sequenceNumber: this.seq++ & 0xffff, timestamp, ssrc: this.ssrc, marker: i === payloads.length - 1 }, payload),
      );
      this.cache(out, packet.keyframe);
      if (packet.keyframe) this.lastKeyframe = { rtp: timestamp, mediaTime: chunk.timestamp + packet.cts };
      return out;
    } catch {
      this.broken++;
      return [];
    }
  }

  private cache(packets: Buffer[], keyframe: boolean): void {
    if (keyframe) {
      this.gop = [...packets];
      this.gopOpen = true;
      return;
    }
    if (!this.gopOpen) return;
    this.gop.push(...packets);
    if (this.gop.length > MAX_GOP_PACKETS) {
      // A stream with rare keyframes: joiners wait for the next one instead of the cache growing.
      this.gop = [];
      this.gopOpen = false;
    }
  }
}
