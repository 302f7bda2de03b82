import type { PlayAuth, PublishAuth } from '../../src-shared/contract/index.js';
import type { QueryLike, VerifyResult } from '../protocols/signing.js';
import type { JwtCheck, JwtAction } from './jwt.js';
import { actorOf, type AdmissionPort, type AdmissionRequest, type AdmissionResult, type AuditPort } from './types.js';
import type { WebhookAnswer, WebhookQuestion } from './webhook.js';

export interface AdmissionDeps {
  /** The stream's access settings; undefined when there is no such stream. */
  stream(name: string): { private: boolean; publishAuth: PublishAuth; playAuth: PlayAuth } | undefined;
  /** The stream a current key publishes to. */
  streamOfKey(key: string): string | null;
  jwt: { verify(token: string, need: { action: JwtAction; stream: string; ip: string }): Promise<JwtCheck> };
  signer: { verify(name: string, query: QueryLike, ip: string): VerifyResult };
  webhook: { ask(question: WebhookQuestion): Promise<WebhookAnswer> };
  audit?: Pick<AuditPort, 'record'>;
  /** Failed authentications per address (shared with the API's): a publisher that failed too often waits. */
  failures?: { retryAfter(ip: string): number; recordFailure(ip: string): void };
}

/** `<name>?jwt=<token>` (an RTMP key or SRT stream id carrying a JWT), else a plain key. */
export function splitKey(raw: string): { name: string; jwt: string } | { key: string } {
  const q = raw.indexOf('?');
  if (q < 0) return { key: raw };
  const jwt = new URLSearchParams(raw.slice(q + 1)).get('jwt');
  return jwt ? { name: raw.slice(0, q), jwt } : { key: raw.slice(0, q) };
}

/** A bearer that looks like a JWT (three base64url parts), not a stream key. */
export const looksLikeJwt = (value: string): boolean => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(value);

const deny = (code: Extract<AdmissionResult, { ok: false }>['code'], reason: string, details?: Record<string, string | number>): AdmissionResult => ({ ok: false, code, reason, ...(details ? { details } : {}) });

/**
 * One decision for every protocol, per stream: publishing by key (or a publish JWT), a JWT only, or the
 * webhook; playing by default rules (public, or a signed URL or read JWT for a private stream), a JWT
 * only, or the webhook. The webhook is told which credential came and whether it checked out.
 */
export class Admission implements AdmissionPort {
  constructor(private readonly deps: AdmissionDeps) {}

  async admit(request: AdmissionRequest): Promise<AdmissionResult> {
    // An address that failed too often has its further guesses refused: a valid key or JWT is still
    // admitted (no guess), anything else is RATE_LIMITED without asking the webhook.
    const wait = request.action === 'publish' ? (this.deps.failures?.retryAfter(request.ip) ?? 0) : 0;
    const decided = await this.decide(request, wait > 0);
    const result = decided.ok || wait === 0 ? decided : deny('RATE_LIMITED', 'too many failed authentications from this address; wait a minute', { retryAfterSec: wait });
    // A publisher whose key or token failed counts against its address, on every port.
    if (!result.ok && request.action === 'publish' && ['UNAUTHORIZED', 'JWT_INVALID', 'TOKEN_EXPIRED'].includes(result.code)) this.deps.failures?.recordFailure(request.ip);
    // Denials are audited always; admissions are the protocols' to record once per connection.
    if (!result.ok && this.deps.audit) {
      this.deps.audit.record({
        actor: request.credential.studio ? actorOf(request.credential.studio) : request.credential.jwt ? 'jwt' : request.credential.key ? 'key' : 'anonymous',
        action: request.action === 'publish' ? 'publish' : request.action === 'remote' ? 'remote.view' : 'play',
        target: request.stream,
        ip: request.ip,
        result: 'denied',
        detail: `${request.protocol}: ${result.code}: ${result.reason}`,
      });
    }
    return result;
  }

  /** `blocked`: the address is past its failure limit; the webhook is not asked for it. */
  private async decide(request: AdmissionRequest, blocked = false): Promise<AdmissionResult> {
    const { credential } = request;
    const action: JwtAction = request.action;
    let name = request.stream;
    let byKey = false;
    if (name === null) {
      // Publishing by key alone: the key names the stream.
      name = credential.key ? this.deps.streamOfKey(credential.key) : null;
      if (!name) return deny('UNAUTHORIZED', 'unknown stream key');
      byKey = true;
    }
    if (request.action === 'remote') {
      if (!credential.jwt) return deny('UNAUTHORIZED', 'a remote-view JWT is needed');
      const check = await this.deps.jwt.verify(credential.jwt, { action, stream: name, ip: request.ip });
      return check.ok ? { ok: true, stream: name, via: 'jwt', subject: check.subject } : deny(check.code, check.reason);
    }
    const stream = this.deps.stream(name);
    if (!stream) return deny('NOT_FOUND', `no stream named "${name}"`);
    const mode = request.action === 'publish' ? stream.publishAuth : stream.playAuth;

    // What the credential proves on its own.
    let proof: { kind: 'key' | 'jwt' | 'signed' | 'none'; valid: boolean; subject: string | null; failure?: AdmissionResult } = { kind: 'none', valid: false, subject: null };
    if (credential.jwt) {
      const check = await this.deps.jwt.verify(credential.jwt, { action, stream: name, ip: request.ip });
      proof = check.ok ? { kind: 'jwt', valid: true, subject: check.subject } : { kind: 'jwt', valid: false, subject: null, failure: deny(check.code, check.reason) };
    } else if (request.action === 'publish' && credential.key !== undefined) {
      const valid = byKey || this.deps.streamOfKey(credential.key) === name;
      proof = { kind: 'key', valid, subject: null, ...(valid ? {} : { failure: deny('UNAUTHORIZED', 'wrong stream key') }) };
    } else if (request.action === 'read' && credential.signed && (credential.signed.exp !== undefined || credential.signed.sig !== undefined)) {
      const verdict = this.deps.signer.verify(name, credential.signed, request.ip);
      proof = verdict.ok ? { kind: 'signed', valid: true, subject: null } : { kind: 'signed', valid: false, subject: null, failure: deny('FORBIDDEN', `stream "${name}" is private: its playback URL must be signed (${verdict.reason.replace('_', ' ')})`, { reason: verdict.reason }) };
    }
    const studio = credential.studio;
    const studioMay = studio !== undefined && studio.scopes.some((s) => s === 'streams:write' || (request.action === 'read' && s === 'streams:read')) && (studio.streams === null || studio.streams.includes(name));

    if (mode === 'webhook') {
      if (blocked) return deny('RATE_LIMITED', 'too many failed authentications from this address; wait a minute');
      const answer = await this.deps.webhook.ask({
        action: request.action,
        stream: name,
        protocol: request.protocol,
        ip: request.ip,
        query: request.query ?? {},
        credential: { kind: studioMay ? 'none' : proof.kind, valid: proof.valid || studioMay, subject: proof.subject ?? (studio ? actorOf(studio) : null) },
      });
      return answer.allow ? { ok: true, stream: name, via: 'webhook', subject: proof.subject } : deny('ADMISSION_DENIED', answer.reason ?? 'the admission webhook said no');
    }
    if (studioMay) return { ok: true, stream: name, via: 'studio', subject: actorOf(studio) };
    if (mode === 'jwt') {
      if (proof.kind === 'jwt') return proof.valid ? { ok: true, stream: name, via: 'jwt', subject: proof.subject } : proof.failure!;
      return deny(request.action === 'publish' ? 'UNAUTHORIZED' : 'FORBIDDEN', `stream "${name}" takes a JWT only`);
    }
    if (proof.kind !== 'none') return proof.valid ? { ok: true, stream: name, via: proof.kind, subject: proof.subject } : proof.failure!;
    if (request.action === 'read' && !stream.private) return { ok: true, stream: name, via: 'public', subject: null };
    return request.action === 'publish'
      ? deny('UNAUTHORIZED', 'send the stream key or a publish JWT')
      : deny('FORBIDDEN', `stream "${name}" is private: its playback URL must be signed or carry a JWT (missing)`, { reason: 'missing' });
  }
}

/**
 * A publish decision for a raw RTMP key or SRT stream id: `<name>?jwt=<token>` or a stream key. The
 * grant names the stream, or null when refused (the admission logged and audited why).
 */
export async function publishGrant(
  admit: (request: AdmissionRequest) => Promise<AdmissionResult>,
  raw: string,
  protocol: AdmissionRequest['protocol'],
  ip: string,
): Promise<{ name: string } | null> {
  const split = splitKey(raw);
  const result = await admit(
    'jwt' in split
      ? { action: 'publish', protocol, stream: split.name, ip, credential: { jwt: split.jwt } }
      : { action: 'publish', protocol, stream: null, ip, credential: { key: split.key } },
  );
  return result.ok ? { name: result.stream } : null;
}
