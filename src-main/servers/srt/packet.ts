/**
 * SRT packet header codec (draft-sharabayko-srt §3). Every packet starts with 16 bytes:
 * data:    0|seq(31) · PP(2) O(1) KK(2) R(1) msgno(26) · timestamp(µs) · destination socket id
 * control: 1|type(15) subtype(16) · type-specific info · timestamp(µs) · destination socket id
 */

export const HEADER_SIZE = 16;

export const CTRL_HANDSHAKE = 0x0000;
export const CTRL_KEEPALIVE = 0x0001;
export const CTRL_ACK = 0x0002;
export const CTRL_NAK = 0x0003;
export const CTRL_CONGESTION = 0x0004;
export const CTRL_SHUTDOWN = 0x0005;
export const CTRL_ACKACK = 0x0006;
export const CTRL_DROPREQ = 0x0007;
export const CTRL_PEERERROR = 0x0008;

export interface DataPacket {
  control: false;
  seq: number;
  /** PP: 0b10 first, 0b00 middle, 0b01 last, 0b11 a whole message. */
  position: number;
  inOrder: boolean;
  /** KK: 0 clear, 1 even key, 2 odd key. */
  encryption: number;
  retransmitted: boolean;
  messageNumber: number;
  timestamp: number;
  destSocketId: number;
  payload: Buffer;
}

export interface ControlPacket {
  control: true;
  type: number;
  subtype: number;
  typeInfo: number;
  timestamp: number;
  destSocketId: number;
  /** Control information field: what follows the header. */
  cif: Buffer;
}

export type SrtPacket = DataPacket | ControlPacket;

/** Parses one UDP datagram; undefined when it is too short to be SRT. The payload is a view, not a copy. */
export function parsePacket(buf: Buffer): SrtPacket | undefined {
  if (buf.length < HEADER_SIZE) return undefined;
  const word0 = buf.readUInt32BE(0);
  const word1 = buf.readUInt32BE(4);
  const timestamp = buf.readUInt32BE(8);
  const destSocketId = buf.readUInt32BE(12);
  if ((word0 & 0x80000000) !== 0) {
    return { control: true, type: (word0 >>> 16) & 0x7fff, subtype: word0 & 0xffff, typeInfo: word1, timestamp, destSocketId, cif: buf.subarray(HEADER_SIZE) };
  }
  return {
    control: false,
    seq: word0,
    position: word1 >>> 30,
    inOrder: (word1 & 0x20000000) !== 0,
    encryption: (word1 >>> 27) & 0x03,
    retransmitted: (word1 & 0x04000000) !== 0,
    messageNumber: word1 & 0x03ffffff,
    timestamp,
    destSocketId,
    payload: buf.subarray(HEADER_SIZE),
  };
}

export interface ControlFields {
  type: number;
  subtype?: number;
  typeInfo?: number;
  timestamp: number;
  destSocketId: number;
  cif?: Buffer;
}

export function encodeControl(fields: ControlFields): Buffer {
  const cif = fields.cif ?? Buffer.alloc(0);
  const buf = Buffer.alloc(HEADER_SIZE + cif.length);
  buf.writeUInt32BE((0x80000000 | ((fields.type & 0x7fff) << 16) | ((fields.subtype ?? 0) & 0xffff)) >>> 0, 0);
  buf.writeUInt32BE((fields.typeInfo ?? 0) >>> 0, 4);
  buf.writeUInt32BE(fields.timestamp >>> 0, 8);
  buf.writeUInt32BE(fields.destSocketId >>> 0, 12);
  cif.copy(buf, HEADER_SIZE);
  return buf;
}

export interface DataFields {
  seq: number;
  messageNumber: number;
  timestamp: number;
  destSocketId: number;
  payload: Buffer;
  retransmitted?: boolean;
  encryption?: number;
}

/** A whole-message (PP=11), in-order data packet, as a live-mode sender makes them (used by tests). */
export function encodeData(fields: DataFields): Buffer {
  const buf = Buffer.alloc(HEADER_SIZE + fields.payload.length);
  buf.writeUInt32BE(fields.seq & 0x7fffffff, 0);
  const word1 = (0xc0000000 | 0x20000000 | ((fields.encryption ?? 0) << 27) | (fields.retransmitted ? 0x04000000 : 0) | (fields.messageNumber & 0x03ffffff)) >>> 0;
  buf.writeUInt32BE(word1, 4);
  buf.writeUInt32BE(fields.timestamp >>> 0, 8);
  buf.writeUInt32BE(fields.destSocketId >>> 0, 12);
  fields.payload.copy(buf, HEADER_SIZE);
  return buf;
}

/** The full ACK's control information (sequence numbers in packets, times in µs, rates per second). */
export interface AckInfo {
  /** Every packet before this one was received (or given up). */
  lastAckSeq: number;
  rttUs: number;
  rttVarUs: number;
  availableBuffer: number;
  packetsPerSecond: number;
  linkCapacity: number;
  bytesPerSecond: number;
}

export function encodeAckCif(ack: AckInfo): Buffer {
  const cif = Buffer.alloc(28);
  const values = [ack.lastAckSeq, ack.rttUs, ack.rttVarUs, ack.availableBuffer, ack.packetsPerSecond, ack.linkCapacity, ack.bytesPerSecond];
  values.forEach((v, i) => cif.writeUInt32BE(Math.max(0, Math.min(0xffffffff, Math.round(v))) >>> 0, i * 4));
  return cif;
}

/** Reads a full, small (16-byte) or light (4-byte) ACK; the fields a short one lacks are 0. */
export function decodeAckCif(cif: Buffer): AckInfo | undefined {
  if (cif.length < 4) return undefined;
  const at = (i: number): number => (cif.length >= (i + 1) * 4 ? cif.readUInt32BE(i * 4) : 0);
  return { lastAckSeq: at(0) & 0x7fffffff, rttUs: at(1), rttVarUs: at(2), availableBuffer: at(3), packetsPerSecond: at(4), linkCapacity: at(5), bytesPerSecond: at(6) };
}

/** DROPREQ: the sender gave up on messages in [from, to] (its type-specific info is the message number). */
export function decodeDropRequest(cif: Buffer): { from: number; to: number } | undefined {
  if (cif.length < 8) return undefined;
  return { from: cif.readUInt32BE(0) & 0x7fffffff, to: cif.readUInt32BE(4) & 0x7fffffff };
}
