import crypto from 'node:crypto';

/**
 * AES-128 content keys of low-latency streams (HLS METHOD=AES-128, RFC 8216bis 4.4.4.4 and 5.2).
 *
 * Keys are derived, not stored: key = HMAC-SHA256(host master secret, stream + kid), first 16 bytes.
 * A kid is 32 hex digits: the live run's random epoch (16) and the key period (16), so a key survives a
 * host restart for whatever is still on disk, and a new live run of the stream never reuses one.
 * A segment's key period is its media sequence number over the rotation (every N segments a new
 * EXT-X-KEY); its parts share it. The IV is the media sequence number (the tag has no IV attribute),
 * so every part of a segment and the whole segment are each encrypted from that IV, as players decrypt
 * them (each part is fetched and decrypted by itself). Initialization sections stay clear.
 */

export const KID_RE = /^([0-9a-f]{16})([0-9a-f]{16})$/;

export interface KeyPeriod {
  epoch: string;
  period: number;
}

/** A fresh epoch for a live run: 8 random bytes in hex. */
export const newKeyEpoch = (): string => crypto.randomBytes(8).toString('hex');

export const kidOf = (epoch: string, period: number): string => `${epoch}${period.toString(16).padStart(16, '0')}`;

/** The epoch and period of a kid, or null when it is not one. */
export function parseKid(kid: string): KeyPeriod | null {
  const m = KID_RE.exec(kid);
  if (!m) return null;
  const period = Number.parseInt(m[2]!, 16);
  return Number.isSafeInteger(period) ? { epoch: m[1]!, period } : null;
}

/** The key period of segment `msn` when keys rotate every `rotation` segments. */
export const keyPeriodOf = (msn: number, rotation: number): number => Math.floor(msn / Math.max(1, rotation));

/** The 16-byte content key of `stream`'s `kid`. */
export function contentKey(master: string, stream: string, kid: string): Buffer {
  return crypto.createHmac('sha256', master).update(`aes-128\n${stream}\n${kid}`).digest().subarray(0, 16);
}

/** The implicit IV of a segment (RFC 8216bis 5.2): its media sequence number, big-endian, in 16 bytes. */
export function ivOf(msn: number): Buffer {
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(msn), 8);
  return iv;
}

/** `data` encrypted with AES-128-CBC and PKCS#7 padding, as one HLS resource. */
export function encryptResource(key: Buffer, msn: number, data: Buffer): Buffer {
  const cipher = crypto.createCipheriv('aes-128-cbc', key, ivOf(msn));
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** `data` encrypted with AES-128-CBC and PKCS#7 padding from an explicit IV (an EXT-X-KEY with an IV attribute). */
export function encryptWithIv(key: Buffer, iv: Buffer, data: Buffer): Buffer {
  const cipher = crypto.createCipheriv('aes-128-cbc', key, iv);
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** A streaming cipher for a resource sent while it is written (the same bytes `encryptResource` makes). */
export const resourceCipher = (key: Buffer, msn: number): crypto.Cipher => crypto.createCipheriv('aes-128-cbc', key, ivOf(msn));

/**
 * How one live run of a stream encrypts: its epoch, rotation and keys (kept, 16 bytes each, for the
 * periods asked for), and its encrypted parts and segments, made once for every viewer and edge.
 */
export class RunEncryption {
  private readonly keys = new Map<number, Buffer>();
  private readonly made = new WeakMap<object, Buffer>();

  constructor(
    readonly stream: string,
    readonly epoch: string,
    readonly rotation: number,
    private readonly master: string,
  ) {}

  periodOf(msn: number): number {
    return keyPeriodOf(msn, this.rotation);
  }

  kidOf(msn: number): string {
    return kidOf(this.epoch, this.periodOf(msn));
  }

  keyOf(period: number): Buffer {
    let key = this.keys.get(period);
    if (!key) {
      key = contentKey(this.master, this.stream, kidOf(this.epoch, period));
      this.keys.set(period, key);
      // A long run keeps the keys of its last periods only (older ones are derived again when asked).
      if (this.keys.size > 64) this.keys.delete(this.keys.keys().next().value!);
    }
    return key;
  }

  /** `data` of segment `msn` encrypted, not kept (a file read from disk). */
  encryptOnce(msn: number, data: Buffer): Buffer {
    return encryptResource(this.keyOf(this.periodOf(msn)), msn, data);
  }

  /** `data` of segment `msn` (a part or the whole segment), encrypted; kept per `owner` (its buffer or record). */
  encrypt(owner: object, msn: number, data: Buffer): Buffer {
    let out = this.made.get(owner);
    if (!out) {
      out = this.encryptOnce(msn, data);
      this.made.set(owner, out);
    }
    return out;
  }
}
