import { describe, expect, it } from 'vitest';
import { ROLE_SCOPES } from '../../../src-shared/contract/index.js';
import { auditLine, grantableGroups, scopesOf, streamsOf } from './model.js';

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
});
