import net from 'node:net';

/**
 * The SRT handshake control information field (draft-sharabayko-srt §3.2.1) and the extensions a
 * listener reads or writes: HSREQ/HSRSP (TSBPD flags and latencies), KMREQ (encryption), SID
 * (stream id), congestion control, packet filter and group.
 */

export const HS_VERSION_UDT4 = 4;
export const HS_VERSION_SRT1 = 5;
/** The induction response's extension field: tells an HSv5 caller that the listener speaks HSv5. */
export const SRT_MAGIC_CODE = 0x4a17;
/** The caller's induction request carries UDT_DGRAM (2) as its extension field. */
export const UDT_DGRAM = 2;

export const HS_INDUCTION = 1;
export const HS_WAVEAHAND = 0;
export const HS_CONCLUSION = 0xffffffff;
export const HS_AGREEMENT = 0xfffffffe;
export const HS_DONE = 0xfffffffd;
/** A handshake type at or above this is a rejection: 1000 + the rejection reason. */
export const HS_FAILURE_BASE = 1000;

// Extension field flags of a conclusion (which extension blocks follow).
export const HS_EXT_HSREQ = 0x1;
export const HS_EXT_KMREQ = 0x2;
export const HS_EXT_CONFIG = 0x4;

// Extension block types.
export const EXT_HSREQ = 1;
export const EXT_HSRSP = 2;
export const EXT_KMREQ = 3;
export const EXT_KMRSP = 4;
export const EXT_SID = 5;
export const EXT_CONGESTION = 6;
export const EXT_FILTER = 7;
export const EXT_GROUP = 8;

// SRT flags of HSREQ/HSRSP.
export const SRT_OPT_TSBPDSND = 0x01;
export const SRT_OPT_TSBPDRCV = 0x02;
export const SRT_OPT_HAICRYPT = 0x04;
export const SRT_OPT_TLPKTDROP = 0x08;
export const SRT_OPT_NAKREPORT = 0x10;
export const SRT_OPT_REXMITFLG = 0x20;
export const SRT_OPT_STREAM = 0x40;
export const SRT_OPT_FILTERCAP = 0x80;

/** Rejection reasons (libsrt SRT_REJ_* and the access-control SRT_REJX_* codes). */
export const Reject = {
  UNKNOWN: 0,
  SYSTEM: 1,
  PEER: 2,
  RESOURCE: 3,
  ROGUE: 4,
  BACKLOG: 5,
  VERSION: 8,
  UNSECURE: 11,
  MESSAGEAPI: 12,
  CONGESTION: 13,
  FILTER: 14,
  GROUP: 15,
  BAD_REQUEST: 1400,
  UNAUTHORIZED: 1401,
  OVERLOAD: 1402,
  FORBIDDEN: 1403,
  NOT_FOUND: 1404,
  BAD_MODE: 1405,
  CONFLICT: 1407,
  ISE: 1500,
} as const;

export interface HandshakeExtension {
  type: number;
  /** The block's contents (a multiple of 4 bytes). */
  data: Buffer;
}

export interface Handshake {
  version: number;
  /** Advertised cipher key length / 8 (0: none); upper half of the second word. */
  encryption: number;
  /** Lower half of the second word: UDT_DGRAM, SRT_MAGIC_CODE or the HS_EXT_* flags. */
  extensionField: number;
  isn: number;
  mss: number;
  flightFlagSize: number;
  type: number;
  socketId: number;
  cookie: number;
  /** 16 bytes as on the wire (each 32-bit word byte-reversed, as libsrt writes it). */
  peerIp: Buffer;
  extensions: HandshakeExtension[];
}

export const HANDSHAKE_SIZE = 48;

export function decodeHandshake(cif: Buffer): Handshake | undefined {
  if (cif.length < HANDSHAKE_SIZE) return undefined;
  const extensions: HandshakeExtension[] = [];
  let at = HANDSHAKE_SIZE;
  while (at + 4 <= cif.length) {
    const type = cif.readUInt16BE(at);
    const bytes = cif.readUInt16BE(at + 2) * 4;
    if (at + 4 + bytes > cif.length) return undefined;
    extensions.push({ type, data: cif.subarray(at + 4, at + 4 + bytes) });
    at += 4 + bytes;
  }
  return {
    version: cif.readUInt32BE(0),
    encryption: cif.readUInt16BE(4),
    extensionField: cif.readUInt16BE(6),
    isn: cif.readUInt32BE(8) & 0x7fffffff,
    mss: cif.readUInt32BE(12),
    flightFlagSize: cif.readUInt32BE(16),
    type: cif.readUInt32BE(20),
    socketId: cif.readUInt32BE(24),
    cookie: cif.readUInt32BE(28),
    peerIp: Buffer.from(cif.subarray(32, 48)),
    extensions,
  };
}

export function encodeHandshake(hs: Handshake): Buffer {
  const extBytes = hs.extensions.reduce((n, e) => n + 4 + padded(e.data.length), 0);
  const buf = Buffer.alloc(HANDSHAKE_SIZE + extBytes);
  buf.writeUInt32BE(hs.version >>> 0, 0);
  buf.writeUInt16BE(hs.encryption & 0xffff, 4);
  buf.writeUInt16BE(hs.extensionField & 0xffff, 6);
  buf.writeUInt32BE(hs.isn & 0x7fffffff, 8);
  buf.writeUInt32BE(hs.mss >>> 0, 12);
  buf.writeUInt32BE(hs.flightFlagSize >>> 0, 16);
  buf.writeUInt32BE(hs.type >>> 0, 20);
  buf.writeUInt32BE(hs.socketId >>> 0, 24);
  buf.writeUInt32BE(hs.cookie >>> 0, 28);
  hs.peerIp.copy(buf, 32, 0, 16);
  let at = HANDSHAKE_SIZE;
  for (const ext of hs.extensions) {
    const size = padded(ext.data.length);
    buf.writeUInt16BE(ext.type, at);
    buf.writeUInt16BE(size / 4, at + 2);
    ext.data.copy(buf, at + 4);
    at += 4 + size;
  }
  return buf;
}

const padded = (n: number): number => Math.ceil(n / 4) * 4;

/** HSREQ / HSRSP contents (HSv5: the receiver latency in the upper 16 bits, the sender's in the lower). */
export interface SrtHsExtension {
  /** 0x00MMmmpp, e.g. 0x00010501 for 1.5.1. */
  srtVersion: number;
  flags: number;
  recvLatencyMs: number;
  sendLatencyMs: number;
}

export function decodeSrtHs(data: Buffer): SrtHsExtension | undefined {
  if (data.length < 12) return undefined;
  const latency = data.readUInt32BE(8);
  return { srtVersion: data.readUInt32BE(0), flags: data.readUInt32BE(4), recvLatencyMs: latency >>> 16, sendLatencyMs: latency & 0xffff };
}

export function encodeSrtHs(ext: SrtHsExtension): Buffer {
  const data = Buffer.alloc(12);
  data.writeUInt32BE(ext.srtVersion >>> 0, 0);
  data.writeUInt32BE(ext.flags >>> 0, 4);
  data.writeUInt32BE((((ext.recvLatencyMs & 0xffff) << 16) | (ext.sendLatencyMs & 0xffff)) >>> 0, 8);
  return data;
}

/**
 * Strings in extensions (SID, congestion type) are NUL-padded to whole 32-bit words whose bytes are
 * reversed: libsrt copies the string into an array of uint32 and sends each in network byte order.
 */
export function decodeExtString(data: Buffer): string {
  const bytes = Buffer.from(data);
  for (let i = 0; i + 4 <= bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return bytes.toString('utf8', 0, end);
}

export function encodeExtString(value: string): Buffer {
  const raw = Buffer.from(value, 'utf8');
  const bytes = Buffer.alloc(padded(raw.length));
  raw.copy(bytes);
  for (let i = 0; i < bytes.length; i += 4) bytes.subarray(i, i + 4).reverse();
  return bytes;
}

/** An address as the handshake's peer IP field: network-order bytes, each 32-bit word reversed. */
export function encodePeerIp(address: string): Buffer {
  const out = Buffer.alloc(16);
  const v4 = net.isIPv4(address) ? address : /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (v4 !== undefined) {
    Buffer.from(v4.split('.').map(Number)).copy(out);
  } else if (net.isIPv6(address)) {
    ipv6Bytes(address).copy(out);
  }
  for (let i = 0; i < 16; i += 4) out.subarray(i, i + 4).reverse();
  return out;
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = address.includes('::') ? parse(tail) : [];
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  const out = Buffer.alloc(16);
  groups.slice(0, 8).forEach((g, i) => out.writeUInt16BE(g & 0xffff, i * 2));
  return out;
}

export function findExtension(hs: Handshake, type: number): HandshakeExtension | undefined {
  return hs.extensions.find((e) => e.type === type);
}
