import { describe, expect, it } from 'vitest';
import {
  decodeExtString,
  decodeHandshake,
  decodeSrtHs,
  encodeExtString,
  encodeHandshake,
  encodePeerIp,
  encodeSrtHs,
  EXT_CONGESTION,
  EXT_FILTER,
  EXT_HSREQ,
  EXT_HSRSP,
  EXT_KMREQ,
  EXT_SID,
  findExtension,
  HS_CONCLUSION,
  HS_INDUCTION,
  Reject,
  SRT_MAGIC_CODE,
  SRT_OPT_STREAM,
} from './handshake.js';
import { callerConclusion, checkConclusion, conclusionResponse, inductionResponse, rejection, SynCookies } from './negotiate.js';
import { parsePacket } from './packet.js';
import { parseStreamId } from './streamid.js';

// A real exchange: ffmpeg 5.1 (libsrt 1.5.1) calling srt-live-transmit with streamid=publish:KEY123, latency 200 ms.
const INDUCTION = '80000000000000000000008200000000000000040000000224bd77d5000005dc000020000000000134465f88000000000100007f000000000000000000000000';
const INDUCTION_RESPONSE = '8000000000000000000aaa1f34465f880000000500004a1724bd77d5000005dc000020000000000134465f88dd442b4d0100007f000000000000000000000000';
const CONCLUSION =
  '800000000000000000001bc200000000000000050000000524bd77d5000005dc00002000ffffffff34465f88dd442b4d0100007f000000000000000000000000' +
  '0001000300010501000000bf00c800c8000500046c6275703a6873693159454b00003332';
const CONCLUSION_RESPONSE =
  '80000000000000000000013a34465f88000000050000000124bd77d5000005dc00002000ffffffff191d341edd442b4d0100007f000000000000000000000000' +
  '0002000300010501000000bf00c800c8';

const handshakeOf = (hex: string) => {
  const packet = parsePacket(Buffer.from(hex, 'hex'));
  if (!packet?.control) throw new Error('not a control packet');
  return decodeHandshake(packet.cif)!;
};

describe('handshake codec', () => {
  it('reads the caller induction and conclusion (HSREQ, stream id)', () => {
    const induction = handshakeOf(INDUCTION);
    expect(induction).toMatchObject({ version: 4, encryption: 0, extensionField: 2, isn: 0x24bd77d5, mss: 1500, flightFlagSize: 8192, type: HS_INDUCTION, socketId: 0x34465f88, cookie: 0 });
    const conclusion = handshakeOf(CONCLUSION);
    expect(conclusion).toMatchObject({ version: 5, extensionField: 5, type: HS_CONCLUSION, cookie: 0xdd442b4d });
    expect(decodeSrtHs(findExtension(conclusion, EXT_HSREQ)!.data)).toEqual({ srtVersion: 0x010501, flags: 0xbf, recvLatencyMs: 200, sendLatencyMs: 200 });
    expect(decodeExtString(findExtension(conclusion, EXT_SID)!.data)).toBe('publish:KEY123');
  });

  it('writes handshakes back byte for byte', () => {
    for (const hex of [INDUCTION, INDUCTION_RESPONSE, CONCLUSION, CONCLUSION_RESPONSE]) {
      expect(encodeHandshake(handshakeOf(hex)).toString('hex')).toBe(hex.slice(32));
    }
  });

  it('encodes strings word-reversed and NUL-padded, and the peer address as libsrt does', () => {
    expect(encodeExtString('publish:KEY123').toString('hex')).toBe('6c6275703a687369' + '3159454b00003332');
    expect(decodeExtString(encodeExtString('#!::r=ключ,m=publish'))).toBe('#!::r=ключ,m=publish');
    expect(encodePeerIp('127.0.0.1').toString('hex')).toBe('0100007f' + '0'.repeat(24));
    expect(encodePeerIp('::ffff:10.1.2.3')).toEqual(encodePeerIp('10.1.2.3'));
    expect(encodePeerIp('::1').toString('hex')).toBe('0'.repeat(24) + '01000000');
    expect(encodeSrtHs({ srtVersion: 0x010500, flags: 3, recvLatencyMs: 200, sendLatencyMs: 120 }).toString('hex')).toBe('000105000000000300c80078');
  });

  it('rejects truncated handshakes and extensions', () => {
    expect(decodeHandshake(Buffer.alloc(47))).toBeUndefined();
    const cif = handshakeOf(CONCLUSION);
    const raw = encodeHandshake(cif);
    expect(decodeHandshake(raw.subarray(0, raw.length - 4))).toBeUndefined();
  });
});

describe('listener negotiation', () => {
  it('answers an induction like libsrt: HSv5, magic, cookie, the caller id', () => {
    const response = inductionResponse(handshakeOf(INDUCTION), 0xdd442b4d, '127.0.0.1');
    expect(encodeHandshake(response).toString('hex')).toBe(INDUCTION_RESPONSE.slice(32));
    expect(response.extensionField).toBe(SRT_MAGIC_CODE);
  });

  it('accepts an HSv5 conclusion and answers HSRSP with TSBPD, too-late drop, the larger latency', () => {
    const check = checkConclusion(handshakeOf(CONCLUSION));
    expect(check).toMatchObject({ ok: true, streamId: 'publish:KEY123' });
    if (!check.ok) return;
    const { response, agreement } = conclusionResponse(handshakeOf(CONCLUSION), check.hsreq, { socketId: 0x191d341e, latencyMs: 120, peerAddress: '127.0.0.1' });
    expect(response).toMatchObject({ version: 5, type: HS_CONCLUSION, socketId: 0x191d341e, isn: 0x24bd77d5, mss: 1500, flightFlagSize: 8192, cookie: 0xdd442b4d });
    // TSBPDSND|TSBPDRCV|TLPKTDROP|NAKREPORT|REXMITFLG; neither crypto nor filter capability.
    expect(decodeSrtHs(findExtension(response, EXT_HSRSP)!.data)).toEqual({ srtVersion: 0x010500, flags: 0x3b, recvLatencyMs: 200, sendLatencyMs: 200 });
    expect(agreement).toEqual({ isn: 0x24bd77d5, latencyMs: 200, tooLateDrop: true, windowPackets: 8192, mss: 1500 });
    const ours = conclusionResponse(handshakeOf(CONCLUSION), check.hsreq, { socketId: 1, latencyMs: 500, peerAddress: '127.0.0.1' });
    expect(ours.agreement.latencyMs).toBe(500);
  });

  it('refuses what it does not offer, with libsrt reason codes', () => {
    const base = { isn: 1, socketId: 2, cookie: 3, streamId: 'publish:k' };
    const encrypted = callerConclusion({ ...base, encryption: 2 });
    expect(checkConclusion(encrypted)).toMatchObject({ ok: false, reason: Reject.UNSECURE });
    const km = callerConclusion(base);
    km.extensions.push({ type: EXT_KMREQ, data: Buffer.alloc(8) });
    expect(checkConclusion(km)).toMatchObject({ ok: false, reason: Reject.UNSECURE });
    expect(checkConclusion({ ...callerConclusion(base), version: 4 })).toMatchObject({ ok: false, reason: Reject.VERSION });
    expect(checkConclusion(callerConclusion({ ...base, flags: SRT_OPT_STREAM }))).toMatchObject({ ok: false, reason: Reject.MESSAGEAPI });
    const file = callerConclusion(base);
    file.extensions.push({ type: EXT_CONGESTION, data: encodeExtString('file') });
    expect(checkConclusion(file)).toMatchObject({ ok: false, reason: Reject.CONGESTION });
    const fec = callerConclusion(base);
    fec.extensions.push({ type: EXT_FILTER, data: encodeExtString('fec,cols:10') });
    expect(checkConclusion(fec)).toMatchObject({ ok: false, reason: Reject.FILTER });
    const noHsreq = { ...callerConclusion(base), extensions: [] };
    expect(checkConclusion(noHsreq)).toMatchObject({ ok: false, reason: Reject.ROGUE });
  });

  it('writes a rejection as handshake type 1000 + reason', () => {
    const refused = rejection(handshakeOf(CONCLUSION), Reject.FORBIDDEN, '127.0.0.1');
    expect(refused).toMatchObject({ type: 2403, socketId: 0x34465f88, extensions: [] });
    expect(encodeHandshake(refused).length).toBe(48);
  });

  it('makes SYN cookies per address and minute; the previous minute still passes', () => {
    let now = 60_000 * 1000 + 59_000;
    const cookies = new SynCookies(Buffer.alloc(32, 7), () => now);
    const cookie = cookies.make('127.0.0.1', 5000);
    expect(cookies.check('127.0.0.1', 5000, cookie)).toBe(true);
    expect(cookies.check('127.0.0.1', 5001, cookie)).toBe(false);
    expect(cookies.check('127.0.0.2', 5000, cookie)).toBe(false);
    now += 2000;
    expect(cookies.check('127.0.0.1', 5000, cookie)).toBe(true);
    now += 60_000;
    expect(cookies.check('127.0.0.1', 5000, cookie)).toBe(false);
  });
});

describe('stream id', () => {
  it('takes publish:<key> and the access-control form', () => {
    expect(parseStreamId('publish:sk_1')).toEqual({ ok: true, key: 'sk_1' });
    expect(parseStreamId('publish:a:b')).toEqual({ ok: true, key: 'a:b' });
    expect(parseStreamId('#!::r=sk_1,m=publish')).toEqual({ ok: true, key: 'sk_1' });
    expect(parseStreamId('#!::m=publish,u=alice,r=sk_2')).toEqual({ ok: true, key: 'sk_2' });
  });

  it('refuses anything else with access-control codes that never carry the key', () => {
    expect(parseStreamId(undefined)).toMatchObject({ ok: false, reason: Reject.BAD_REQUEST });
    expect(parseStreamId('')).toMatchObject({ ok: false, reason: Reject.BAD_REQUEST });
    expect(parseStreamId('publish:')).toMatchObject({ ok: false, reason: Reject.BAD_REQUEST });
    expect(parseStreamId('sk_bare')).toMatchObject({ ok: false, reason: Reject.BAD_REQUEST });
    expect(parseStreamId('read:sk_1')).toMatchObject({ ok: false, reason: Reject.BAD_MODE });
    expect(parseStreamId('#!::r=sk_1')).toMatchObject({ ok: false, reason: Reject.BAD_MODE });
    expect(parseStreamId('#!::m=publish')).toMatchObject({ ok: false, reason: Reject.BAD_REQUEST });
    const secret = 'sk_secret_value';
    for (const id of [`read:${secret}`, `${secret}:x`, `#!::r=${secret},m=request`, secret]) {
      const result = parseStreamId(id);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.why).not.toContain(secret);
    }
  });
});
