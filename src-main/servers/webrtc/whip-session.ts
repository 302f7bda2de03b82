import { RtcpSrPacket, type MediaStreamTrack, type RTCRtpTransceiver, type RtpPacket } from 'werift';
import { keyframeSize, LayerSwitch, SimulcastLayers, startsKeyframe, type LayerInfo } from '../../protocols/webrtc/simulcast.js';
import type { FeedSink, MediaFeed } from './feed.js';
import { PeerSession, type PeerSessionOptions } from './peer-session.js';
import type { WhipIngest } from './whip-ingest.js';
import { monotonicMs } from '../../core/clock.js';

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
 * A simulcast publisher (a guest's browser) sends several encodings: each viewer gets the one it asked
 * for (FeedSink.layer; the publisher's first by default, the nearest sent one while that is paused),
 * switched at a keyframe of the new one, which is asked for then. Only a relay keeps several
 * encodings (the server answers a publisher into the Path with its first alone), so no ingest reads them.
 * Media from the publisher keeps it alive. The publisher's sender reports go to the ingest too: they
 * map each track's RTP clock to the sender's wall clock, which is how the ingest keeps sound and
 * picture together (RFC 3550 §6.4.1), whichever track started first and however the audio clock drifts.
 */
export class WhipSession extends PeerSession implements MediaFeed {
  readonly video: MediaFeed['video'];
  readonly hasAudio: boolean;
  /** The payload types the publisher sends with (from its offer, echoed in our answer). */
  readonly payloadTypes: { video?: number; audio?: number };
  /** Each viewer, and its layer when the publisher sends simulcast. */
  private readonly sinks = new Map<FeedSink, LayerSwitch>();
  /** The publisher's simulcast encodings, when it sends several. */
  readonly layers: SimulcastLayers | undefined;
  /** When a PLI last went for each SSRC. */
  private readonly lastPli = new Map<number, number>();
  /** The ingest into the Path; set once it runs. */
  ingest: WhipIngest | undefined;
  private videoTransceiver: RTCRtpTransceiver | undefined;
  private videoSsrc: number | undefined;
  /** The kinds whose sender reports are forwarded (one subscription each). */
  private readonly reporting = new Set<'video' | 'audio'>();

  private constructor(private readonly options: WhipSessionOptions) {
    super(options, ROLE);
    const { choice } = options;
    this.video = choice.video ? { codec: choice.video.name } : undefined;
    this.hasAudio = choice.audio !== undefined;
    this.payloadTypes = { ...(choice.video ? { video: choice.video.codec.pt } : {}), ...(choice.audio ? { audio: choice.audio.codec.pt } : {}) };
    this.layers = choice.video?.rids && choice.video.rids.length > 1 ? new SimulcastLayers(choice.video.rids) : undefined;
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
      // werift gives one track per simulcast encoding (its rid), all on the video transceiver.
      const tracks: MediaStreamTrack[] = kind === 'video' && this.layers && transceiver ? transceiver.receiver.tracks.filter((t) => t.rid) : [track];
      for (const t of tracks) {
        if (t.rid !== undefined && this.layers?.has(t.rid)) {
          const rid = t.rid;
          t.onReceiveRtp.subscribe((rtp) => this.layerPacket(rid, rtp));
          continue;
        }
        t.onReceiveRtp.subscribe((rtp) => {
          this.heard();
          if (kind === 'video' && this.videoSsrc === undefined) this.videoSsrc = rtp.header.ssrc;
          const packet = rtp.serialize();
          this.ingest?.[kind](packet);
          for (const sink of this.sinks.keys()) sink[kind](packet);
        });
      }
    });
  }

  /** A packet of one simulcast encoding (a relay's: no ingest reads it), to each viewer on (or switching to) it. */
  private layerPacket(rid: string, rtp: RtpPacket): void {
    this.heard();
    const layers = this.layers!;
    const now = monotonicMs();
    const codec = this.video!.codec;
    const keyframe = startsKeyframe(codec, rtp.payload);
    layers.heard(rid, rtp.header.ssrc, rtp.payload.length, now, keyframe ? keyframeSize(codec, rtp.payload) : undefined);
    const packet = rtp.serialize();
    for (const [sink, layer] of this.sinks) {
      const target = layers.target(sink.layer ?? undefined, now);
      if (layer.accept(rid, keyframe, target)) sink.video(packet);
      if (layer.waitsFor(target)) this.pli(layers.ssrcOf(target), now);
    }
  }

  /** A PLI for one SSRC (an encoding), once per PLI_MIN_INTERVAL_MS at most. */
  private pli(ssrc: number | undefined, now: number): void {
    if (ssrc === undefined || !this.videoTransceiver || now - (this.lastPli.get(ssrc) ?? 0) < PLI_MIN_INTERVAL_MS) return;
    this.lastPli.set(ssrc, now);
    void this.videoTransceiver.receiver.sendRtcpPLI(ssrc).catch(() => undefined);
  }

  /** The encodings and which one `sink` gets (simulcast publishers only). */
  layersOf(sink: FeedSink): { layers: LayerInfo[]; current: string | null } | undefined {
    if (!this.layers) return undefined;
    return { layers: this.layers.info(monotonicMs()), current: this.sinks.get(sink)?.current ?? null };
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
    this.sinks.set(sink, new LayerSwitch());
    return () => {
      this.sinks.delete(sink);
    };
  }

  /** A keyframe of what `sink` watches (of the default encoding without one). */
  requestKeyframe(sink?: FeedSink): void {
    const now = monotonicMs();
    if (!this.layers) return this.pli(this.videoSsrc, now);
    const layer = sink ? this.sinks.get(sink) : undefined;
    const rid = layer?.current ?? (sink ? this.layers.target(sink.layer ?? undefined, now) : this.layers.preferred);
    this.pli(this.layers.ssrcOf(rid), now);
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
