import { scopeCovers, type ApiToken, type Scope } from '../../src-shared/contract/index.js';
import { StudioError } from '../core/errors.js';
import type { ApiTokenStore, TokenRecord } from '../store/api-tokens.js';
import type { Principal, TokensPort } from './types.js';

const view = (t: TokenRecord): ApiToken => ({ ...t, builtin: false });
const isAdmin = (p: Principal): boolean => p.role === 'owner' || p.role === 'admin';

/** API tokens: a user makes tokens with at most their own scopes (and, from a token, at most that token's). */
export class TokensService implements TokensPort {
  constructor(private readonly store: ApiTokenStore) {}

  list(by: Principal, all: boolean): ApiToken[] {
    const own = by.userId ? this.store.list(by.userId).map(view) : [];
    if (all && isAdmin(by)) return this.store.list().map(view);
    return own;
  }

  create(by: Principal, input: { name: string; scopes: Scope[]; streams?: string[]; expiresInSec?: number }): { id: string; token: string; expiresAt: number | null; scopes: Scope[] } {
    if (!by.userId) throw new StudioError('CONFLICT', 'API tokens belong to users: the studio has no owner yet');
    const beyond = input.scopes.filter((s) => !scopeCovers(by.scopes, s));
    if (beyond.length > 0) throw new StudioError('FORBIDDEN', `a token cannot have more than its maker: ${beyond.join(', ')}`, { scope: beyond[0] });
    if (by.streams !== null && (!input.streams || input.streams.some((s) => !by.streams!.includes(s)))) {
      throw new StudioError('FORBIDDEN', `a token limited to ${by.streams.join(', ')} can only make tokens for those streams`);
    }
    const scopes = [...new Set(input.scopes)];
    const expiresAt = input.expiresInSec ? Date.now() + input.expiresInSec * 1000 : null;
    const { record, token } = this.store.create({ userId: by.userId, name: input.name, scopes, streams: input.streams ?? null, expiresAt });
    return { id: record.id, token, expiresAt, scopes };
  }

  delete(by: Principal, id: string): void {
    const token = this.store.get(id);
    if (!token || (token.userId !== by.userId && !isAdmin(by))) throw new StudioError('NOT_FOUND', `no API token "${id}"`);
    this.store.delete(id);
  }
}
