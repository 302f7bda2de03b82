import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditEntry } from '../../../src-shared/contract/index.js';
import { sendError } from '../../http/reply.js';
import { firstString, type QueryLike } from '../../protocols/signing.js';

/** The window of the content-key rate limit. */
const KEY_WINDOW_MS = 10_000;
/** Viewers whose first key of a scope was audited, kept at most this many. */
const AUDITED_KEY_VIEWERS = 10_000;
const TRACKED_ASKERS = 10_000;

/** A content key's answer: kept by no cache (an edge passes each request on; a browser asks again). */
export function sendKey(reply: FastifyReply, key: Buffer): FastifyReply {
  return reply.header('Cache-Control', 'no-store, private').type('application/octet-stream').send(key);
}

export interface KeyGuardOptions {
  /** Keys one viewer (address and viewer id) is served in any 10 s; default 200. */
  perTenSeconds?: number;
  audit?: { record(entry: Omit<AuditEntry, 'id' | 'at'>): void };
}

/**
 * What every content-key route shares (live streams' keys and licences, recordings' VOD keys): one
 * rate limit per viewer, counted per address and viewer id (the viewers behind an edge all come from
 * its address), and the audit of each viewer's first key of a scope (a live run, a recording).
 */
export class KeyGuard {
  private readonly requests = new Map<string, { since: number; count: number; previous: number }>();
  private readonly viewers = new Set<string>();

  constructor(private readonly options: KeyGuardOptions = {}) {}

  /**
   * Past the limit: answers 429 with Retry-After and returns true. A sliding window (the keys served in
   * the last window weighted by how much of it is still within 10 s, plus this one's): a fixed window
   * let twice the limit through across its edge.
   */
  limited(req: FastifyRequest, reply: FastifyReply, now = Date.now()): boolean {
    const asker = `${req.ip} ${firstString((req.query as QueryLike).sid) ?? ''}`.slice(0, 200);
    let window = this.requests.get(asker);
    if (!window) {
      if (this.requests.size > TRACKED_ASKERS) this.requests.clear();
      window = { since: now, count: 0, previous: 0 };
      this.requests.set(asker, window);
    }
    const passed = Math.floor((now - window.since) / KEY_WINDOW_MS);
    if (passed >= 1) {
      window.previous = passed === 1 ? window.count : 0;
      window.count = 0;
      window.since += passed * KEY_WINDOW_MS;
    }
    const limit = this.options.perTenSeconds ?? 200;
    // Refusals cost nothing from the budget: a player that retries is served as it frees up.
    if (window.previous * (1 - (now - window.since) / KEY_WINDOW_MS) + window.count + 1 <= limit) {
      window.count += 1;
      return false;
    }
    sendError(reply.header('Retry-After', String(Math.max(1, Math.ceil((window.since + KEY_WINDOW_MS - now) / 1000)))), {
      code: 'RATE_LIMITED',
      message: 'too many key requests from this address; wait a few seconds',
    });
    return true;
  }

  /** Audits a viewer's first key of `scope` (once per address and scope): `target` the stream, `detail` which key. */
  auditFirst(req: FastifyRequest, target: string, scope: string, detail: string): void {
    const viewer = `${req.ip} ${scope}`;
    if (this.viewers.has(viewer)) return;
    if (this.viewers.size >= AUDITED_KEY_VIEWERS) this.viewers.clear();
    this.viewers.add(viewer);
    this.options.audit?.record({ actor: 'viewer', action: 'play.key', target, ip: req.ip, result: 'ok', detail });
  }

  /** Audits a refused key request. */
  auditRefusal(req: FastifyRequest, target: string, detail: string): void {
    this.options.audit?.record({ actor: 'viewer', action: 'play.key', target, ip: req.ip, result: 'denied', detail });
  }
}
