import crypto from 'node:crypto';
import type { Logger } from '../../core/logger.js';
import type { IceOptions } from '../../protocols/webrtc/ice-options.js';
import { answerWhenGathered, peerConfig, RTCPeerConnection } from '../../protocols/webrtc/peer.js';
import type { CodecChoice } from '../../protocols/webrtc/sdp.js';
import { monotonicMs } from '../../core/clock.js';

/** What every WHIP and WHEP session is made of. */
export interface PeerSessionOptions {
  offer: string;
  choice: CodecChoice;
  ice: IceOptions;
  logger: Logger;
  remoteAddress: string;
  /** Nothing heard from the peer for this long (after it connected, or since the offer): it is gone. */
  silenceTimeoutMs: number;
}

/** How a kind of session names itself in logs and close reasons. */
export interface PeerRole {
  /** Log field of the session id. */
  key: 'viewer' | 'publisher';
  /** "WHEP viewer", "WHIP publisher". */
  label: string;
  /** Close reason when a connected peer went silent. */
  silent: string;
  /** Close reason when the peer never connected. */
  neverConnected: string;
}

/**
 * One WHIP or WHEP resource: a werift peer connection answered with all its candidates, trickled
 * candidates, and a watchdog that closes the session when the connection fails or the peer goes
 * silent. A subclass sets up its tracks, calls heard() on what proves the peer alive, and releases
 * what it holds.
 */
export abstract class PeerSession {
  readonly id = crypto.randomBytes(12).toString('base64url');
  connected = false;
  protected readonly pc: RTCPeerConnection;
  /** Monotonic (core/clock.ts): a wall-clock step must not close every session as silent, or keep a silent one for an hour. */
  private lastHeardAt = monotonicMs();
  private watchdog: NodeJS.Timeout | undefined;
  private closed = false;

  protected constructor(
    private readonly peer: PeerSessionOptions,
    private readonly role: PeerRole,
  ) {
    this.pc = new RTCPeerConnection(peerConfig(peer.ice, peer.choice));
  }

  abstract get name(): string;

  get remoteAddress(): string {
    return this.peer.remoteAddress;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get iceUfrag(): string | undefined {
    return /a=ice-ufrag:(\S+)/.exec(this.pc.remoteDescription?.sdp ?? '')?.[1];
  }

  async addIceCandidate(candidate: string, mid: string | undefined): Promise<void> {
    await this.pc.addIceCandidate({ candidate, sdpMid: mid ?? this.pc.getTransceivers()[0]?.mid ?? '0' });
  }

  close(reason: string, notify = true): void {
    if (this.closed) return;
    this.closed = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.release();
    void this.pc.close().catch(() => undefined);
    this.peer.logger.info({ [this.role.key]: this.id, stream: this.name, reason }, `${this.role.label} closed`);
    if (notify) this.onClosed(reason);
  }

  /** Negotiates and returns the answer; on failure the peer connection is closed (without notifying). */
  protected async answer(): Promise<string> {
    try {
      return await this.negotiate();
    } catch (error) {
      this.close('negotiation failed', false);
      throw error;
    }
  }

  /** How long nothing has been heard from the peer. */
  get silentMs(): number {
    return Math.max(0, monotonicMs() - this.lastHeardAt);
  }

  /** The peer is alive (media from a publisher, RTCP from a viewer). */
  protected heard(): void {
    this.lastHeardAt = Math.max(this.lastHeardAt, monotonicMs());
  }

  /** The peer may say nothing for `ms` from now (a viewer with nothing to receive); a failed connection still closes it. */
  protected excuseSilence(ms: number): void {
    this.lastHeardAt = monotonicMs() + ms;
  }

  /** The offer is applied: set up the transceivers. */
  protected abstract prepare(): Promise<void> | void;
  /** DTLS is up: media may flow. */
  protected abstract onConnected(): void;
  /** Frees what the subclass holds (tracks, sinks); the peer connection is closed after. */
  protected abstract release(): void;
  /** Tells the owner that the session closed. */
  protected abstract onClosed(reason: string): void;

  private async negotiate(): Promise<string> {
    await this.pc.setRemoteDescription({ type: 'offer', sdp: this.peer.offer });
    await this.prepare();
    this.pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected' && !this.connected) {
        this.connected = true;
        this.heard();
        this.onConnected();
      } else if (state === 'failed' || state === 'closed') this.close(`connection ${state}`);
    });
    const answer = await answerWhenGathered(this.pc);
    this.watchdog = setInterval(() => {
      if (monotonicMs() - this.lastHeardAt > this.peer.silenceTimeoutMs) this.close(this.connected ? this.role.silent : this.role.neverConnected);
    }, 1000);
    this.watchdog.unref();
    return answer;
  }
}
