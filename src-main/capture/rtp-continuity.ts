/**
 * Keeps one RTP stream continuous across encoder restarts (a crash, or a new size or bitrate): each
 * new ffmpeg starts with its own random SSRC, sequence number and timestamp, which a receiver would
 * take for a burst of loss or a jump backwards and drop frames until it resyncs. Packets of a new
 * source are renumbered to follow the last packet sent, and their timestamps to follow the last one
 * by the wall-clock time that passed. Rewrites the packet in place (pure apart from the clock).
 */
export class RtpContinuity {
  private ssrc: number | undefined;
  private seqOffset = 0;
  private tsOffset = 0;
  private last: { seq: number; ts: number; at: number } | undefined;

  constructor(
    private readonly clockRate: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  rewrite(packet: Buffer): Buffer {
    if (packet.length < 12 || packet[0]! >> 6 !== 2) return packet;
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const ts = packet.readUInt32BE(4);
    const at = this.now();
    if (ssrc !== this.ssrc) {
      if (this.last) {
        const ticks = Math.max(1, Math.round(((at - this.last.at) * this.clockRate) / 1000));
        this.seqOffset = (this.last.seq + 1 - seq) & 0xffff;
        this.tsOffset = (this.last.ts + ticks - ts) >>> 0;
      }
      this.ssrc = ssrc;
    }
    const outSeq = (seq + this.seqOffset) & 0xffff;
    const outTs = (ts + this.tsOffset) >>> 0;
    packet.writeUInt16BE(outSeq, 2);
    packet.writeUInt32BE(outTs, 4);
    this.last = { seq: outSeq, ts: outTs, at };
    return packet;
  }
}
