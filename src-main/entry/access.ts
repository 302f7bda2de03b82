import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { splitList } from '../../src-shared/config-auth.js';
import type { HttpPlugin } from '../http/plugin.js';
import { sendError } from '../http/reply.js';
import type { StudioConfig } from '../../src-shared/config.js';
import { methods, type AuthBlock, type CertificateInfo, type MethodName } from '../../src-shared/contract/index.js';
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
  /** GET /tls/ca.crt: the host's authority, to install on viewers' devices (self-ca only). */
  plugins: HttpPlugin[];
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
  const parts = ['name', 'id', 'stream', 'scene', 'input', 'output', 'displayId'].map((k) => (typeof i[k] === 'string' || typeof i[k] === 'number' ? `${k === 'name' || k === 'id' ? '' : `${k === 'displayId' ? 'display' : k}:`}${String(i[k])}` : null)).filter((p) => p !== null);
  return parts.length > 0 ? parts.join(' ').slice(0, 300) : null;
}

/** What HTTPS and RTMPS serve: the operator's files, a certificate of the host's own authority, or nothing. */
export type HostTls = { mode: 'off' } | { mode: 'files' | 'self-ca'; certFile: string; keyFile: string; caFile: string | null };

/** Resolves the host's certificate at start: http.tlsCert wins; tls.selfSigned issues (or renews) one. */
export async function hostTls(config: StudioConfig, home: string): Promise<HostTls> {
  if (config.http.tlsCert) return { mode: 'files', certFile: config.http.tlsCert, keyFile: config.http.tlsKey, caFile: null };
  if (!config.tls.selfSigned) return { mode: 'off' };
  // The certificate authority's libraries (@peculiar/x509) load only for a host that has one.
  const { certificateNames, ensureHostCertificate } = await import('../auth/tls-ca.js');
  const cert = await ensureHostCertificate(path.join(home, 'tls'), certificateNames(splitList(config.tls.names)), config.studio.name);
  return { mode: 'self-ca', certFile: cert.certFile, keyFile: cert.keyFile, caFile: cert.caFile };
}

const CA_PATH = '/tls/ca.crt';

/** The certificate in `file`, read for its names and expiry. */
function certificateInfo(mode: 'files' | 'self-ca', file: string): CertificateInfo {
  try {
    const cert = new crypto.X509Certificate(fs.readFileSync(file));
    const notAfter = Date.parse(cert.validTo);
    return {
      mode,
      subject: cert.subject.replace(/\n/g, ', '),
      issuer: cert.issuer.replace(/\n/g, ', '),
      names: (cert.subjectAltName ?? '').split(/,\s*/).filter(Boolean).map((n) => n.replace(/^(DNS|IP Address):/, '')),
      notBefore: Date.parse(cert.validFrom),
      notAfter,
      daysLeft: Math.floor((notAfter - Date.now()) / 86_400_000),
      fingerprint256: cert.fingerprint256,
      caUrl: mode === 'self-ca' ? CA_PATH : null,
    };
  } catch {
    throw new StudioError('CONFIG_INVALID', `http.tlsCert: ${file} is not a readable PEM certificate`, { field: 'http.tlsCert' });
  }
}

const NO_CERTIFICATE: CertificateInfo = { mode: 'off', subject: null, issuer: null, names: [], notBefore: null, notAfter: null, daysLeft: null, fingerprint256: null, caUrl: null };

/** Users, tokens, JWTs, admission, the audit log and TLS, wired for the studio. */
export function wireAccess(deps: {
  db: Db;
  config: () => StudioConfig;
  logger: Logger;
  users: UsersPort;
  tokens: TokensPort;
  streams: Pick<StreamService, 'access' | 'authorize'>;
  signer: Pick<UrlSigner, 'verify'>;
  tls: HostTls;
  home: string;
  /** Failed authentications per address, shared with the API and sign-ins (api/auth.ts). */
  failures: { retryAfter(ip: string): number; recordFailure(ip: string): void; blocks(): AuthBlock[]; unblock(kind: AuthBlock['kind'], key: string): boolean; onBlock(listener: (block: AuthBlock) => void): void };
  /** After a JWT key rotation: the edges get the new keys. */
  onJwtRotate?: () => void;
}): Access {
  const tls = deps.tls;
  const audit = new AuditService({ store: new AuditStore(deps.db), retentionDays: () => deps.config().audit.retentionDays, logger: deps.logger.child({ service: 'audit' }) });
  const jwt = new JwtService({ keys: new JwtKeyStore(deps.db), config: () => deps.config().auth, ...(deps.onJwtRotate ? { onRotate: deps.onJwtRotate } : {}) });
  const webhook = new AdmissionWebhook({ config: () => deps.config().auth, logger: deps.logger.child({ service: 'admission' }) });
  const admission = new Admission({
    stream: (name) => deps.streams.access(name),
    streamOfKey: (key) => deps.streams.authorize(key)?.name ?? null,
    jwt,
    signer: deps.signer,
    webhook,
    audit,
    failures: deps.failures,
  });
  // Each block as it starts, in the audit log (its lifting is the blocks.delete call's own entry).
  deps.failures.onBlock((block) =>
    audit.record({ actor: 'system', action: 'auth.block', target: `${block.kind}:${block.key}`, ip: block.kind === 'address' ? block.key : null, result: 'denied', detail: `${block.failures} failed authentications in a minute; guesses refused until ${new Date(block.until).toISOString()}` }),
  );
  const handlers: AuthHandlerDeps = {
    blocks: deps.failures,
    users: deps.users,
    tokens: deps.tokens,
    jwt,
    audit,
    tls: {
      info: () => (tls.mode === 'off' ? NO_CERTIFICATE : certificateInfo(tls.mode, tls.certFile)),
      // A new certificate of the host's authority for these names (and the usual ones), served after a restart.
      issue: async (names) => {
        if (tls.mode === 'files') throw new StudioError('CONFLICT', 'the host serves the certificate in http.tlsCert: clear it to use its own authority');
        const dir = path.join(deps.home, 'tls');
        // The configured names stay covered too: the next start keeps this certificate.
        const { certificateNames, issueHostCertificate } = await import('../auth/tls-ca.js');
        await issueHostCertificate(dir, certificateNames([...splitList(deps.config().tls.names), ...names]), deps.config().studio.name);
        return certificateInfo('self-ca', path.join(dir, 'host.crt'));
      },
    },
  };
  const caPlugin: HttpPlugin = (app) => {
    app.get(CA_PATH, async (_req, reply) => {
      const caFile = tls.mode === 'self-ca' ? tls.caFile : path.join(deps.home, 'tls', 'ca.crt');
      if (!caFile || !fs.existsSync(caFile)) return sendError(reply, { code: 'NOT_FOUND', message: 'this host has no certificate authority of its own (tls.selfSigned is off)' });
      return reply.header('Content-Disposition', 'attachment; filename="streams-studio-ca.crt"').type('application/x-x509-ca-cert').send(fs.readFileSync(caFile));
    });
  };
  return {
    handlers,
    plugins: [caPlugin],
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
