import { describe, expect, it } from 'vitest';
import { ROLE_SCOPES } from '../../src-shared/contract/index.js';
import type { Principal } from '../auth/types.js';
import type { CallContext, Dispatch } from './dispatch.js';
import { WsCalls, type WsCallDeps } from './ws-calls.js';

const reader: Principal = { via: 'token', userId: 'u1', userName: 'ana', role: 'viewer', scopes: ['streams:read'], streams: null, tokenId: 't1', tokenName: 'deck' };
const owner: Principal = { ...reader, role: 'owner', scopes: ROLE_SCOPES.owner };

/** A dispatcher that records what reached it and answers with the method's name. */
function fakeDispatch(): { dispatch: Dispatch; seen: { method: string; input: unknown; ctx: CallContext }[] } {
  const seen: { method: string; input: unknown; ctx: CallContext }[] = [];
  return { seen, dispatch: async (method, input, ctx) => (seen.push({ method, input, ctx }), { ok: true, result: { ran: method } }) };
}

const deps = (over: Partial<WsCallDeps> = {}): WsCallDeps => ({
  dispatch: fakeDispatch().dispatch,
  principal: () => owner,
  remoteAddress: '192.0.2.7',
  baseUrl: 'http://studio.lan:7070',
  perMinute: () => 0,
  ...over,
});

describe('WsCalls', () => {
  it('runs a method through the dispatcher as the socket\'s caller, over the ws transport, with the same id', async () => {
    const d = fakeDispatch();
    const calls = new WsCalls(deps({ dispatch: d.dispatch }));
    expect(await calls.answer({ id: 'a1', method: 'streams.get', input: { name: 'demo' } })).toEqual({ type: 'result', id: 'a1', result: { ran: 'streams.get' } });
    expect(d.seen).toEqual([{ method: 'streams.get', input: { name: 'demo' }, ctx: { transport: 'ws', remoteAddress: '192.0.2.7', baseUrl: 'http://studio.lan:7070', principal: owner } }]);
    // No input is an empty object (the contract then says what is missing).
    await calls.answer({ id: 2, method: 'streams.list' });
    expect(d.seen[1]?.input).toEqual({});
  });

  it('refuses before the dispatcher: no id, an unknown method, a missing scope (audited), a credential gone', async () => {
    const d = fakeDispatch();
    const audit: unknown[] = [];
    let principal: Principal | undefined = reader;
    const calls = new WsCalls(deps({ dispatch: d.dispatch, principal: () => principal, audit: { record: (e) => void audit.push(e) } }));
    expect(await calls.answer({ method: 'streams.list' })).toMatchObject({ type: 'error', id: null, error: { code: 'VALIDATION_FAILED' } });
    expect(await calls.answer({ id: 'x'.repeat(65), method: 'streams.list' })).toMatchObject({ id: null, error: { code: 'VALIDATION_FAILED' } });
    expect(await calls.answer({ id: 1, method: 'streams.explode' })).toMatchObject({ id: 1, error: { code: 'NOT_FOUND' } });
    expect(await calls.answer({ id: 2, method: 'streams.create', input: { name: 'x' } })).toMatchObject({ id: 2, error: { code: 'FORBIDDEN', details: { scope: 'streams:write' } } });
    expect(audit).toEqual([expect.objectContaining({ actor: 'token:deck (ana)', action: 'streams.create', ip: '192.0.2.7', result: 'denied' })]);
    principal = undefined;
    expect(await calls.answer({ id: 3, method: 'streams.list' })).toMatchObject({ id: 3, error: { code: 'UNAUTHORIZED' } });
    expect(d.seen).toEqual([]);
  });

  it('keeps a stream-limited token to its streams, as the HTTP routes do', async () => {
    const calls = new WsCalls(deps({ principal: () => ({ ...owner, via: 'token', streams: ['demo'] }) }));
    expect(await calls.answer({ id: 1, method: 'streams.update', input: { name: 'demo', record: false } })).toMatchObject({ type: 'result' });
    expect(await calls.answer({ id: 2, method: 'streams.update', input: { name: 'other', record: false } })).toMatchObject({ error: { code: 'FORBIDDEN', details: { stream: 'other' } } });
  });

  it('counts a socket\'s calls against the per-minute limit, with the seconds to wait', async () => {
    let now = 1_000_000;
    const calls = new WsCalls(deps({ perMinute: () => 2, now: () => now }));
    expect((await calls.answer({ id: 1, method: 'streams.list' })).type).toBe('result');
    expect((await calls.answer({ id: 2, method: 'streams.list' })).type).toBe('result');
    now += 15_000;
    expect(await calls.answer({ id: 3, method: 'streams.list' })).toMatchObject({ error: { code: 'RATE_LIMITED', details: { retryAfterSec: 45 } } });
    now += 45_000;
    expect((await calls.answer({ id: 4, method: 'streams.list' })).type).toBe('result');
  });
});
