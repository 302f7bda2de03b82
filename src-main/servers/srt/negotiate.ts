import { createHmac, randomBytes } from 'node:crypto';
import {
  decodeExtString,
  decodeSrtHs,
  encodeExtString,
  encodePeerIp,
  encodeSrtHs,
  EXT_CONGESTION,
  EXT_FILTER,
  EXT_GROUP,
  EXT_HSREQ,
  EXT_HSRSP,
  EXT_KMREQ,
  EXT_SID,
  findExtension,
  HS_CONCLUSION,
  HS_EXT_CONFIG,
  HS_EXT_HSREQ,
  HS_EXT_KMREQ,
  HS_FAILURE_BASE,
  HS_INDUCTION,
  HS_VERSION_SRT1,
  Reject,
  SRT_MAGIC_CODE,
  SRT_OPT_NAKREPORT,
  SRT_OPT_REXMITFLG,
  SRT_OPT_STREAM,
  SRT_OPT_TLPKTDROP,
  SRT_OPT_TSBPDRCV,
  SRT_OPT_TSBPDSND,
  type Handshake,
  type SrtHsExtension,
} from './handshake.js';

/** What this listener says it is in HSRSP: a 1.5.0-compatible peer. */
export const OUR_SRT_VERSION = 0x00010500;
export const MAX_MSS = 1500;
/** Receive window, in packets: the most a caller may have in flight (libsrt's default is 8192). */
export const MAX_WINDOW = 8192;

/**
 * SYN cookies: the induction answer carries a cookie derived from the caller's address and the
 * current minute, so that a listener keeps no state before the conclusion proves the caller can
 * receive at its claimed address. The previous minute's cookie is still accepted.
 */
export class SynCookies {
  constructor(
    private readonly secret: Buffer = randomBytes(32),
    private readonly now: () => number = Date.now,
  ) {}

  make(address: string, port: number, minute = Math.floor(this.now() / 60_000)): number {
    const mac = createHmac('sha256', this.secret).update(`${address}|${port}|${minute}`).digest();
    return mac.readUInt32BE(0) || 1;
  }

  check(address: string, port: number, cookie: number): boolean {
    const minute = Math.floor(this.now() / 60_000);
    return cookie === this.make(address, port, minute) || cookie === this.make(address, port, minute - 1);
  }
}

/** The listener's answer to an induction: HSv5 with the magic code, the cookie, and the caller's own id. */
export function inductionResponse(req: Handshake, cookie: number, peerAddress: string): Handshake {
  return {
    version: HS_VERSION_SRT1,
    encryption: 0,
    extensionField: SRT_MAGIC_CODE,
    isn: req.isn,
    mss: req.mss,
    flightFlagSize: req.flightFlagSize,
    type: HS_INDUCTION,
    socketId: req.socketId,
    cookie,
    peerIp: encodePeerIp(peerAddress),
    extensions: [],
  };
}

/** A rejection: the request echoed back with the handshake type 1000 + reason and no extensions. */
export function rejection(req: Handshake, reason: number, peerAddress: string): Handshake {
  return { ...req, version: HS_VERSION_SRT1, encryption: 0, extensionField: 0, type: HS_FAILURE_BASE + reason, peerIp: encodePeerIp(peerAddress), extensions: [] };
}

export interface ConclusionRequest {
  streamId: string | undefined;
  hsreq: SrtHsExtension;
}

export type ConclusionCheck = ({ ok: true } & ConclusionRequest) | { ok: false; reason: number; why: string };

/** Checks an HSv5 conclusion for what this receive-only, unencrypted, live-mode listener supports. */
export function checkConclusion(req: Handshake): ConclusionCheck {
  if (req.type !== HS_CONCLUSION) return { ok: false, reason: Reject.ROGUE, why: 'not a conclusion' };
  if (req.version !== HS_VERSION_SRT1) return { ok: false, reason: Reject.VERSION, why: `handshake version ${req.version}: SRT 1.3 or newer (HSv5) is needed` };
  if (req.encryption !== 0 || (req.extensionField & HS_EXT_KMREQ) !== 0 || findExtension(req, EXT_KMREQ)) {
    return { ok: false, reason: Reject.UNSECURE, why: 'the caller asks for encryption (passphrase), which this server does not offer' };
  }
  const hsreqBlock = findExtension(req, EXT_HSREQ);
  const hsreq = hsreqBlock ? decodeSrtHs(hsreqBlock.data) : undefined;
  if ((req.extensionField & HS_EXT_HSREQ) === 0 || !hsreq) return { ok: false, reason: Reject.ROGUE, why: 'no SRT handshake extension (HSREQ)' };
  if ((hsreq.flags & SRT_OPT_STREAM) !== 0) return { ok: false, reason: Reject.MESSAGEAPI, why: 'stream (file) mode is not offered: use live mode' };
  const congestion = findExtension(req, EXT_CONGESTION);
  if (congestion && decodeExtString(congestion.data) !== 'live') {
    return { ok: false, reason: Reject.CONGESTION, why: `congestion control "${decodeExtString(congestion.data)}" is not offered: use live` };
  }
  if (findExtension(req, EXT_FILTER)) return { ok: false, reason: Reject.FILTER, why: 'packet filters (FEC) are not offered' };
  if (findExtension(req, EXT_GROUP)) return { ok: false, reason: Reject.GROUP, why: 'socket groups (bonding) are not offered' };
  const sid = findExtension(req, EXT_SID);
  return { ok: true, streamId: sid ? decodeExtString(sid.data) : undefined, hsreq };
}

/** What both sides agreed on, as the receiver needs it. */
export interface Agreement {
  /** The caller's first data sequence number. */
  isn: number;
  /** Our receive latency: the larger of ours and the one the caller proposed for us. */
  latencyMs: number;
  /** Too-late packet drop: give up on a hole once it is older than the latency. */
  tooLateDrop: boolean;
  windowPackets: number;
  mss: number;
}

export interface AcceptOptions {
  socketId: number;
  latencyMs: number;
  peerAddress: string;
}

/** The conclusion response of an accepted caller (HSRSP as libsrt fills it) and the agreement it makes. */
export function conclusionResponse(req: Handshake, hsreq: SrtHsExtension, options: AcceptOptions): { response: Handshake; agreement: Agreement } {
  let flags = SRT_OPT_NAKREPORT;
  let recvLatencyMs = 0;
  let sendLatencyMs = 0;
  const tsbpd = (hsreq.flags & SRT_OPT_TSBPDSND) !== 0;
  if (tsbpd) {
    flags |= SRT_OPT_TSBPDRCV;
    recvLatencyMs = Math.max(options.latencyMs, hsreq.sendLatencyMs);
  }
  if ((hsreq.flags & SRT_OPT_TSBPDRCV) !== 0) {
    flags |= SRT_OPT_TSBPDSND;
    sendLatencyMs = Math.max(options.latencyMs, hsreq.recvLatencyMs);
  }
  const tooLateDrop = tsbpd && (hsreq.flags & SRT_OPT_TLPKTDROP) !== 0;
  if (tooLateDrop) flags |= SRT_OPT_TLPKTDROP;
  if ((hsreq.flags & SRT_OPT_REXMITFLG) !== 0) flags |= SRT_OPT_REXMITFLG;
  const mss = Math.min(req.mss || MAX_MSS, MAX_MSS);
  const windowPackets = Math.max(32, Math.min(req.flightFlagSize || MAX_WINDOW, MAX_WINDOW));
  const response: Handshake = {
    version: HS_VERSION_SRT1,
    encryption: 0,
    extensionField: HS_EXT_HSREQ,
    isn: req.isn,
    mss,
    flightFlagSize: windowPackets,
    type: HS_CONCLUSION,
    socketId: options.socketId,
    cookie: req.cookie,
    peerIp: encodePeerIp(options.peerAddress),
    extensions: [{ type: EXT_HSRSP, data: encodeSrtHs({ srtVersion: OUR_SRT_VERSION, flags, recvLatencyMs, sendLatencyMs }) }],
  };
  return { response, agreement: { isn: req.isn, latencyMs: tsbpd ? recvLatencyMs : options.latencyMs, tooLateDrop, windowPackets, mss } };
}

/** A caller's HSv5 conclusion (used by tests and tools that play the caller). */
export function callerConclusion(fields: { isn: number; socketId: number; cookie: number; streamId?: string; latencyMs?: number; flags?: number; encryption?: number }): Handshake {
  const latency = fields.latencyMs ?? 120;
  const flags = fields.flags ?? SRT_OPT_TSBPDSND | SRT_OPT_TSBPDRCV | SRT_OPT_TLPKTDROP | SRT_OPT_NAKREPORT | SRT_OPT_REXMITFLG;
  const extensions = [{ type: EXT_HSREQ, data: encodeSrtHs({ srtVersion: 0x00010501, flags, recvLatencyMs: latency, sendLatencyMs: latency }) }];
  if (fields.streamId !== undefined) extensions.push({ type: EXT_SID, data: encodeExtString(fields.streamId) });
  return {
    version: HS_VERSION_SRT1,
    encryption: fields.encryption ?? 0,
    extensionField: HS_EXT_HSREQ | (fields.streamId !== undefined ? HS_EXT_CONFIG : 0),
    isn: fields.isn,
    mss: MAX_MSS,
    flightFlagSize: MAX_WINDOW,
    type: HS_CONCLUSION,
    socketId: fields.socketId,
    cookie: fields.cookie,
    peerIp: Buffer.alloc(16),
    extensions,
  };
}
