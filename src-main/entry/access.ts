import crypto from 'node:crypto';
import fs from 'node:fs';
import type { StudioConfig } from '../../src-shared/config.js';
import { methods, type CertificateInfo, type MethodName } from '../../src-shared/contract/index.js';
import type { CallResult } from '../../src-shared/contract/transport.js';
import type { AuthHandlerDeps } from '../api/handlers-auth.js';
import type { CallContext } from '../api/dispatch.js';
import { Admission } from '../auth/admission.js';
import { AuditService } from '../auth/audit.js';
import { JwtService } from '../auth/jwt.js';
import { actorOf, type AdmissionRequest, type AdmissionResult, type TokensPort, type UsersPort } from '../auth/types.js';
import { AdmissionWebhook } from '../auth/webhook.js';
import { StudioError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { StreamService } from '../media/stream-service.js';
import type { UrlSigner } from '../protocols/signing.js';
import { AuditStore } from '../store/audit.js';
import type { Db } from '../store/db.js';
import { JwtKeyStore } from '../store/jwt-keys.js';

export interface Access {
  handlers: AuthHandlerDeps;
  audit: AuditService;
  jwt: JwtService;
  admit(request: AdmissionRequest): Promise<AdmissionResult>;
  /** The dispatcher's call listener: every write call, and every refusal, into the audit log. */
  onCall(method: MethodName, input: unknown, ctx: CallContext, result: CallResult<unknown>): void;
}

/** What a call acted on, for the audit log: the stream, id or name in its input. */
function targetOf(input: unknown): string | null {
  if (input === null || typeof input !== 'object') return null;
  const i = input as Record<string, unknown>;
  const parts = ['name', 'id', 'stream', 'scene', 'input', 'output'].map((k) => (typeof i[k] === 'string' || typeof i[k] === 'number' ? `${k === 'name' || k === 'id' ? '' : `${k}:`}${String(i[k])}` : null)).filter((p) => p !== null);
  return parts.length > 0 ? parts.join(' ').slice(0, 300) : null;
}

/** The certificate the host serves HTTPS with (http.tlsCert), read for its names and expiry. */
function certificateInfo(config: StudioConfig): CertificateInfo {
  const file = config.http.tlsCert;
  const none: CertificateInfo = { mode: 'off', subject: null, issuer: null, names: [], notBefore: null, notAfter: null, daysLeft: null, fingerprint256: null, caUrl: null };
  if (!file) return none;
  try {
    const cert = new crypto.X509Certificate(fs.readFileSync(file));
    const notAfter = Date.parse(cert.validTo);
    return {
      mode: 'files',
      subject: cert.subject.replace(/\n/g, ', '),
      issuer: cert.issuer.replace(/\n/g, ', '),
      names: (cert.subjectAltName ?? '').split(/,\s*/).filter(Boolean).map((n) => n.replace(/^(DNS|IP Address):/, '')),
      notBefore: Date.parse(cert.validFrom),
      notAfter,
      daysLeft: Math.floor((notAfter - Date.now()) / 86_400_000),
      fingerprint256: cert.fingerprint256,
      caUrl: null,
    };
  } catch {
    throw new StudioError('CONFIG_INVALID', `http.tlsCert: ${file} is not a readable PEM certificate`, { field: 'http.tlsCert' });
  }
}

/** Users, tokens, JWTs, admission, the audit log and TLS, wired for the studio. */
export function wireAccess(deps: {
  db: Db;
  config: () => StudioConfig;
  logger: Logger;
  users: UsersPort;
  tokens: TokensPort;
  streams: Pick<StreamService, 'access' | 'authorize'>;
  signer: Pick<UrlSigner, 'verify'>;
}): Access {
  const audit = new AuditService({ store: new AuditStore(deps.db), retentionDays: () => deps.config().audit.retentionDays, logger: deps.logger.child({ service: 'audit' }) });
  const jwt = new JwtService({ keys: new JwtKeyStore(deps.db), config: () => deps.config().auth });
  const webhook = new AdmissionWebhook({ config: () => deps.config().auth, logger: deps.logger.child({ service: 'admission' }) });
  const admission = new Admission({
    stream: (name) => deps.streams.access(name),
    streamOfKey: (key) => deps.streams.authorize(key)?.name ?? null,
    jwt,
    signer: deps.signer,
    webhook,
    audit,
  });
  const handlers: AuthHandlerDeps = {
    users: deps.users,
    tokens: deps.tokens,
    jwt,
    audit,
    tls: {
      info: () => certificateInfo(deps.config()),
      issue: () => {
        throw new StudioError('NOT_IMPLEMENTED_ON_OS', 'issuing certificates from the host\'s own authority is not built yet: give http.tlsCert and http.tlsKey');
      },
    },
  };
  return {
    handlers,
    audit,
    jwt,
    admit: (request) => admission.admit(request),
    onCall: (method, input, ctx, result) => {
      const def = methods[method];
      const denied = !result.ok && (result.error.code === 'FORBIDDEN' || result.error.code === 'UNAUTHORIZED');
      // Reads are not audited (they change nothing), unless refused.
      if (def.http.method === 'GET' && !denied) return;
      if (def.public && ctx.anonymous) return;
      audit.record({
        actor: actorOf(ctx.principal),
        action: method,
        target: targetOf(input),
        ip: ctx.remoteAddress ?? (ctx.transport === 'ipc' ? 'desktop' : null),
        result: result.ok ? 'ok' : denied ? 'denied' : 'failed',
        detail: result.ok ? null : result.error.code,
      });
    },
  };
}
