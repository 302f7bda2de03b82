import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signed playback URLs for private streams: `?exp=<unix s>&sig=<base64url>[&ip=1]`.
 *
 * sig = HMAC-SHA256(key, `v1|<name>|<exp>|`), 32 bytes. With `ip=1` the URL is bound to one client
 * address: sig = HMAC(key, `v1|<name>|<exp>|ip`)[0..16] ++ HMAC(key, `v1|<name>|<exp>|ip=<addr>`)[0..16],
 * so that a URL we issued, used from another address, reads "wrong_ip" rather than "bad_signature".
 * Two keys are accepted during a rotation: `current` (signs) and `previous` (verifies only).
 */

export const SIGNATURE_PARAMS = ['exp', 'sig', 'ip'] as const;

export type SignatureFailure = 'missing' | 'bad_signature' | 'expired' | 'wrong_ip';
export type VerifyResult = { ok: true } | { ok: false; reason: SignatureFailure };

export interface SignerKeys {
  current: string;
  previous?: string | null;
  /** The host's JWT keys (HS256, by kid), for edges that verify read JWTs themselves. */
  jwt?: { kid: string; secret: string }[];
}

export interface SignOptions {
  expiresInSec: number;
  /** Bind the URL to this client address. */
  ip?: string;
}

/** The query parameters of a signed URL, in order. */
export type SignedQuery = {
  exp: string;
  sig: string;
  ip?: '1';
};

export type QueryLike = Record<string, unknown>;

export const firstString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;

/** `::ffff:10.0.0.1` and `10.0.0.1` are the same client. */
export const normalizeIp = (ip: string): string => (ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip);

/** The signature parameters of a request's query, ready to be propagated (empty when none). */
export function signatureQueryOf(query: QueryLike): string {
  const params = new URLSearchParams();
  for (const key of SIGNATURE_PARAMS) {
    const value = firstString(query[key]);
    if (value !== undefined) params.set(key, value);
  }
  return params.toString();
}

/** Where a stream plays (routes.ts): the HLS master and the DASH MPD. */
export function playbackPaths(name: string): { hls: string; dash: string } {
  return { hls: `/live/${name}/index.m3u8`, dash: `/live/${name}/manifest.mpd` };
}

export class UrlSigner {
  private keys: { current: string; previous: string | null };

  constructor(
    keys: SignerKeys,
    private readonly now: () => number = Date.now,
  ) {
    this.keys = UrlSigner.checked(keys);
  }

  /** Both keys, for edges that verify signatures themselves. */
  verifyingKeys(): { current: string; previous: string | null } {
    return { ...this.keys };
  }

  /** Rotation: the new key signs; the old one keeps verifying URLs issued before. */
  setKeys(keys: SignerKeys): void {
    this.keys = UrlSigner.checked(keys);
  }

  sign(name: string, opts: SignOptions): SignedQuery {
    const exp = String(Math.floor(this.now() / 1000) + Math.max(1, Math.floor(opts.expiresInSec)));
    const key = this.keys.current;
    if (opts.ip === undefined) return { exp, sig: mac(key, `v1|${name}|${exp}|`).toString('base64url') };
    const tags = ipTags(key, name, exp, normalizeIp(opts.ip));
    return { exp, sig: Buffer.concat([tags.bound, tags.addr]).toString('base64url'), ip: '1' };
  }

  /** `path` with the signature query appended, e.g. `/live/<name>/index.m3u8?exp=..&sig=..`. */
  signPath(path: string, name: string, opts: SignOptions): string {
    const query = new URLSearchParams(Object.entries(this.sign(name, opts))).toString();
    return path + (path.includes('?') ? '&' : '?') + query;
  }

  /** Signed master and MPD URLs (the `streams.signUrl` method); `expiresAt` is Unix ms. */
  signPlayback(name: string, opts: SignOptions, baseUrl = ''): { hls: string; dash: string; expiresAt: number } {
    const signed = this.sign(name, opts);
    const query = new URLSearchParams(Object.entries(signed)).toString();
    const { hls, dash } = playbackPaths(name);
    return { hls: `${baseUrl}${hls}?${query}`, dash: `${baseUrl}${dash}?${query}`, expiresAt: Number(signed.exp) * 1000 };
  }

  verify(name: string, query: QueryLike, remoteIp: string): VerifyResult {
    const exp = firstString(query.exp);
    const sigText = firstString(query.sig);
    const ipFlag = firstString(query.ip);
    if (exp === undefined || sigText === undefined) return { ok: false, reason: 'missing' };
    if (!/^\d{1,12}$/.test(exp) || (ipFlag !== undefined && ipFlag !== '1') || !/^[A-Za-z0-9_-]{43}$/.test(sigText)) {
      return { ok: false, reason: 'bad_signature' };
    }
    const sig = Buffer.from(sigText, 'base64url');
    const keys = this.keys.previous ? [this.keys.current, this.keys.previous] : [this.keys.current];
    for (const key of keys) {
      if (ipFlag === undefined) {
        if (!timingSafeEqual(sig, mac(key, `v1|${name}|${exp}|`))) continue;
        return this.expired(exp) ? { ok: false, reason: 'expired' } : { ok: true };
      }
      const tags = ipTags(key, name, exp, normalizeIp(remoteIp));
      if (!timingSafeEqual(sig.subarray(0, 16), tags.bound)) continue;
      if (this.expired(exp)) return { ok: false, reason: 'expired' };
      return timingSafeEqual(sig.subarray(16), tags.addr) ? { ok: true } : { ok: false, reason: 'wrong_ip' };
    }
    return { ok: false, reason: 'bad_signature' };
  }

  private expired(exp: string): boolean {
    return Number(exp) * 1000 <= this.now();
  }

  private static checked(keys: SignerKeys): { current: string; previous: string | null } {
    if (keys.current.length < 16) throw new Error('the URL signing key must have at least 16 characters');
    return { current: keys.current, previous: keys.previous || null };
  }
}

function mac(key: string, message: string): Buffer {
  return createHmac('sha256', key).update(message).digest();
}

function ipTags(key: string, name: string, exp: string, ip: string): { bound: Buffer; addr: Buffer } {
  return { bound: mac(key, `v1|${name}|${exp}|ip`).subarray(0, 16), addr: mac(key, `v1|${name}|${exp}|ip=${ip}`).subarray(0, 16) };
}
