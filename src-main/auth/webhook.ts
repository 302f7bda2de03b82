import crypto from 'node:crypto';
import type { Logger } from '../core/logger.js';

/** What the admission webhook is told (never a secret: a credential is described, not passed on). */
export interface WebhookQuestion {
  action: 'publish' | 'read' | 'remote';
  stream: string;
  protocol: string;
  ip: string;
  query: Record<string, string>;
  credential: { kind: 'key' | 'jwt' | 'signed' | 'none'; valid: boolean; subject: string | null };
}

export type WebhookAnswer = { allow: boolean; reason: string | null; source: 'webhook' | 'cache' | 'policy' };

export interface WebhookConfig {
  webhookUrl: string;
  /** Sent as `Authorization: Bearer` when not ''. */
  webhookToken: string;
  webhookTimeoutMs: number;
  webhookFailure: 'deny' | 'allow';
  webhookCacheSeconds: number;
}

const MAX_CACHE = 10_000;
const MAX_ANSWER_BYTES = 64 * 1024;

/** Pure: the answer in a webhook's body, or null when it is not `{"allow": boolean, "reason"?: string}`. */
export function parseAnswer(body: unknown): { allow: boolean; reason: string | null } | null {
  if (body === null || typeof body !== 'object' || typeof (body as { allow?: unknown }).allow !== 'boolean') return null;
  const reason = (body as { reason?: unknown }).reason;
  return { allow: (body as { allow: boolean }).allow, reason: typeof reason === 'string' ? reason.slice(0, 200) : null };
}

/**
 * The admission webhook of platforms with their own rules: POST {action, stream, protocol, ip, query,
 * credential} to `auth.webhookUrl` (with `auth.webhookToken` as a bearer credential), answer {allow, reason?}. A timeout, an error status or garbage
 * falls back to `auth.webhookFailure`; answers are reused for `auth.webhookCacheSeconds` per question.
 */
export class AdmissionWebhook {
  private readonly cache = new Map<string, { answer: { allow: boolean; reason: string | null }; until: number }>();

  constructor(private readonly deps: { config: () => WebhookConfig; logger: Logger; fetch?: typeof fetch }) {}

  configured(): boolean {
    return this.deps.config().webhookUrl !== '';
  }

  async ask(question: WebhookQuestion): Promise<WebhookAnswer> {
    const config = this.deps.config();
    const key = crypto.createHash('sha256').update(JSON.stringify([question.action, question.stream, question.protocol, question.ip, question.credential, question.query])).digest('base64url');
    const now = Date.now();
    const cached = this.cache.get(key);
    if (cached && cached.until > now) return { ...cached.answer, source: 'cache' };
    if (!config.webhookUrl) return this.policy(config, 'no admission webhook is configured');
    let answer: { allow: boolean; reason: string | null } | null = null;
    let failure = '';
    try {
      const res = await (this.deps.fetch ?? fetch)(config.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'streams-studio-admission',
          ...(config.webhookToken === '' ? {} : { authorization: `Bearer ${config.webhookToken}` }),
        },
        body: JSON.stringify(question),
        signal: AbortSignal.timeout(config.webhookTimeoutMs),
        redirect: 'error',
      });
      const text = await res.text();
      if (res.status === 401 || res.status === 403) failure = `refused the host (${res.status}): ${config.webhookToken === '' ? 'it may want a token (auth.webhookToken)' : 'check auth.webhookToken'}`;
      else if (!res.ok) failure = `answered ${res.status}`;
      else if (text.length > MAX_ANSWER_BYTES) failure = 'answered more than 64 KiB';
      else {
        try {
          answer = parseAnswer(JSON.parse(text));
        } catch {
          answer = null;
        }
        if (!answer) failure = 'did not answer {"allow": true|false}';
      }
    } catch (error) {
      failure = (error as Error).name === 'TimeoutError' ? `did not answer within ${config.webhookTimeoutMs} ms` : `could not be reached (${(error as Error).message})`;
    }
    if (!answer) {
      this.deps.logger.warn({ stream: question.stream, action: question.action, failure }, 'admission webhook failed: its failure policy decides');
      return this.policy(config, `the admission webhook ${failure}`);
    }
    if (config.webhookCacheSeconds > 0) {
      if (this.cache.size >= MAX_CACHE) this.cache.clear();
      this.cache.set(key, { answer, until: now + config.webhookCacheSeconds * 1000 });
    }
    return { ...answer, source: 'webhook' };
  }

  private policy(config: WebhookConfig, why: string): WebhookAnswer {
    return { allow: config.webhookFailure === 'allow', reason: why, source: 'policy' };
  }
}
