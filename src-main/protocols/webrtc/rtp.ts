/** Minimal RTP (RFC 3550) for packets we originate: no CSRC, no extensions (werift adds its own). */

export interface RtpFields {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
}

export function buildRtp(fields: RtpFields, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(12 + payload.length);
  out[0] = 0x80;
  out[1] = (fields.marker ? 0x80 : 0) | (fields.payloadType & 0x7f);
  out.writeUInt16BE(fields.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(fields.timestamp >>> 0, 4);
  out.writeUInt32BE(fields.ssrc >>> 0, 8);
  payload.copy(out, 12);
  return out;
}

/** The fields of an RTP packet's fixed header, or undefined when it is not RTP version 2. */
export function readRtp(packet: Buffer): (RtpFields & { payloadOffset: number }) | undefined {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return undefined;
  const csrc = packet[0]! & 0x0f;
  let offset = 12 + csrc * 4;
  if (packet[0]! & 0x10) {
    if (packet.length < offset + 4) return undefined;
    offset += 4 + packet.readUInt16BE(offset + 2) * 4;
  }
  if (offset > packet.length) return undefined;
  return {
    payloadType: packet[1]! & 0x7f,
    marker: (packet[1]! & 0x80) !== 0,
    sequenceNumber: packet.readUInt16BE(2),
    timestamp: packet.readUInt32BE(4),
    ssrc: packet.readUInt32BE(8),
    payloadOffset: offset,
  };
}
