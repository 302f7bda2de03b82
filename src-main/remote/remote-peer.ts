import crypto from 'node:crypto';
import { RtcpRrPacket, RtcpSrPacket, type RTCDataChannel } from 'werift';
import { StudioError } from '../core/errors.js';
import type { IceOptions } from '../protocols/webrtc/ice-options.js';
import { answerWhenGathered, MediaStreamTrack, peerConfig, RTCPeerConnection } from '../protocols/webrtc/peer.js';
import { chooseCodecs, narrowOffer, parseOffer, type CodecChoice } from '../protocols/webrtc/sdp.js';
import type { ViewerCodec } from './display-share.js';
import type { NetworkSample } from './quality.js';
import { monotonicMs } from '../core/clock.js';

/** A viewer that sends nothing (no data-channel ping) for this long is gone: its held input is released. */
export const VIEWER_SILENCE_MS = 3000;

/**
 * Checks a viewer's offer: one recvonly/sendrecv video section (H.264, constrained baseline preferred; VP8),
 * optionally one audio section (Opus: the host's sound), and the data channel (m=application) that
 * carries input. The WHEP parser checks the media part; the data-channel section is checked here,
 * then kept as it is in the narrowed offer werift reads.
 */
export function checkViewerOffer(sdp: unknown): { narrowed: string; choice: CodecChoice } {
  if (typeof sdp !== 'string') throw new StudioError('SDP_INVALID', 'the body must be an SDP offer (Content-Type: application/sdp)');
  const sections = sdp.split(/\r?\n(?=m=)/);
  const application = sections.filter((s) => s.startsWith('m=application'));
  if (application.length !== 1 || !/^m=application \d+ UDP\/DTLS\/SCTP webrtc-datachannel/.test(application[0]!)) {
    throw new StudioError('SDP_INVALID', 'the offer needs one data channel (m=application ... webrtc-datachannel) for input');
  }
  const media = parseOffer(sections.filter((s) => !s.startsWith('m=application')).join('\r\n'));
  const kinds = media.media.map((m) => m.kind).sort().join(',');
  if (kinds !== 'video' && kinds !== 'audio,video') {
    throw new StudioError('SDP_INVALID', 'the offer needs exactly one video section, and at most one audio section');
  }
  // H.264 (constrained baseline preferred) when the viewer has it, else VP8.
  const choice = chooseCodecs(media, 'send', ['h264', 'vp8'], '42');
  return { narrowed: narrowOffer(sdp, choice), choice };
}

export interface RemotePeerEvents {
  onMessage(text: string): void;
  onClosed(reason: string): void;
  /** A receiver report of the video: loss since the last one and the smoothed round trip. */
  onReport?(sample: NetworkSample): void;
}

/** One viewer's peer connection: sending video and sound tracks fed with capture RTP, and the input data channel. */
export class RemotePeer {
  readonly id = crypto.randomBytes(12).toString('base64url');
  readonly since = Date.now();
  private readonly pc: RTCPeerConnection;
  private readonly track = new MediaStreamTrack({ kind: 'video' });
  private readonly soundTrack = new MediaStreamTrack({ kind: 'audio' });
  private channel: RTCDataChannel | undefined;
  private readonly pending: string[] = [];
  /** Monotonic (core/clock.ts): a wall-clock step must not close every viewer as silent. */
  private lastHeardAt = monotonicMs();
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;
  connected = false;

  /** The video codec the viewer decodes. */
  readonly codec: ViewerCodec;

  private constructor(
    ice: IceOptions,
    choice: CodecChoice,
    readonly remoteAddress: string,
    private readonly events: RemotePeerEvents,
    private readonly onConnected: () => void,
  ) {
    this.pc = new RTCPeerConnection(peerConfig(ice, choice));
    this.codec = choice.video?.name === 'vp8' ? 'vp8' : 'h264';
  }

  static async create(options: {
    offer: string;
    ice: IceOptions;
    remoteAddress: string;
    events: RemotePeerEvents;
    onConnected: (peer: RemotePeer) => void;
  }): Promise<{ peer: RemotePeer; answer: string }> {
    const { narrowed, choice } = checkViewerOffer(options.offer);
    const peer: RemotePeer = new RemotePeer(options.ice, choice, options.remoteAddress, options.events, () => options.onConnected(peer));
    try {
      return { peer, answer: await peer.negotiate(narrowed) };
    } catch (error) {
      peer.close('negotiation failed', false);
      throw error instanceof StudioError ? error : new StudioError('SDP_INVALID', `the offer could not be answered: ${(error as Error).message}`);
    }
  }

  video(rtp: Buffer): void {
    if (this.connected) this.track.writeRtp(rtp);
  }

  audio(rtp: Buffer): void {
    if (this.connected) this.soundTrack.writeRtp(rtp);
  }

  /** A message to the viewer over the data channel; kept until the channel opens. */
  send(message: object): void {
    const text = JSON.stringify(message);
    if (this.channel?.readyState === 'open') this.channel.send(text);
    else if (this.pending.length < 16) this.pending.push(text);
  }

  /**
   * Resolves once the viewer has acknowledged everything sent to it (the SCTP association has nothing
   * queued or in flight), or after `timeoutMs`. A message can need a retransmission (werift's
   * retransmission timer is one second at least), so closing right after a send could lose it.
   */
  async delivered(timeoutMs: number): Promise<void> {
    const deadline = monotonicMs() + timeoutMs;
    // werift keeps these counters private; they are read, never written.
    const sctp = this.pc.sctpTransport as unknown as { dataChannelQueue?: unknown[]; sctp?: { flightSize?: number; outboundQueue?: unknown[] } } | undefined;
    const idle = (): boolean =>
      this.pending.length === 0 && !sctp?.dataChannelQueue?.length && !sctp?.sctp?.outboundQueue?.length && !sctp?.sctp?.flightSize;
    while (!this.closed && !idle() && monotonicMs() < deadline) await new Promise((r) => setTimeout(r, 10));
  }

  close(reason: string, notify = true): void {
    if (this.closed) return;
    this.closed = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.track.stop();
    this.soundTrack.stop();
    void this.pc.close().catch(() => undefined);
    if (notify) this.events.onClosed(reason);
  }

  private async negotiate(offer: string): Promise<string> {
    this.pc.onDataChannel.subscribe((channel) => {
      this.channel = channel;
      channel.onMessage.subscribe((data) => {
        this.lastHeardAt = monotonicMs();
        this.events.onMessage(typeof data === 'string' ? data : data.toString('utf8'));
      });
      const flush = (): void => {
        for (const text of this.pending.splice(0)) channel.send(text);
      };
      if (channel.readyState === 'open') flush();
      channel.stateChanged.subscribe((state) => {
        if (state === 'open') flush();
        if (state === 'closed') this.close('data channel closed');
      });
    });
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer });
    for (const transceiver of this.pc.getTransceivers()) {
      transceiver.setDirection('sendonly');
      const { sender } = transceiver;
      if (transceiver.kind === 'audio') {
        await sender.replaceTrack(this.soundTrack);
        continue;
      }
      await sender.replaceTrack(this.track);
      sender.onRtcp.subscribe((packet) => {
        this.lastHeardAt = monotonicMs();
        // werift has read the report into the sender (loss fraction, smoothed round trip) before this.
        if (packet.type === RtcpRrPacket.type || packet.type === RtcpSrPacket.type) {
          const read = sender as unknown as { remoteFractionLost?: number; rtt?: number };
          this.events.onReport?.({ at: Date.now(), lossFraction: read.remoteFractionLost ?? 0, ...(read.rtt !== undefined ? { rttMs: read.rtt * 1000 } : {}) });
        }
      });
    }
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected' && !this.connected) {
        this.connected = true;
        this.lastHeardAt = monotonicMs();
        this.onConnected();
      } else if (state === 'failed' || state === 'closed') this.close(`connection ${state}`);
    });
    const answer = await answerWhenGathered(this.pc);
    this.watchdog = setInterval(() => {
      // Before the connection is up, ICE and DTLS get a generous 15 s.
      const limit = this.connected ? VIEWER_SILENCE_MS : 15_000;
      if (monotonicMs() - this.lastHeardAt > limit) this.close(this.connected ? 'viewer went silent' : 'viewer never connected');
    }, 500);
    this.watchdog.unref();
    return answer;
  }
}
