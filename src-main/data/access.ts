import { SESSION_COOKIE } from '../../src-shared/contract/transport.js';
import { bearerOf } from '../http/credentials.js';
import type { DataAccessPort } from './types.js';

export interface DataAccessDeps {
  /** The API token or a studio session (AuthService.authenticate with the session cookie). */
  isStudio(credential: { authorization?: string; cookie?: string }): boolean;
  /** The stream a key publishes to (StreamService.authorize), else null. */
  streamOfKey(key: string): string | null;
  /** Whether the stream is private; undefined when there is no such stream. */
  isPrivate(stream: string): boolean | undefined;
  /** A player URL signed for this stream (UrlSigner.verify(name, query, ip).ok). */
  signatureValid(stream: string, query: Record<string, unknown>, ip: string): boolean;
}

/**
 * Who may publish to and read a stream's data channels. Publishers: the API token, a studio session, or
 * the stream's own key (`Authorization: Bearer <key>` or `?key=`), a key only for its own stream.
 * Readers: anyone for a public stream; for a private one the studio, its key, or a URL signed for it.
 */
export class DataAccess implements DataAccessPort {
  constructor(private readonly deps: DataAccessDeps) {}

  publisher(stream: string, credential: { authorization?: string; cookie?: string; key?: string }): 'api' | 'key' | null {
    if (this.deps.isStudio(credential)) return 'api';
    const key = bearerOf(credential.authorization) ?? credential.key;
    if (key !== undefined && key.length > 0 && key.length <= 256 && this.deps.streamOfKey(key) === stream) return 'key';
    return null;
  }

  reader(stream: string, credential: { authorization?: string; cookie?: string; query?: Record<string, unknown>; ip: string }): boolean {
    const isPrivate = this.deps.isPrivate(stream);
    if (isPrivate === undefined) return false;
    if (!isPrivate) return true;
    const key = typeof credential.query?.key === 'string' ? credential.query.key : undefined;
    if (this.publisher(stream, { ...credential, ...(key !== undefined ? { key } : {}) }) !== null) return true;
    return this.deps.signatureValid(stream, credential.query ?? {}, credential.ip);
  }
}

/**
 * The DataAccess of the host, from its services: the API's authenticator (AuthService), the stream service
 * (key -> stream, privacy) and the URL signer. For entry/ wiring.
 */
export function dataAccessFor(services: {
  auth: { authenticate(headers: { authorization?: string; cookie?: string }, cookieName: string): unknown };
  streams: { authorize(key: string): { name: string } | null; lookup(name: string): { private: boolean } | undefined };
  signer: { verify(name: string, query: Record<string, unknown>, ip: string): { ok: boolean } };
}): DataAccess {
  return new DataAccess({
    isStudio: (credential) => services.auth.authenticate(credential, SESSION_COOKIE) !== undefined,
    streamOfKey: (key) => services.streams.authorize(key)?.name ?? null,
    isPrivate: (stream) => services.streams.lookup(stream)?.private,
    signatureValid: (stream, query, ip) => services.signer.verify(stream, query, ip).ok,
  });
}
