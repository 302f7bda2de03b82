import { createRemoteJWKSet, decodeProtectedHeader, errors, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { JwtKeyStore } from '../store/jwt-keys.js';
import { normalizeIp } from '../protocols/signing.js';
import type { JwtPort } from './types.js';

/** `guest`: a show's guest link (src-main/guests), for its own guest only (`sub` is the guest's id). */
export type JwtAction = 'read' | 'publish' | 'remote' | 'guest';

/** What a verified JWT allows, or why it does not. */
export type JwtCheck = { ok: true; subject: string | null } | { ok: false; code: 'JWT_INVALID' | 'TOKEN_EXPIRED'; reason: string };

/** The claims of our JWTs (and of a platform's, verified against its JWKS). */
interface StreamClaims extends JWTPayload {
  act?: unknown;
  streams?: unknown;
  ip?: unknown;
}

/** Longest accepted token: a JWT is a few hundred bytes; anything far larger is not one of ours. */
export const MAX_JWT_LENGTH = 4096;

/** Pure: whether verified claims allow `action` on `stream` from `ip`. */
export function checkClaims(claims: StreamClaims, need: { action: JwtAction; stream: string; ip: string }): JwtCheck {
  if (claims.act !== need.action) return { ok: false, code: 'JWT_INVALID', reason: `the token is for ${String(claims.act)}, not ${need.action}` };
  const streams = Array.isArray(claims.streams) ? claims.streams.filter((s): s is string => typeof s === 'string') : [];
  if (!streams.includes(need.stream) && !streams.includes('*')) return { ok: false, code: 'JWT_INVALID', reason: `the token is not for "${need.stream}"` };
  if (typeof claims.ip === 'string' && claims.ip !== '' && normalizeIp(claims.ip) !== normalizeIp(need.ip)) return { ok: false, code: 'JWT_INVALID', reason: 'the token is bound to another address' };
  return { ok: true, subject: typeof claims.sub === 'string' ? claims.sub : null };
}

/**
 * JWTs for publishing, playing and remote viewing: signed by the host (HS256 with a kid; rotation keeps
 * the previous key verifying), or by a platform whose keys are at `auth.jwksUrl` (any algorithm jose
 * verifies; refetched when a token names an unknown kid, at most every 5 s).
 */
export class JwtService implements JwtPort {
  private remote: { url: string; set: ReturnType<typeof createRemoteJWKSet> } | null = null;

  constructor(
    private readonly deps: {
      keys: JwtKeyStore;
      config: () => { jwksUrl: string; jwtIssuer: string; jwtAudience: string };
      /** Called after a rotation (the edges get the new keys). */
      onRotate?: () => void;
    },
  ) {}

  async issue(input: { action: JwtAction; streams: string[]; expiresInSec: number; ip?: string; subject?: string; name?: string }): Promise<{ token: string; expiresAt: number; kid: string }> {
    const key = this.deps.keys.current();
    const expiresAt = Date.now() + input.expiresInSec * 1000;
    let jwt = new SignJWT({ act: input.action, streams: input.streams, ...(input.ip ? { ip: input.ip } : {}), ...(input.name ? { name: input.name } : {}) })
      .setProtectedHeader({ alg: 'HS256', kid: key.kid, typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime(Math.floor(expiresAt / 1000));
    if (input.subject) jwt = jwt.setSubject(input.subject);
    return { token: await jwt.sign(Buffer.from(key.secret, 'base64url')), expiresAt, kid: key.kid };
  }

  async rotate(): Promise<{ kid: string; previous: string | null }> {
    const { current, previous } = this.deps.keys.rotate();
    this.deps.onRotate?.();
    return { kid: current.kid, previous: previous?.kid ?? null };
  }

  /** The host keys that verify, for edges (kid -> base64url secret). */
  verifyingKeys(): { kid: string; secret: string }[] {
    this.deps.keys.current(); // made now, so edges hold it before the first token is issued
    return this.deps.keys.active().map((k) => ({ kid: k.kid, secret: k.secret }));
  }

  /** Verifies `token` for `action` on `stream` from `ip`. Never throws. */
  async verify(token: string, need: { action: JwtAction; stream: string; ip: string }): Promise<JwtCheck> {
    if (token.length > MAX_JWT_LENGTH) return { ok: false, code: 'JWT_INVALID', reason: 'not a JWT' };
    let kid: string | undefined;
    try {
      kid = decodeProtectedHeader(token).kid;
    } catch {
      return { ok: false, code: 'JWT_INVALID', reason: 'not a JWT' };
    }
    try {
      const host = this.deps.keys.active().find((k) => k.kid === kid);
      let payload: StreamClaims;
      if (host) {
        payload = (await jwtVerify(token, Buffer.from(host.secret, 'base64url'), { algorithms: ['HS256'] })).payload;
      } else {
        const remote = this.remoteSet();
        if (!remote) return { ok: false, code: 'JWT_INVALID', reason: 'not signed by a key this host trusts' };
        const { jwtIssuer, jwtAudience } = this.deps.config();
        payload = (
          await jwtVerify(token, remote, {
            algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
            ...(jwtIssuer ? { issuer: jwtIssuer } : {}),
            ...(jwtAudience ? { audience: jwtAudience } : {}),
          })
        ).payload;
      }
      return checkClaims(payload, need);
    } catch (error) {
      if (error instanceof errors.JWTExpired) return { ok: false, code: 'TOKEN_EXPIRED', reason: 'the token expired' };
      if (error instanceof errors.JWKSNoMatchingKey || error instanceof errors.JWSSignatureVerificationFailed) return { ok: false, code: 'JWT_INVALID', reason: 'not signed by a key this host trusts' };
      if (error instanceof errors.JWTClaimValidationFailed) return { ok: false, code: 'JWT_INVALID', reason: `claim ${error.claim}: ${error.reason}` };
      if (error instanceof errors.JOSEError) return { ok: false, code: 'JWT_INVALID', reason: error.code === 'ERR_JWKS_TIMEOUT' || error.code === 'ERR_JOSE_GENERIC' ? 'the JWKS could not be fetched' : 'not a valid JWT' };
      return { ok: false, code: 'JWT_INVALID', reason: 'the JWKS could not be fetched' };
    }
  }

  private remoteSet(): ReturnType<typeof createRemoteJWKSet> | null {
    const url = this.deps.config().jwksUrl;
    if (!url) return null;
    if (this.remote?.url !== url) this.remote = { url, set: createRemoteJWKSet(new URL(url), { cooldownDuration: 5000, cacheMaxAge: 10 * 60_000, timeoutDuration: 5000 }) };
    return this.remote.set;
  }
}
