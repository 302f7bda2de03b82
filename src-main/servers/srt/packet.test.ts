import { describe, expect, it } from 'vitest';
import {
  CTRL_ACK,
  CTRL_ACKACK,
  CTRL_NAK,
  CTRL_SHUTDOWN,
  decodeAckCif,
  decodeDropRequest,
  encodeAckCif,
  encodeControl,
  encodeData,
  parsePacket,
} from './packet.js';

// Captured between ffmpeg 5.1 (libsrt 1.5.1 caller) and srt-live-transmit (listener).
const ACK = '80020000000000010002473a34465f8824bd77dc000186a00000c35000001ff800000002000003e800000659';
const ACKACK = '800600000000000100026561191d341e00000000';
const SHUTDOWN = '8005000000000000001ee91d191d341e00000000';
const NAK = '80030000000000000002692638a64b3d36a3f865';

describe('SRT packet header', () => {
  it('reads libsrt control packets', () => {
    const ack = parsePacket(Buffer.from(ACK, 'hex'));
    expect(ack).toMatchObject({ control: true, type: CTRL_ACK, subtype: 0, typeInfo: 1, timestamp: 0x2473a, destSocketId: 0x34465f88 });
    expect(ack?.control && decodeAckCif(ack.cif)).toEqual({
      lastAckSeq: 0x24bd77dc, rttUs: 100_000, rttVarUs: 50_000, availableBuffer: 8184, packetsPerSecond: 2, linkCapacity: 1000, bytesPerSecond: 0x659,
    });
    expect(parsePacket(Buffer.from(ACKACK, 'hex'))).toMatchObject({ control: true, type: CTRL_ACKACK, typeInfo: 1, destSocketId: 0x191d341e });
    expect(parsePacket(Buffer.from(SHUTDOWN, 'hex'))).toMatchObject({ control: true, type: CTRL_SHUTDOWN });
    expect(parsePacket(Buffer.from(NAK, 'hex'))).toMatchObject({ control: true, type: CTRL_NAK, cif: Buffer.from('36a3f865', 'hex') });
  });

  it('writes control packets byte for byte as libsrt does', () => {
    const ack = parsePacket(Buffer.from(ACK, 'hex'));
    if (!ack?.control) throw new Error('not control');
    const again = encodeControl({ type: CTRL_ACK, typeInfo: 1, timestamp: ack.timestamp, destSocketId: ack.destSocketId, cif: encodeAckCif(decodeAckCif(ack.cif)!) });
    expect(again.toString('hex')).toBe(ACK);
    expect(encodeControl({ type: CTRL_SHUTDOWN, timestamp: 0x1ee91d, destSocketId: 0x191d341e, cif: Buffer.alloc(4) }).toString('hex')).toBe(SHUTDOWN);
  });

  it('reads data packet fields: a retransmitted whole message (e4000003)', () => {
    const raw = Buffer.concat([Buffer.from('36a3f865e40000030000100034465f88', 'hex'), Buffer.from('payload')]);
    expect(parsePacket(raw)).toEqual({
      control: false, seq: 916715621, position: 3, inOrder: true, encryption: 0, retransmitted: true, messageNumber: 3,
      timestamp: 0x1000, destSocketId: 0x34465f88, payload: Buffer.from('payload'),
    });
  });

  it('writes data packets (as a test caller) and reads their encryption bits', () => {
    const raw = encodeData({ seq: 0x7fffffff, messageNumber: 9, timestamp: 5, destSocketId: 7, payload: Buffer.from([1, 2]), encryption: 2 });
    expect(parsePacket(raw)).toMatchObject({ control: false, seq: 0x7fffffff, position: 3, encryption: 2, retransmitted: false, messageNumber: 9, payload: Buffer.from([1, 2]) });
  });

  it('rejects runts, reads short ACKs and DROPREQ ranges', () => {
    expect(parsePacket(Buffer.alloc(15))).toBeUndefined();
    expect(decodeAckCif(Buffer.from('00000010', 'hex'))).toMatchObject({ lastAckSeq: 16, rttUs: 0 });
    expect(decodeAckCif(Buffer.alloc(2))).toBeUndefined();
    expect(decodeDropRequest(Buffer.from('0000000a0000000c', 'hex'))).toEqual({ from: 10, to: 12 });
    expect(decodeDropRequest(Buffer.alloc(4))).toBeUndefined();
  });
});
