/**
 * One outgoing RTP track fed by sources that change (a publisher that left and came back): packets
 * of a new source (another SSRC) are renumbered so that the viewer sees one continuous track. The
 * sequence number goes on from the last one sent (no gap to NACK, no duplicate to drop), and the
 * timestamp from the last one sent plus the wall-clock time in between (the receiver's jitter buffer
 * reads the pause as a pause). Packets of the first source pass unchanged.
 */
export class RtpSplicer {
  private ssrc: number | undefined;
  private seqOffset = 0;
  private tsOffset = 0;
  private last: { seq: number; ts: number; atMs: number } | undefined;

  /** `clockRate`: the track's RTP clock (90000 for video, 48000 for Opus). */
  constructor(private readonly clockRate: number) {}

  /** Rewrites the header in place; `nowMs` is when the packet is sent. */
  rewrite(header: { ssrc: number; sequenceNumber: number; timestamp: number }, nowMs: number): void {
    if (header.ssrc !== this.ssrc) {
      if (this.ssrc !== undefined && this.last) {
        const elapsed = Math.max(1, Math.round(((nowMs - this.last.atMs) * this.clockRate) / 1000));
        this.seqOffset = (this.last.seq + 1 - header.sequenceNumber) & 0xffff;
        this.tsOffset = (this.last.ts + elapsed - header.timestamp) >>> 0;
      }
      this.ssrc = header.ssrc;
    }
    header.sequenceNumber = (header.sequenceNumber + this.seqOffset) & 0xffff;
    header.timestamp = (header.timestamp + this.tsOffset) >>> 0;
    // Reordered packets of the current source (older numbers) do not move the mark back.
    if (!this.last || seqNewer(header.sequenceNumber, this.last.seq)) this.last = { seq: header.sequenceNumber, ts: header.timestamp, atMs: nowMs };
  }

  /** What is added to a timestamp of the current source (0 for the first): a time map must add it too. */
  get timestampOffset(): number {
    return this.tsOffset;
  }
}

/** `a` comes after `b` in RTP's 16-bit sequence space (RFC 3550 A.1). */
function seqNewer(a: number, b: number): boolean {
  return a !== b && ((a - b) & 0xffff) < 0x8000;
}
