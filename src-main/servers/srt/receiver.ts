import type { AckInfo } from './packet.js';
import { seqAdd, seqDiff, seqInc, type SeqRange } from './seq.js';

/**
 * The receiving half of an SRT connection, without sockets or clocks (times are passed in, in ms):
 * a receive buffer that delivers payloads in sequence order, a loss list that drives NAKs
 * (at once on a new hole, then periodically), full ACKs with RTT measured through ACKACK, and
 * too-late drop.
 *
 * Simplification: no TSBPD delivery delay. Packets are delivered as soon as they are in order
 * (the consumer is ffmpeg reading MPEG-TS, which does its own timing); the agreed latency is only
 * the deadline for a hole: when the packet after it has waited `latencyMs`, the hole is given up.
 */

export interface ReceiverOptions {
  /** The caller's initial sequence number: the first packet to deliver. */
  isn: number;
  windowPackets: number;
  latencyMs: number;
  /** Give up on holes older than latencyMs (negotiated TLPKTDROP); otherwise wait for them. */
  tooLateDrop: boolean;
}

export interface AckToSend extends AckInfo {
  ackNumber: number;
}

export interface TickResult {
  deliver: Buffer[];
  ack: AckToSend | undefined;
  nak: SeqRange[];
}

export interface ReceiverStats {
  packets: number;
  bytes: number;
  retransmitted: number;
  duplicates: number;
  outsideWindow: number;
  /** Packets found missing (each counted once). */
  lost: number;
  /** Missing packets given up on (too late or dropped by the sender). */
  dropped: number;
}

interface LossEntry extends SeqRange {
  /** When the hole was seen: the packet after it arrived then. */
  detectedAt: number;
  nakAt: number;
}

const MIN_NAK_INTERVAL_MS = 20;
const MIN_ACK_REPEAT_MS = 10;
/** Loss list words per NAK: keeps a NAK inside one 1500-byte datagram. */
const MAX_NAK_WORDS = 350;
const ACK_JOURNAL_SIZE = 256;
/** Stands in the buffer for a packet given up on, so that delivery steps over it. */
const GIVEN_UP = Buffer.alloc(0);

export class SrtReceiver {
  private next: number;
  private maxSeen: number;
  private readonly buffer = new Map<number, Buffer>();
  private loss: LossEntry[] = [];
  private ackNumber = 0;
  private lastAckSeq: number;
  private lastAckAt = -Infinity;
  private ackedBySender: number;
  private readonly journal = new Map<number, { seq: number; at: number }>();
  private rttSampled = false;
  rttMs = 100;
  rttVarMs = 50;
  private rateStart: number | undefined;
  private ratePackets = 0;
  private rateBytes = 0;
  private packetsPerSecond = 0;
  private bytesPerSecond = 0;
  readonly stats: ReceiverStats = { packets: 0, bytes: 0, retransmitted: 0, duplicates: 0, outsideWindow: 0, lost: 0, dropped: 0 };

  constructor(private readonly options: ReceiverOptions) {
    this.next = options.isn;
    this.maxSeen = seqAdd(options.isn, -1);
    this.lastAckSeq = options.isn;
    this.ackedBySender = options.isn;
  }

  /** The next sequence number to deliver: every packet before it was delivered or given up. */
  get ackSeq(): number {
    return this.next;
  }

  get buffered(): number {
    return this.buffer.size;
  }

  /** Packets still missing and still awaited (the sum of the loss list). */
  get pendingLoss(): number {
    return this.loss.reduce((sum, { from, to }) => sum + seqDiff(to, from) + 1, 0);
  }

  /** The current loss list (tests, diagnostics). */
  get lossList(): SeqRange[] {
    return this.loss.map(({ from, to }) => ({ from, to }));
  }

  /** A data packet arrived: returns the payloads now deliverable in order and the holes it revealed. */
  onData(seq: number, payload: Buffer, now: number, retransmitted = false): { deliver: Buffer[]; lost: SeqRange[] } {
    this.countRate(payload.length, now);
    const offset = seqDiff(seq, this.next);
    if (offset < 0 || this.buffer.has(seq)) {
      this.stats.duplicates++;
      return { deliver: [], lost: [] };
    }
    if (offset >= this.options.windowPackets) {
      this.stats.outsideWindow++;
      return { deliver: [], lost: [] };
    }
    this.stats.packets++;
    this.stats.bytes += payload.length;
    if (retransmitted) this.stats.retransmitted++;
    const lost: SeqRange[] = [];
    const ahead = seqDiff(seq, this.maxSeen);
    if (ahead > 1) {
      const hole = { from: seqInc(this.maxSeen), to: seqAdd(seq, -1) };
      this.loss.push({ ...hole, detectedAt: now, nakAt: now });
      this.stats.lost += ahead - 1;
      lost.push(hole);
    }
    if (ahead > 0) this.maxSeen = seq;
    else this.removeLoss(seq);
    this.buffer.set(seq, payload);
    return { deliver: this.drain(), lost };
  }

  /** The sender dropped [from, to] (DROPREQ): stop waiting for them. */
  onDropRequest(from: number, to: number): Buffer[] {
    if (seqDiff(to, from) < 0 || seqDiff(to, this.next) < 0 || seqDiff(to, this.next) >= this.options.windowPackets) return [];
    this.giveUp(seqDiff(from, this.next) > 0 ? from : this.next, to);
    return this.drain();
  }

  /** The sender acknowledged our ACK number `ackNumber`: one RTT sample. */
  onAckAck(ackNumber: number, now: number): void {
    const sent = this.journal.get(ackNumber);
    if (!sent) return;
    this.journal.delete(ackNumber);
    const sample = Math.max(0, now - sent.at);
    if (!this.rttSampled) {
      this.rttSampled = true;
      this.rttMs = sample;
      this.rttVarMs = sample / 2;
    } else {
      this.rttVarMs = 0.75 * this.rttVarMs + 0.25 * Math.abs(this.rttMs - sample);
      this.rttMs = 0.875 * this.rttMs + 0.125 * sample;
    }
    if (seqDiff(sent.seq, this.ackedBySender) > 0) this.ackedBySender = sent.seq;
  }

  /** Runs every SYN interval (10 ms): too-late drop, the full ACK, periodic NAKs. */
  tick(now: number): TickResult {
    const deliver: Buffer[] = [];
    if (this.options.tooLateDrop) {
      for (let first = this.loss[0]; first && now - first.detectedAt >= this.options.latencyMs; first = this.loss[0]) {
        this.giveUp(first.from, first.to);
      }
      deliver.push(...this.drain());
    }
    this.updateRates(now);
    return { deliver, ack: this.ackDue(now), nak: this.nakDue(now) };
  }

  private ackDue(now: number): AckToSend | undefined {
    const seq = this.next;
    if (seqDiff(seq, this.ackedBySender) <= 0) return undefined;
    if (seq === this.lastAckSeq && now - this.lastAckAt < Math.max(this.rttMs + 4 * this.rttVarMs, MIN_ACK_REPEAT_MS)) return undefined;
    this.ackNumber = this.ackNumber >= 0x7fffffff ? 1 : this.ackNumber + 1;
    this.lastAckSeq = seq;
    this.lastAckAt = now;
    this.journal.set(this.ackNumber, { seq, at: now });
    if (this.journal.size > ACK_JOURNAL_SIZE) this.journal.delete(this.journal.keys().next().value!);
    return {
      ackNumber: this.ackNumber,
      lastAckSeq: seq,
      rttUs: this.rttMs * 1000,
      rttVarUs: this.rttVarMs * 1000,
      availableBuffer: Math.max(2, this.options.windowPackets - this.buffer.size),
      packetsPerSecond: this.packetsPerSecond,
      // No packet-pair probing: report a generous capacity that never throttles a live sender.
      linkCapacity: Math.max(1000, this.packetsPerSecond * 4),
      bytesPerSecond: this.bytesPerSecond,
    };
  }

  private nakDue(now: number): SeqRange[] {
    const interval = Math.max((this.rttMs + 4 * this.rttVarMs) / 2, MIN_NAK_INTERVAL_MS);
    const out: SeqRange[] = [];
    let words = 0;
    for (const entry of this.loss) {
      if (now - entry.nakAt < interval) continue;
      const size = entry.from === entry.to ? 1 : 2;
      if (words + size > MAX_NAK_WORDS) break;
      words += size;
      entry.nakAt = now;
      out.push({ from: entry.from, to: entry.to });
    }
    return out;
  }

  /** Delivers what is in order from `next`; given-up packets are empty placeholders and are skipped. */
  private drain(): Buffer[] {
    const out: Buffer[] = [];
    for (let payload = this.buffer.get(this.next); payload !== undefined; payload = this.buffer.get(this.next)) {
      if (payload !== GIVEN_UP) out.push(payload);
      this.buffer.delete(this.next);
      this.next = seqInc(this.next);
    }
    return out;
  }

  /** Stops waiting for the missing packets in [from, to] (from >= next, inside the window). */
  private giveUp(from: number, to: number): void {
    for (let seq = from; seqDiff(to, seq) >= 0; seq = seqInc(seq)) {
      if (this.buffer.has(seq)) continue;
      this.buffer.set(seq, GIVEN_UP);
      this.stats.dropped++;
    }
    if (seqDiff(to, this.maxSeen) > 0) this.maxSeen = to;
    this.subtractLoss(from, to);
  }

  private subtractLoss(from: number, to: number): void {
    const kept: LossEntry[] = [];
    for (const entry of this.loss) {
      if (seqDiff(entry.to, from) < 0 || seqDiff(entry.from, to) > 0) {
        kept.push(entry);
        continue;
      }
      if (seqDiff(from, entry.from) > 0) kept.push({ ...entry, to: seqAdd(from, -1) });
      if (seqDiff(entry.to, to) > 0) kept.push({ ...entry, from: seqInc(to) });
    }
    this.loss = kept;
  }

  private removeLoss(seq: number): void {
    this.subtractLoss(seq, seq);
  }

  private countRate(bytes: number, now: number): void {
    this.rateStart ??= now;
    this.ratePackets++;
    this.rateBytes += bytes;
  }

  private updateRates(now: number): void {
    if (this.rateStart === undefined || now - this.rateStart < 1000) return;
    const seconds = (now - this.rateStart) / 1000;
    this.packetsPerSecond = Math.round(this.ratePackets / seconds);
    this.bytesPerSecond = Math.round(this.rateBytes / seconds);
    this.rateStart = now;
    this.ratePackets = 0;
    this.rateBytes = 0;
  }
}
