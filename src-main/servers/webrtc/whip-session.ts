import { RtcpSrPacket, type RTCRtpTransceiver } from 'werift';
import type { FeedSink, MediaFeed } from './feed.js';
import { PeerSession, type PeerSessionOptions } from './peer-session.js';
import type { WhipIngest } from './whip-ingest.js';

export interface WhipSessionOptions extends PeerSessionOptions {
  name: string;
  /** Called once the peer connection is up: the ingest into the Path starts then. */
  onConnected(session: WhipSession): void;
  onClosed(session: WhipSession, reason: string): void;
}

/** Keyframe requests from many viewers are merged: one PLI to the publisher per interval at most. */
const PLI_MIN_INTERVAL_MS = 500;

const ROLE = { key: 'publisher', label: 'WHIP publisher', silent: 'publisher disconnected: it stopped sending', neverConnected: 'publisher never connected' } as const;

/**
 * One WHIP publisher, and the feed of its stream's WHEP viewers (SFU): its RTP goes to every viewer
 * as received (each viewer's own track rewrites SSRC, payload type and sequence offsets), and to the
 * ingest that turns it into FLV for the Path. Viewers' PLI/FIR become a PLI to the publisher.
 * Media from the publisher keeps it alive. The publisher's sender reports go to the ingest too: they
 * map each track's RTP clock to the sender's wall clock, which is how the ingest keeps sound and
 * picture together (RFC 3550 §6.4.1), whichever track started first and however the audio clock drifts.
 */
export class WhipSession extends PeerSession implements MediaFeed {
  readonly video: MediaFeed['video'];
  readonly hasAudio: boolean;
  /** The payload types the publisher sends with (from its offer, echoed in our answer). */
  readonly payloadTypes: { video?: number; audio?: number };
  private readonly sinks = new Set<FeedSink>();
  /** The ingest into the Path; set once it runs. */
  ingest: WhipIngest | undefined;
  private videoTransceiver: RTCRtpTransceiver | undefined;
  private videoSsrc: number | undefined;
  private lastPliAt = 0;
  /** The kinds whose sender reports are forwarded (one subscription each). */
  private readonly reporting = new Set<'video' | 'audio'>();

  private constructor(private readonly options: WhipSessionOptions) {
    super(options, ROLE);
    const { choice } = options;
    this.video = choice.video ? { codec: choice.video.name } : undefined;
    this.hasAudio = choice.audio !== undefined;
    this.payloadTypes = { ...(choice.video ? { video: choice.video.codec.pt } : {}), ...(choice.audio ? { audio: choice.audio.codec.pt } : {}) };
    // Subscribed before the offer is applied: werift reports the remote tracks while applying it.
    this.pc.onTrack.subscribe((track) => {
      const kind = track.kind === 'video' ? 'video' : 'audio';
      const transceiver = this.pc.getTransceivers().find((t) => t.kind === kind);
      if (kind === 'video') {
        this.videoSsrc = track.ssrc;
        this.videoTransceiver = transceiver;
      }
      if (transceiver && !this.reporting.has(kind)) {
        this.reporting.add(kind);
        transceiver.receiver.onRtcp.subscribe((packet) => {
          if (packet.type === RtcpSrPacket.type) this.ingest?.[kind]((packet as RtcpSrPacket).serialize());
        });
      }
      track.onReceiveRtp.subscribe((rtp) => {
        this.heard();
        if (kind === 'video' && this.videoSsrc === undefined) this.videoSsrc = rtp.header.ssrc;
        const packet = rtp.serialize();
        this.ingest?.[kind](packet);
        for (const sink of this.sinks) sink[kind](packet);
      });
    });
  }

  get name(): string {
    return this.options.name;
  }

  get sinkCount(): number {
    return this.sinks.size;
  }

  /** Negotiates and returns the session and its answer; on failure the peer connection is closed. */
  static async create(options: WhipSessionOptions): Promise<{ session: WhipSession; answer: string }> {
    const session = new WhipSession(options);
    return { session, answer: await session.answer() };
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

  protected prepare(): void {
    for (const transceiver of this.pc.getTransceivers()) transceiver.setDirection('recvonly');
  }

  protected onConnected(): void {
    this.options.onConnected(this);
  }

  protected release(): void {
    this.sinks.clear();
  }

  protected onClosed(reason: string): void {
    this.options.onClosed(this, reason);
  }
}
