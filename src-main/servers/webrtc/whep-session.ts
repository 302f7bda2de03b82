import { RtcpPayloadSpecificFeedback, RtpPacket, type RTCDataChannel, type RTCRtpSender, type RtcpPacket } from 'werift';
import type { DataMessage } from '../../../src-shared/contract/data.js';
import type { FeedSink, MediaFeed } from './feed.js';
import { MediaStreamTrack } from '../../protocols/webrtc/peer.js';
import { RtpSplicer } from '../../protocols/webrtc/rtp-splice.js';
import { PeerSession, type PeerSessionOptions } from './peer-session.js';
import { monotonicMs } from '../../core/clock.js';
import { fanoutMode, NativeViewer } from './native-fanout.js';

// Payload-specific feedback formats (RFC 4585, RFC 5104).
const PLI_FMT = 1;
const FIR_FMT = 4;

/** The stream's timed data for a viewer's `data` channel (data/timed-metadata.ts and the media clock). */
export interface WhepTimedData {
  /** Program date-time of a media time of the stream; null before its first frame. */
  programDateTime(mediaTime: number): number | null;
  /** Kept messages from a program date-time on (what a joining viewer may still see). */
  recent(fromPdt: number): DataMessage[];
  subscribe(listener: (message: DataMessage) => void): () => void;
}

/** A joining viewer gets the messages of the last seconds: its picture is that far behind at most. */
const RECENT_MS = 10_000;
/** A data channel that holds this much unsent drops what comes next (a viewer that stopped reading). */
const MAX_CHANNEL_BACKLOG = 1024 * 1024;

export interface WhepSessionOptions extends PeerSessionOptions {
  feed: MediaFeed;
  timedData?: WhepTimedData;
  /** webrtc.fanout when the viewer joined: auto feeds it natively where the addon can. */
  fanout?: 'auto' | 'js';
  onConnected?(session: WhepSession): void;
  onClosed(session: WhepSession, reason: string): void;
}

const ROLE = { key: 'viewer', label: 'WHEP viewer', silent: 'viewer stopped sending receiver reports', neverConnected: 'viewer never connected' } as const;

/**
 * One WHEP viewer: a werift peer connection with one sending track per kind (werift rewrites the
 * header of the packet it sends, so tracks are never shared), fed by the stream's MediaFeed.
 * Keyframe requests go to the feed; NACKs are answered by the sender from its packet history.
 * RTCP from the viewer keeps it alive. A viewer whose WHIP publisher dropped is parked (kept, fed
 * nothing) and resumed on the publisher that comes back: its tracks go on as one (RtpSplicer), so the
 * viewer sees a freeze, not an end.
 */
export class WhepSession extends PeerSession implements FeedSink {
  private readonly tracks: { video?: MediaStreamTrack; audio?: MediaStreamTrack } = {};
  private readonly splice = { video: new RtpSplicer(90_000), audio: new RtpSplicer(48_000) };
  private feed: MediaFeed;
  private detach: (() => void) | undefined;
  private videoSender: RTCRtpSender | undefined;
  private readonly senders: { kind: 'video' | 'audio'; sender: RTCRtpSender }[] = [];
  /** Fed by the native fan-out once connected (where the addon can serve it); werift sends otherwise. */
  native: NativeViewer | undefined;
  private channel: RTCDataChannel | undefined;
  private lastMap: { rtp: number; mediaTime: number } | undefined;
  private unsubscribeData: (() => void) | undefined;
  /** The simulcast encoding this viewer asked for (the WHEP layer extension); null: the publisher's default. */
  layer: string | null = null;

  private constructor(private readonly options: WhepSessionOptions) {
    super(options, ROLE);
    this.feed = options.feed;
  }

  get name(): string {
    return this.feed.name;
  }

  /** The video codec this viewer negotiated (a returning publisher must send the same). */
  get videoCodec(): string | undefined {
    return this.options.feed.video?.codec;
  }

  /** Parked: its publisher dropped; fed nothing, and kept for `graceMs` whatever the viewer says (it has nothing to report on). */
  get parked(): boolean {
    return this.parkedAt !== null;
  }

  private parkedAt: number | null = null;

  park(graceMs: number): void {
    this.detach?.();
    this.detach = undefined;
    this.parkedAt = Date.now();
    this.excuseSilence(graceMs);
  }

  /** Fed by `feed` from now on (the publisher that came back); a keyframe is asked for at once. */
  resume(feed: MediaFeed): void {
    this.parkedAt = null;
    this.feed = feed;
    this.excuseSilence(0);
    if (!this.connected || this.isClosed) return;
    this.detach = feed.attach(this);
    feed.requestKeyframe(this);
  }

  /** The feed this viewer watches now (a returning publisher replaces it). */
  get source(): MediaFeed {
    return this.feed;
  }

  /** Negotiates and returns the session and its answer; on failure the peer connection is closed. */
  static async create(options: WhepSessionOptions): Promise<{ session: WhepSession; answer: string }> {
    const session = new WhepSession(options);
    return { session, answer: await session.answer() };
  }

  video(rtp: Buffer): void {
    this.write('video', rtp);
  }

  audio(rtp: Buffer): void {
    this.write('audio', rtp);
  }

  private write(kind: 'video' | 'audio', rtp: Buffer): void {
    if (this.native && !this.native.isClosed) return this.native.send(kind, rtp);
    const track = this.tracks[kind];
    if (!track) return;
    const packet = RtpPacket.deSerialize(rtp);
    this.splice[kind].rewrite(packet.header, monotonicMs());
    track.writeRtp(packet);
  }

  /** Sends the viewer a time map: the RTP timestamp as its sender writes it (werift may offset it per viewer). */
  timeMap(map: { rtp: number; mediaTime: number }): void {
    this.lastMap = map;
    const programDateTime = this.options.timedData?.programDateTime(map.mediaTime);
    if (programDateTime === null || programDateTime === undefined) return;
    // werift keeps the offset private: it is 0 unless the sender had to splice a new source in.
    const native = this.native && !this.native.isClosed ? this.native : undefined;
    const offset = native ? native.timestampOffset('video') : ((this.videoSender as unknown as { timestampOffset?: number } | undefined)?.timestampOffset ?? 0) + this.splice.video.timestampOffset;
    const rtp = (map.rtp + offset) >>> 0;
    this.sendData({ type: 'time', rtp, mediaTime: map.mediaTime, programDateTime });
  }

  /** The viewer's `data` channel (our player opens it in its offer): time maps and the stream's timed messages. */
  private onChannel(channel: RTCDataChannel): void {
    const timed = this.options.timedData;
    if (channel.label !== 'data' || !timed || this.channel) return;
    this.channel = channel;
    const opened = (): void => {
      if (this.isClosed) return;
      if (this.lastMap) this.timeMap(this.lastMap);
      for (const message of timed.recent(Date.now() - RECENT_MS)) this.sendData({ type: 'message', message });
      this.unsubscribeData ??= timed.subscribe((message) => this.sendData({ type: 'message', message }));
    };
    if (channel.readyState === 'open') opened();
    else channel.stateChanged.subscribe((state) => state === 'open' && opened());
  }

  /** Frames not sent to a viewer whose data channel fell MAX_CHANNEL_BACKLOG behind (rule 3: dropped and counted). */
  dataDropped = 0;

  private sendData(frame: object): void {
    const channel = this.channel;
    if (!channel || channel.readyState !== 'open') return;
    if (channel.bufferedAmount > MAX_CHANNEL_BACKLOG) {
      this.dataDropped++;
      return;
    }
    try {
      channel.send(JSON.stringify(frame));
    } catch {
      // A channel closing under us: the session's own close follows.
    }
  }

  protected async prepare(): Promise<void> {
    this.pc.onDataChannel.subscribe((channel) => this.onChannel(channel));
    for (const transceiver of this.pc.getTransceivers()) {
      const kind = transceiver.kind === 'video' ? 'video' : 'audio';
      const track = new MediaStreamTrack({ kind });
      this.tracks[kind] = track;
      transceiver.setDirection('sendonly');
      await transceiver.sender.replaceTrack(track);
      transceiver.sender.onRtcp.subscribe((packet) => this.onRtcp(packet));
      if (kind === 'video') this.videoSender = transceiver.sender;
      this.senders.push({ kind, sender: transceiver.sender });
    }
  }

  protected onConnected(): void {
    const mode = fanoutMode(this.options.fanout);
    if (mode.native) {
      const opened = NativeViewer.open(mode.addon, this.senders);
      if (typeof opened === 'string') this.options.logger.info({ viewer: this.id, stream: this.name, reason: opened }, 'WHEP viewer fed by werift (JavaScript path)');
      else this.native = opened;
    }
    // Attached only once DTLS is up: packets before that would be dropped by the sender anyway.
    if (this.parked) return void this.options.onConnected?.(this);
    this.detach = this.feed.attach(this);
    this.feed.requestKeyframe(this);
    this.options.onConnected?.(this);
  }

  protected release(): void {
    this.native?.close();
    this.detach?.();
    this.unsubscribeData?.();
    for (const track of Object.values(this.tracks)) track.stop();
  }

  protected onClosed(reason: string): void {
    this.options.onClosed(this, reason);
  }

  private onRtcp(packet: RtcpPacket): void {
    this.heard();
    if (packet.type === RtcpPayloadSpecificFeedback.type) {
      const { count } = (packet as RtcpPayloadSpecificFeedback).feedback;
      if (count === PLI_FMT || count === FIR_FMT) this.feed.requestKeyframe(this);
    }
  }
}
