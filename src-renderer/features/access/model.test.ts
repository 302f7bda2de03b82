import { describe, expect, it } from 'vitest';
import { ROLE_SCOPES } from '../../../src-shared/contract/index.js';
import { auditLine, blockLine, grantableGroups, scopesOf, streamsOf } from './model.js';

describe('access model', () => {
  it('offers a producer only the groups and access its role has', () => {
    const groups = grantableGroups(ROLE_SCOPES.producer);
    expect(groups.find((g) => g.group === 'streams')?.max).toBe('write');
    expect(groups.find((g) => g.group === 'config')?.max).toBe('read');
    expect(groups.find((g) => g.group === 'users')).toBeUndefined();
  });

  it('turns a form into scopes and stream names', () => {
    expect(scopesOf({ streams: 'write', obs: 'read', chat: 'none' })).toEqual(['streams:write', 'obs:read']);
    expect(streamsOf(' show, other  ')).toEqual(['show', 'other']);
    expect(streamsOf('  ')).toBeUndefined();
  });

  it('writes an audit entry as a line', () => {
    const line = auditLine({ id: 1, at: 0, actor: 'user:sam', action: 'streams.create', target: 'show', ip: '10.0.0.2', result: 'denied', detail: 'FORBIDDEN' });
    expect(line).toMatchObject({ who: 'user:sam', what: 'streams.create · show', result: 'denied: FORBIDDEN', where: '10.0.0.2' });
  });

  it('writes a block as a line: what, why, and when it ends', () => {
    expect(blockLine({ kind: 'address', key: '10.0.0.5', failures: 12, until: 61_000 }, 20_000)).toEqual({ what: 'Address 10.0.0.5', why: '12 failed authentications in the last minute', ends: 'in 41 s' });
    expect(blockLine({ kind: 'account', key: 'sam', failures: 3, until: 200_000 }, 0)).toEqual({ what: 'Account sam', why: '3 failed sign-ins in the last minute', ends: 'in 4 min' });
    expect(blockLine({ kind: 'address', key: '::1', failures: 3, until: 0 }, 5000).ends).toBe('in 1 s');
  });
});
