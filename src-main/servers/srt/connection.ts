import type { Logger } from '../../core/logger.js';
import { parseScriptTag } from '../../protocols/flv/amf0.js';
import { tagBody } from '../../protocols/flv/flv.js';
import { TrackTracker } from '../../protocols/flv/tracks.js';
import type { MediaChunk, PathPublisher } from '../../media/types.js';
import type { ConverterFactory, TsConverter } from './converter.js';
import type { Agreement } from './negotiate.js';
import {
  CTRL_ACK,
  CTRL_ACKACK,
  CTRL_DROPREQ,
  CTRL_KEEPALIVE,
  CTRL_NAK,
  CTRL_PEERERROR,
  CTRL_SHUTDOWN,
  decodeDropRequest,
  encodeAckCif,
  encodeControl,
  type ControlPacket,
  type SrtPacket,
} from './packet.js';
import { SrtReceiver } from './receiver.js';
import { encodeLossList, type SeqRange } from './seq.js';

export interface SrtConnectionDeps {
  logger: Logger;
  send(packet: Buffer): void;
  createConverter: ConverterFactory;
  /** A peer silent this long is gone (libsrt's peer idle timeout is 5 s). */
  peerIdleTimeoutMs: number;
  onClosed(connection: SrtConnection): void;
}

export interface SrtPeer {
  address: string;
  port: number;
  /** The caller's socket id: the destination of everything we send. */
  socketId: number;
}

const KEEPALIVE_MS = 1000;

let nextId = 1;

/**
 * One accepted publisher: SRT receive side (ACK, NAK, ACKACK, keepalive, shutdown), its MPEG-TS
 * through a converter into FLV chunks, and those to its Path.
 */
export class SrtConnection {
  readonly id = `srt-${nextId++}`;
  private readonly log: Logger;
  private readonly receiver: SrtReceiver;
  private readonly converter: TsConverter;
  private readonly tracks = new TrackTracker();
  private readonly startedAt: number;
  private lastHeardAt: number;
  private lastSentAt = -Infinity;
  private closed = false;
  private stopping: Promise<void> = Promise.resolve();

  constructor(
    readonly peer: SrtPeer,
    /** Our socket id: the destination of what the caller sends. */
    readonly socketId: number,
    readonly streamName: string,
    /** The conclusion response, sent again when a caller repeats its conclusion. */
    readonly conclusionResponse: Buffer,
    agreement: Agreement,
    private readonly publisher: PathPublisher,
    private readonly deps: SrtConnectionDeps,
    now: number,
  ) {
    this.log = deps.logger.child({ conn: this.id, remoteAddress: peer.address, stream: streamName });
    this.startedAt = now;
    this.lastHeardAt = now;
    this.receiver = new SrtReceiver({ isn: agreement.isn, windowPackets: agreement.windowPackets, latencyMs: agreement.latencyMs, tooLateDrop: agreement.tooLateDrop });
    this.converter = deps.createConverter({ chunk: (c) => this.onChunk(c), failed: (reason) => this.close(reason) });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Resolves when the converter has stopped (after close). */
  get stopped(): Promise<void> {
    return this.stopping;
  }

  /** A packet from the peer (already matched by address and socket id). */
  handle(packet: SrtPacket, now: number): void {
    if (this.closed) return;
    this.lastHeardAt = now;
    if (!packet.control) {
      if (packet.encryption !== 0) {
        this.close('encrypted data on an unencrypted connection');
        return;
      }
      const { deliver, lost } = this.receiver.onData(packet.seq, packet.payload, now, packet.retransmitted);
      if (lost.length > 0) this.sendNak(lost, now);
      this.deliver(deliver);
      return;
    }
    this.onControl(packet, now);
  }

  /** Every SYN interval (10 ms). */
  tick(now: number): void {
    if (this.closed) return;
    if (now - this.lastHeardAt >= this.deps.peerIdleTimeoutMs) {
      this.close('publisher timed out', false);
      return;
    }
    const { deliver, ack, nak } = this.receiver.tick(now);
    this.deliver(deliver);
    if (ack) this.sendControl(CTRL_ACK, now, encodeAckCif(ack), ack.ackNumber);
    if (nak.length > 0) this.sendNak(nak, now);
    if (now - this.lastSentAt >= KEEPALIVE_MS) this.sendControl(CTRL_KEEPALIVE, now, Buffer.alloc(4));
  }

  /** Ends the connection: the peer is told (unless it is known gone), ffmpeg stops, the path ends at once. */
  close(reason: string, notifyPeer = true): void {
    if (this.closed) return;
    this.closed = true;
    if (notifyPeer) this.sendControl(CTRL_SHUTDOWN, performance.now(), Buffer.alloc(4));
    this.stopping = this.converter.stop().catch((error: unknown) => this.log.warn({ err: error }, 'converter stop failed'));
    const s = this.receiver.stats;
    this.log.info({ reason, packets: s.packets, bytes: s.bytes, lost: s.lost, retransmitted: s.retransmitted, dropped: s.dropped, pending: this.receiver.pendingLoss, rttMs: Math.round(this.receiver.rttMs * 10) / 10 }, 'SRT publisher gone');
    this.publisher.end(reason);
    this.deps.onClosed(this);
  }

  private onControl(packet: ControlPacket, now: number): void {
    switch (packet.type) {
      case CTRL_ACKACK:
        this.receiver.onAckAck(packet.typeInfo, now);
        return;
      case CTRL_KEEPALIVE:
        return;
      case CTRL_SHUTDOWN:
        this.close('publisher disconnected', false);
        return;
      case CTRL_DROPREQ: {
        const range = decodeDropRequest(packet.cif);
        if (range) this.deliver(this.receiver.onDropRequest(range.from, range.to));
        return;
      }
      case CTRL_PEERERROR:
        this.close(`publisher reported error ${packet.typeInfo}`);
        return;
      case CTRL_ACK:
      case CTRL_NAK:
      default:
        // We send no data: a peer's ACK/NAK, congestion warnings and user types need no answer.
        return;
    }
  }

  private deliver(payloads: Buffer[]): void {
    for (const payload of payloads) {
      if (this.closed) return;
      this.converter.write(payload);
    }
  }

  private onChunk(chunk: MediaChunk): void {
    if (this.closed) return;
    // Only onMetaData is a stream's metadata; the Path caches the latest script tag as such.
    if (chunk.kind === 'metadata' && parseScriptTag(tagBody(chunk.data))?.name !== 'onMetaData') return;
    this.publisher.write(chunk);
    const tracks = this.tracks.feed(chunk);
    if (tracks) this.publisher.setTracks(tracks);
  }

  private sendNak(ranges: SeqRange[], now: number): void {
    this.sendControl(CTRL_NAK, now, encodeLossList(ranges));
  }

  private sendControl(type: number, now: number, cif: Buffer, typeInfo = 0): void {
    this.lastSentAt = now;
    const timestamp = Math.max(0, Math.floor((now - this.startedAt) * 1000)) % 0x100000000;
    this.deps.send(encodeControl({ type, typeInfo, timestamp, destSocketId: this.peer.socketId, cif }));
  }
}
