import crypto from 'node:crypto';
import fastifyRateLimit, { type RateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StudioError } from '../core/errors.js';
import { bearerOf, parseCookies } from './credentials.js';

export interface RequestLimits {
  apiPerMinute: number;
  loginPerMinute: number;
  uploadPerMinute: number;
}

export type LimitKind = 'api' | 'login' | 'upload';

const perMinute = (limits: RequestLimits, kind: LimitKind): number =>
  kind === 'api' ? limits.apiPerMinute : kind === 'login' ? limits.loginPerMinute : limits.uploadPerMinute;

/** Who a request counts against: its bearer token or session cookie (hashed), else its address. */
export function limitKeyOf(req: Pick<FastifyRequest, 'headers' | 'ip'>, cookieName: string): string {
  const credential = bearerOf(req.headers.authorization) ?? parseCookies(req.headers.cookie).get(cookieName);
  return credential ? `c:${crypto.createHash('sha256').update(credential).digest('base64url').slice(0, 22)}` : `ip:${req.ip}`;
}

/**
 * Request rates with @fastify/rate-limit (a fixed minute window per key, in memory): the API per token or
 * address, sign-ins per address, uploads per token or address. Over the limit: 429 RATE_LIMITED with
 * Retry-After. A limit of 0 is none. Register before the routes; give each route `rateLimitFor(kind)`.
 */
export async function registerRateLimits(app: FastifyInstance): Promise<void> {
  await app.register(fastifyRateLimit, {
    global: false,
    // Our error shape: thrown, it reaches the app's error handler as a StudioError.
    errorResponseBuilder: (_req, context) => {
      const retryAfterSec = Math.max(1, Math.ceil(context.ttl / 1000));
      return new StudioError('RATE_LIMITED', `too many requests: at most ${context.max} a minute; try again in ${retryAfterSec} s`, { retryAfterSec });
    },
  });
}

/** The route option of one kind of limit, read from the current config on every request. */
export function rateLimitFor(kind: LimitKind, limits: () => RequestLimits, cookieName: string): { rateLimit: RateLimitOptions } {
  return {
    rateLimit: {
      max: () => perMinute(limits(), kind) || Number.MAX_SAFE_INTEGER,
      timeWindow: 60_000,
      keyGenerator: (req) => (kind === 'login' ? `ip:${req.ip}` : limitKeyOf(req, cookieName)),
      allowList: () => perMinute(limits(), kind) === 0,
      groupId: kind,
    },
  };
}
