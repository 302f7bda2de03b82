import { RtcpPayloadSpecificFeedback, type RtcpPacket } from 'werift';
import type { FeedSink, MediaFeed } from './feed.js';
import { MediaStreamTrack } from '../../protocols/webrtc/peer.js';
import { PeerSession, type PeerSessionOptions } from './peer-session.js';

// Payload-specific feedback formats (RFC 4585, RFC 5104).
const PLI_FMT = 1;
const FIR_FMT = 4;

export interface WhepSessionOptions extends PeerSessionOptions {
  feed: MediaFeed;
  onConnected?(session: WhepSession): void;
  onClosed(session: WhepSession, reason: string): void;
}

const ROLE = { key: 'viewer', label: 'WHEP viewer', silent: 'viewer stopped sending receiver reports', neverConnected: 'viewer never connected' } as const;

/**
 * One WHEP viewer: a werift peer connection with one sending track per kind (werift rewrites the
 * header of the packet it sends, so tracks are never shared), fed by the stream's MediaFeed.
 * Keyframe requests go to the feed; NACKs are answered by the sender from its packet history.
 * RTCP from the viewer keeps it alive.
 */
export class WhepSession extends PeerSession implements FeedSink {
  private readonly tracks: { video?: MediaStreamTrack; audio?: MediaStreamTrack } = {};
  private detach: (() => void) | undefined;

  private constructor(private readonly options: WhepSessionOptions) {
    super(options, ROLE);
  }

  get name(): string {
    return this.options.feed.name;
  }

  /** Negotiates and returns the session and its answer; on failure the peer connection is closed. */
  static async create(options: WhepSessionOptions): Promise<{ session: WhepSession; answer: string }> {
    const session = new WhepSession(options);
    return { session, answer: await session.answer() };
  }

  video(rtp: Buffer): void {
    this.tracks.video?.writeRtp(rtp);
  }

  audio(rtp: Buffer): void {
    this.tracks.audio?.writeRtp(rtp);
  }

  protected async prepare(): Promise<void> {
    for (const transceiver of this.pc.getTransceivers()) {
      const kind = transceiver.kind === 'video' ? 'video' : 'audio';
      const track = new MediaStreamTrack({ kind });
      this.tracks[kind] = track;
      transceiver.setDirection('sendonly');
      await transceiver.sender.replaceTrack(track);
      transceiver.sender.onRtcp.subscribe((packet) => this.onRtcp(packet));
    }
  }

  protected onConnected(): void {
    // Attached only once DTLS is up: packets before that would be dropped by the sender anyway.
    this.detach = this.options.feed.attach(this);
    this.options.feed.requestKeyframe();
    this.options.onConnected?.(this);
  }

  protected release(): void {
    this.detach?.();
    for (const track of Object.values(this.tracks)) track.stop();
  }

  protected onClosed(reason: string): void {
    this.options.onClosed(this, reason);
  }

  private onRtcp(packet: RtcpPacket): void {
    this.heard();
    if (packet.type === RtcpPayloadSpecificFeedback.type) {
      const { count } = (packet as RtcpPayloadSpecificFeedback).feedback;
      if (count === PLI_FMT || count === FIR_FMT) this.options.feed.requestKeyframe();
    }
  }
}
