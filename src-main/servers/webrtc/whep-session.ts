import crypto from 'node:crypto';
import { RtcpPayloadSpecificFeedback, type RtcpPacket } from 'werift';
import type { Logger } from '../../core/logger.js';
import type { FeedSink, MediaFeed } from './feed.js';
import { answerWhenGathered, MediaStreamTrack, peerConfig, RTCPeerConnection, type IceOptions } from './peer.js';
import type { CodecChoice } from './sdp.js';

// Payload-specific feedback formats (RFC 4585, RFC 5104).
const PLI_FMT = 1;
const FIR_FMT = 4;

export interface WhepSessionOptions {
  feed: MediaFeed;
  offer: string;
  choice: CodecChoice;
  ice: IceOptions;
  logger: Logger;
  remoteAddress: string;
  /** No RTCP from the viewer for this long (after it connected, or since the offer): it is gone. */
  silenceTimeoutMs: number;
  onConnected?(session: WhepSession): void;
  onClosed(session: WhepSession, reason: string): void;
}

/**
 * One WHEP viewer: a werift peer connection with one sending track per kind (werift rewrites the
 * header of the packet it sends, so tracks are never shared), fed by the stream's MediaFeed.
 * Keyframe requests go to the feed; NACKs are answered by the sender from its packet history.
 */
export class WhepSession implements FeedSink {
  readonly id = crypto.randomBytes(12).toString('base64url');
  readonly createdAt = Date.now();
  private readonly pc: RTCPeerConnection;
  private readonly tracks: { video?: MediaStreamTrack; audio?: MediaStreamTrack } = {};
  private detach: (() => void) | undefined;
  private lastHeardAt = Date.now();
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;
  connected = false;

  private constructor(private readonly options: WhepSessionOptions) {
    this.pc = new RTCPeerConnection(peerConfig(options.ice, options.choice));
  }

  get name(): string {
    return this.options.feed.name;
  }

  get remoteAddress(): string {
    return this.options.remoteAddress;
  }

  /** Negotiates and returns the session and its answer; on failure the peer connection is closed. */
  static async create(options: WhepSessionOptions): Promise<{ session: WhepSession; answer: string }> {
    const session = new WhepSession(options);
    try {
      const answer = await session.negotiate();
      return { session, answer };
    } catch (error) {
      session.close('negotiation failed', false);
      throw error;
    }
  }

  video(rtp: Buffer): void {
    this.tracks.video?.writeRtp(rtp);
  }

  audio(rtp: Buffer): void {
    this.tracks.audio?.writeRtp(rtp);
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
    this.detach?.();
    for (const track of Object.values(this.tracks)) track.stop();
    void this.pc.close().catch(() => undefined);
    this.options.logger.info({ viewer: this.id, stream: this.name, reason }, 'WHEP viewer closed');
    if (notify) this.options.onClosed(this, reason);
  }

  private async negotiate(): Promise<string> {
    const { offer, feed } = this.options;
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer });
    for (const transceiver of this.pc.getTransceivers()) {
      const kind = transceiver.kind === 'video' ? 'video' : 'audio';
      const track = new MediaStreamTrack({ kind });
      this.tracks[kind] = track;
      transceiver.setDirection('sendonly');
      await transceiver.sender.replaceTrack(track);
      transceiver.sender.onRtcp.subscribe((packet) => this.onRtcp(packet));
    }
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected' && !this.connected) {
        this.connected = true;
        this.lastHeardAt = Date.now();
        // Attached only once DTLS is up: packets before that would be dropped by the sender anyway.
        this.detach = feed.attach(this);
        feed.requestKeyframe();
        this.options.onConnected?.(this);
      } else if (state === 'failed' || state === 'closed') this.close(`connection ${state}`);
    });
    const answer = await answerWhenGathered(this.pc);
    this.watchdog = setInterval(() => this.checkAlive(), 1000);
    this.watchdog.unref();
    return answer;
  }

  private onRtcp(packet: RtcpPacket): void {
    this.lastHeardAt = Date.now();
    if (packet.type === RtcpPayloadSpecificFeedback.type) {
      const { count } = (packet as RtcpPayloadSpecificFeedback).feedback;
      if (count === PLI_FMT || count === FIR_FMT) this.options.feed.requestKeyframe();
    }
  }

  private checkAlive(): void {
    if (Date.now() - this.lastHeardAt > this.options.silenceTimeoutMs) {
      this.close(this.connected ? 'viewer stopped sending receiver reports' : 'viewer never connected');
    }
  }
}
