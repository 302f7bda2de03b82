/**
 * Follows MQTT framing (a fixed-header byte, a 1-4 byte remaining length, the body) over the bytes a
 * client sends, without decoding anything, so a packet over the limit is refused as soon as its
 * header arrives, before the broker's parser buffers its body.
 */
export class PacketSizeGuard {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private bodyLeft = 0;

  constructor(private readonly maxBytes: number) {}

  /** The size of the first packet over the limit, -1 for a malformed length, else 0. */
  push(chunk: Buffer): number {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= take;
        i += take;
        if (this.bodyLeft === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[i++]!;
      if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        this.lengthBytes = 0;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.lengthBytes++;
      if (byte & 0x80) {
        if (this.lengthBytes === 4) return -1;
        continue;
      }
      const size = 1 + this.lengthBytes + this.length;
      if (size > this.maxBytes) return size;
      this.bodyLeft = this.length;
      this.state = this.length === 0 ? 'type' : 'body';
    }
    return 0;
  }
}
