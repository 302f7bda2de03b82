import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { RtpHeader, RtpPacket, SrtpSession, unwrapRtx } from 'werift';
import { needs } from '../../../test-support/peers.js';
import { nativeFeature } from '../../platform/native.js';
import { fanoutMode, ntpOf, socketFd, type NativeFanoutAddon } from './native-fanout.js';

// The native fan-out against a real SRTP peer: what the addon sends over a real UDP socket is
// decrypted by werift's own SrtpSession (what a werift viewer runs; Chromium's libsrtp in the e2e).
const skip = needs('srtp-dev');
const found = skip ? null : nativeFeature('srtp');
const addon = found?.ok ? (found.addon as unknown as NativeFanoutAddon) : null;

const PROFILES = { cm: { id: 0x0001, key: 16, salt: 14 }, gcm: { id: 0x0007, key: 16, salt: 12 } } as const;

interface Socket {
  socket: dgram.Socket;
  fd: number;
  port: number;
}

const opened: dgram.Socket[] = [];
const transports: number[] = [];
afterEach(() => {
  for (const id of transports.splice(0)) addon?.srtpTransportClose(id);
  for (const s of opened.splice(0)) s.close();
});

async function udp(): Promise<Socket> {
  const socket = dgram.createSocket('udp4');
  opened.push(socket);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const fd = socketFd(socket)!;
  expect(fd).toBeGreaterThan(2);
  return { socket, fd, port: socket.address().port };
}

function rtp(seq: number, ts: number, ssrc: number, payload: Buffer, marker = false, pt = 100): Buffer {
  return new RtpPacket(new RtpHeader({ sequenceNumber: seq, timestamp: ts, ssrc, payloadType: pt, marker }), payload).serialize();
}

/** A sender socket, a receiver socket, keys, and the receiver's SRTP session (werift's). */
async function pair(profile: keyof typeof PROFILES) {
  const p = PROFILES[profile];
  const from = await udp();
  const to = await udp();
  const key = Buffer.alloc(p.key, 7);
  const salt = Buffer.alloc(p.salt, 9);
  const session = new SrtpSession({ keys: { localMasterKey: Buffer.alloc(p.key, 1), localMasterSalt: Buffer.alloc(p.salt, 2), remoteMasterKey: key, remoteMasterSalt: salt }, profile: p.id });
  const transport = addon!.srtpTransport({ fd: from.fd, host: '127.0.0.1', port: to.port, profile: p.id, key: Buffer.concat([key, salt]) });
  transports.push(transport);
  const received: RtpPacket[] = [];
  const raw: Buffer[] = [];
  to.socket.on('message', (data: Buffer) => {
    raw.push(data);
    received.push(RtpPacket.deSerialize(session.decrypt(data)));
  });
  const until = async (n: number) => {
    const deadline = Date.now() + 3000;
    while (received.length < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    return received;
  };
  return { transport, received, raw, until, to };
}

describe.skipIf(skip)('native WebRTC fan-out (libsrtp; werift decrypts what it sends)', () => {
  it('is what this host chooses, unless webrtc.fanout is js', () => {
    expect(found?.ok, found && !found.ok ? found.reason : '').toBe(true);
    expect(fanoutMode('auto').native).toBe(true);
    expect(fanoutMode('js')).toEqual({ native: false, reason: 'webrtc.fanout is js' });
    expect(fanoutMode('auto', () => ({ ok: false, reason: 'the native addon has no srtp part' }))).toEqual({ native: false, reason: 'the native addon has no srtp part' });
  });

  for (const profile of ['cm', 'gcm'] as const) {
    it(`sends one packet to every viewer with its own header, readable under its keys (${profile === 'cm' ? 'AES_CM_128_HMAC_SHA1_80' : 'AEAD_AES_128_GCM'})`, async () => {
      const a = await pair(profile);
      const b = await pair(profile);
      const va = addon!.fanStream(a.transport, { ssrc: 0x1111, pt: 102, clockRate: 90000 });
      const vb = addon!.fanStream(b.transport, { ssrc: 0x2222, pt: 96, clockRate: 90000, twccId: 3, absSendTimeId: 2, midId: 1, mid: '0' });
      const payload = Buffer.from('a frame of H.264, more or less');
      const ids = Int32Array.of(va, vb);
      expect(addon!.fanSend(ids, rtp(500, 9000, 0xabcdef, payload, true))).toBe(2);
      expect(addon!.fanSend(ids, rtp(501, 12000, 0xabcdef, payload))).toBe(2);
      const ra = await a.until(2);
      const rb = await b.until(2);
      const [a0, b0, b1] = [ra[0]!, rb[0]!, rb[1]!];
      expect(ra.map((p) => [p.header.ssrc, p.header.payloadType, p.header.sequenceNumber, p.header.timestamp, p.header.marker])).toEqual([[0x1111, 102, 500, 9000, true], [0x1111, 102, 501, 12000, false]]);
      expect(a0.payload.equals(payload)).toBe(true);
      expect(a0.header.extensions).toEqual([]);
      // Each viewer its own extensions: mid, abs-send-time, and a transport-wide number that counts on.
      expect(rb.map((p) => p.header.ssrc)).toEqual([0x2222, 0x2222]);
      expect(b0.payload.equals(payload)).toBe(true);
      const ext = (p: RtpPacket, id: number) => p.header.extensions.find((e) => e.id === id)?.payload;
      expect(ext(b0, 1)?.toString()).toBe('0');
      expect(ext(b0, 2)?.length).toBe(3);
      expect([ext(b0, 3)?.readUInt16BE(0), ext(b1, 3)?.readUInt16BE(0)]).toEqual([1, 2]);
      const stats = addon!.fanStats(va)!;
      expect(stats.slice(0, 3)).toEqual([2, payload.length * 2, 12000]);
      expect(Math.abs(stats[3] - Date.now())).toBeLessThan(2000);
    });
  }

  it("splices a new source on (the sequence goes on, the timestamp by the time between), as werift's path does", async () => {
    const a = await pair('cm');
    const v = addon!.fanStream(a.transport, { ssrc: 7, pt: 96, clockRate: 90000 });
    const ids = Int32Array.of(v);
    addon!.fanSend(ids, rtp(100, 1000, 1, Buffer.from('x')));
    addon!.fanSend(ids, rtp(101, 4000, 1, Buffer.from('x')));
    await new Promise((r) => setTimeout(r, 100));
    addon!.fanSend(ids, rtp(9000, 777, 2, Buffer.from('y')));
    addon!.fanSend(ids, rtp(9001, 3777, 2, Buffer.from('y')));
    const got = await a.until(4);
    expect(got.map((p) => p.header.sequenceNumber)).toEqual([100, 101, 102, 103]);
    const [, g1, g2, g3] = [got[0]!, got[1]!, got[2]!, got[3]!];
    const step = (g2.header.timestamp - g1.header.timestamp) >>> 0;
    expect(step).toBeGreaterThanOrEqual(90 * 90);
    expect(step).toBeLessThan(90 * 1000);
    expect((g3.header.timestamp - g2.header.timestamp) >>> 0).toBe(3000);
    expect(addon!.fanStats(v)![4]).toBe((g2.header.timestamp - 777) >>> 0);
  });

  it('answers a NACK from its history: the same packet, or wrapped in RTX (RFC 4588) where RTX was negotiated', async () => {
    const a = await pair('cm');
    const plain = addon!.fanStream(a.transport, { ssrc: 10, pt: 96, clockRate: 90000 });
    const withRtx = addon!.fanStream(a.transport, { ssrc: 20, pt: 96, clockRate: 90000, rtxPt: 97, rtxSsrc: 21 });
    const ids = Int32Array.of(plain, withRtx);
    for (let i = 0; i < 200; i++) addon!.fanSend(ids, rtp(1000 + i, i * 3000, 5, Buffer.from(`packet ${i}`)));
    await new Promise((r) => setTimeout(r, 300));
    a.received.length = 0;
    // 1199 and 1150 are in the history (the last 128); 1000 is long gone; 5 was never sent.
    expect(addon!.fanNack(plain, [1199, 1150, 1000, 5])).toBe(2);
    expect(addon!.fanNack(withRtx, [1199])).toBe(1);
    const got = await a.until(3);
    expect(got.slice(0, 2).map((p) => [p.header.ssrc, p.header.sequenceNumber, p.payload.toString()])).toEqual([[10, 1199, 'packet 199'], [10, 1150, 'packet 150']]);
    const rtx = got[2]!;
    expect([rtx.header.ssrc, rtx.header.payloadType]).toEqual([21, 97]);
    const original = unwrapRtx(rtx, 96, 20);
    expect([original.header.sequenceNumber, original.header.timestamp, original.payload.toString()]).toEqual([1199, 199 * 3000, 'packet 199']);
    expect(addon!.fanStats(plain)![6]).toBe(2);
  });

  it('refuses bad input with a clear error, and sends nothing for a packet that is not RTP', async () => {
    const a = await pair('cm');
    const s = await udp();
    const key = Buffer.alloc(30, 1);
    expect(() => addon!.srtpTransport({ fd: s.fd, host: '127.0.0.1', port: 9, profile: 0x0001, key: Buffer.alloc(16) })).toThrow(/16-byte key and a 14-byte salt/);
    expect(() => addon!.srtpTransport({ fd: s.fd, host: '127.0.0.1', port: 9, profile: 0x0005, key })).toThrow(/unsupported SRTP profile/);
    expect(() => addon!.srtpTransport({ fd: s.fd, host: '::1', port: 9, profile: 0x0001, key })).toThrow(/not an IPv4 host and port/);
    expect(() => addon!.srtpTransport({ fd: -1, host: '127.0.0.1', port: 9, profile: 0x0001, key })).toThrow(/no socket/);
    expect(() => addon!.fanStream(999_999, { ssrc: 1, pt: 96, clockRate: 90000 })).toThrow(/no such transport/);
    expect(() => addon!.fanStream(a.transport, { ssrc: 1, pt: 96, clockRate: 90000, twccId: 15 })).toThrow(/extension ids are 1-14/);
    const v = addon!.fanStream(a.transport, { ssrc: 1, pt: 96, clockRate: 90000 });
    expect(() => addon!.fanSend([v] as unknown as Int32Array, rtp(1, 1, 1, Buffer.from('x')))).toThrow(/Int32Array/);
    expect(addon!.fanSend(Int32Array.of(v), Buffer.from([0x12, 0x34]))).toBe(0);
    expect(addon!.fanSend(Int32Array.of(v), Buffer.alloc(4000, 0x80))).toBe(0);
    // A closed stream, a stream of a closed transport, and an id never given: skipped.
    addon!.fanStreamClose(v);
    expect(addon!.fanSend(Int32Array.of(v, 424242), rtp(2, 2, 1, Buffer.from('x')))).toBe(0);
    expect(addon!.fanStats(v)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 50));
    expect(a.raw).toHaveLength(0);
  });
});

describe('the socket of an ICE pair', () => {
  it('has its descriptor read without the deprecated _handle; a closed one has none', async () => {
    const s = dgram.createSocket('udp4');
    expect(socketFd(s)).toBeUndefined();
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
    expect(socketFd(s)).toBeGreaterThan(2);
    await new Promise<void>((resolve) => s.close(() => resolve()));
    expect(socketFd(s)).toBeUndefined();
    expect(socketFd(undefined)).toBeUndefined();
  });
});

describe('NTP time of sender reports', () => {
  it('is seconds since 1900 and a 32-bit fraction', () => {
    const ntp = ntpOf(Date.UTC(1900, 0, 1) + 1500);
    expect(ntp >> 32n).toBe(1n);
    expect(Number(ntp & 0xffffffffn) / 2 ** 32).toBeCloseTo(0.5, 6);
  });
});
