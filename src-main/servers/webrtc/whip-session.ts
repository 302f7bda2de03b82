import crypto from 'node:crypto';
import type { RTCRtpTransceiver } from 'werift';
import type { Logger } from '../../core/logger.js';
import type { FeedSink, MediaFeed } from './feed.js';
import { answerWhenGathered, peerConfig, RTCPeerConnection, type IceOptions } from './peer.js';
import type { CodecChoice } from './sdp.js';

export interface WhipSessionOptions {
  name: string;
  offer: string;
  choice: CodecChoice;
  ice: IceOptions;
  logger: Logger;
  remoteAddress: string;
  /** No media from the publisher for this long: it is gone. */
  silenceTimeoutMs: number;
  /** Called once the peer connection is up: the ingest into the Path starts then. */
  onConnected(session: WhipSession): void;
  onClosed(session: WhipSession, reason: string): void;
}

/** Keyframe requests from many viewers are merged: one PLI to the publisher per interval at most. */
const PLI_MIN_INTERVAL_MS = 500;

/**
 * One WHIP publisher, and the feed of its stream's WHEP viewers (SFU): its RTP goes to every viewer
 * as received (each viewer's own track rewrites SSRC, payload type and sequence offsets), and to the
 * ingest that turns it into FLV for the Path. Viewers' PLI/FIR become a PLI to the publisher.
 */
export class WhipSession implements MediaFeed {
  readonly id = crypto.randomBytes(12).toString('base64url');
  readonly createdAt = Date.now();
  readonly video: MediaFeed['video'];
  readonly hasAudio: boolean;
  /** The payload types the publisher sends with (from its offer, echoed in our answer). */
  readonly payloadTypes: { video?: number; audio?: number };
  private readonly pc: RTCPeerConnection;
  private readonly sinks = new Set<FeedSink>();
  /** Where the ingest listens; set once it runs. */
  ingest: { video(rtp: Buffer): void; audio(rtp: Buffer): void } | undefined;
  private videoTransceiver: RTCRtpTransceiver | undefined;
  private videoSsrc: number | undefined;
  private lastPliAt = 0;
  private lastMediaAt = Date.now();
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;
  connected = false;

  private constructor(private readonly options: WhipSessionOptions) {
    const { choice } = options;
    this.video = choice.video ? { codec: choice.video.name } : undefined;
    this.hasAudio = choice.audio !== undefined;
    this.payloadTypes = { ...(choice.video ? { video: choice.video.codec.pt } : {}), ...(choice.audio ? { audio: choice.audio.codec.pt } : {}) };
    this.pc = new RTCPeerConnection(peerConfig(options.ice, choice));
  }

  get name(): string {
    return this.options.name;
  }

  get remoteAddress(): string {
    return this.options.remoteAddress;
  }

  get sinkCount(): number {
    return this.sinks.size;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  static async create(options: WhipSessionOptions): Promise<{ session: WhipSession; answer: string }> {
    const session = new WhipSession(options);
    try {
      return { session, answer: await session.negotiate() };
    } catch (error) {
      session.close('negotiation failed', false);
      throw error;
    }
  }

  attach(sink: FeedSink): () => void {
    this.sinks.add(sink);
    return () => {
      this.sinks.delete(sink);
    };
  }

  requestKeyframe(): void {
    const now = Date.now();
    if (this.videoSsrc === undefined || !this.videoTransceiver || now - this.lastPliAt < PLI_MIN_INTERVAL_MS) return;
    this.lastPliAt = now;
    void this.videoTransceiver.receiver.sendRtcpPLI(this.videoSsrc).catch(() => undefined);
  }

  async addIceCandidate(candidate: string, mid: string | undefined): Promise<void> {
    await this.pc.addIceCandidate({ candidate, sdpMid: mid ?? this.pc.getTransceivers()[0]?.mid ?? '0' });
  }

  get iceUfrag(): string | undefined {
    return /a=ice-ufrag:(\S+)/.exec(this.pc.remoteDescription?.sdp ?? '')?.[1];
  }

  close(reason: string, notify = true): void {
    if (this.closed) return;
    this.closed = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.sinks.clear();
    void this.pc.close().catch(() => undefined);
    this.options.logger.info({ publisher: this.id, stream: this.name, reason }, 'WHIP publisher closed');
    if (notify) this.options.onClosed(this, reason);
  }

  private async negotiate(): Promise<string> {
    this.pc.onTrack.subscribe((track) => {
      const kind = track.kind === 'video' ? 'video' : 'audio';
      if (kind === 'video') {
        this.videoSsrc = track.ssrc;
        this.videoTransceiver = this.pc.getTransceivers().find((t) => t.kind === 'video');
      }
      track.onReceiveRtp.subscribe((rtp) => {
        this.lastMediaAt = Date.now();
        if (kind === 'video' && this.videoSsrc === undefined) this.videoSsrc = rtp.header.ssrc;
        const packet = rtp.serialize();
        this.ingest?.[kind](packet);
        for (const sink of this.sinks) sink[kind](packet);
      });
    });
    await this.pc.setRemoteDescription({ type: 'offer', sdp: this.options.offer });
    for (const transceiver of this.pc.getTransceivers()) transceiver.setDirection('recvonly');
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected' && !this.connected) {
        this.connected = true;
        this.lastMediaAt = Date.now();
        this.options.onConnected(this);
      } else if (state === 'failed' || state === 'closed') this.close(`connection ${state}`);
    });
    const answer = await answerWhenGathered(this.pc);
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastMediaAt > this.options.silenceTimeoutMs) {
        this.close(this.connected ? 'publisher stopped sending' : 'publisher never connected');
      }
    }, 1000);
    this.watchdog.unref();
    return answer;
  }
}
