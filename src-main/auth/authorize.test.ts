import { describe, expect, it } from 'vitest';
import { ALL_SCOPES, methods, ROLE_SCOPES, ROLES, scopeCovers, type MethodName, type Scope } from '../../src-shared/contract/index.js';
import { caught } from '../../test-support/errors.js';
import { authorize, effectiveScopes, streamParamOf } from './authorize.js';
import type { Principal } from './types.js';

const who = (scopes: readonly Scope[], streams: string[] | null = null): Principal => ({ via: 'token', userId: 'u', userName: 'u', role: 'producer', scopes, streams, tokenId: 't', tokenName: 't' });

describe('authorize', () => {
  it('every method declares a scope of a known group', () => {
    for (const def of Object.values(methods)) expect(ALL_SCOPES).toContain(def.scope);
  });

  it('write implies read, not the other way round', () => {
    expect(scopeCovers(['streams:write'], 'streams:read')).toBe(true);
    expect(scopeCovers(['streams:read'], 'streams:write')).toBe(false);
    expect(scopeCovers([], 'streams:read')).toBe(false);
  });

  it('refuses a method outside the scopes with FORBIDDEN naming the scope', () => {
    const error = caught(() => authorize(who(['streams:read']), 'streams.create', undefined));
    expect(error.code).toBe('FORBIDDEN');
    expect(error.message).toContain('streams:write');
    expect(error.details).toMatchObject({ scope: 'streams:write', method: 'streams.create' });
    expect(() => authorize(who(['streams:read']), 'streams.get', 'demo')).not.toThrow();
  });

  it('a stream-limited token may name only its streams on stream routes', () => {
    const limited = who(['streams:write'], ['demo']);
    expect(() => authorize(limited, 'streams.update', 'demo')).not.toThrow();
    expect(caught(() => authorize(limited, 'streams.update', 'other')).details).toMatchObject({ stream: 'other' });
    // Not a route of one stream: the limit does not apply.
    expect(() => authorize(limited, 'streams.list', undefined)).not.toThrow();
    expect(streamParamOf('streams.update')).toBe('name');
    expect(streamParamOf('streams.list')).toBeNull();
    expect(streamParamOf('guests.invite')).toBe('stream');
    expect(() => authorize(who(['scenes:write'], ['demo']), 'guests.invite', 'other')).toThrow(/limited to the streams demo/);
    expect(streamParamOf('users.get' as MethodName)).toBeNull();
  });

  it('a token keeps only the scopes its role grants', () => {
    expect(effectiveScopes('moderator', ['chat:write', 'streams:write', 'streams:read'])).toEqual(['chat:write', 'streams:read']);
    expect(effectiveScopes('owner', ['users:write'])).toEqual(['users:write']);
  });

  it('roles nest: owner = admin > producer, moderator > viewer', () => {
    for (const role of ROLES) for (const s of ROLE_SCOPES.viewer) expect(scopeCovers(ROLE_SCOPES[role], s)).toBe(true);
    expect(ROLE_SCOPES.admin).toEqual(ROLE_SCOPES.owner);
    expect(scopeCovers(ROLE_SCOPES.producer, 'users:read')).toBe(false);
    expect(scopeCovers(ROLE_SCOPES.moderator, 'chat:write')).toBe(true);
    expect(scopeCovers(ROLE_SCOPES.moderator, 'streams:write')).toBe(false);
  });
});
