import { z } from 'zod';

/**
 * Permission groups: every contract method needs `<group>:read` or `<group>:write` (its `scope`).
 * A role grants a set of scopes; an API token carries a subset of its user's.
 */
export const SCOPE_GROUPS = [
  'system',
  'config',
  'streams',
  'recordings',
  'destinations',
  'obs',
  'remote',
  'cdn',
  'videos',
  'data',
  'chat',
  'users',
  'tokens',
  'audit',
  'scenes',
  'runners',
] as const;
export type ScopeGroup = (typeof SCOPE_GROUPS)[number];
export type ScopeAccess = 'read' | 'write';
export type Scope = `${ScopeGroup}:${ScopeAccess}`;

export const ALL_SCOPES: readonly Scope[] = SCOPE_GROUPS.flatMap((g) => [`${g}:read` as Scope, `${g}:write` as Scope]);
export const scopeSchema = z.enum(ALL_SCOPES as [Scope, ...Scope[]]);

export const ROLES = ['owner', 'admin', 'producer', 'moderator', 'viewer'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

const rw = (...groups: ScopeGroup[]): Scope[] => groups.flatMap((g) => [`${g}:read` as Scope, `${g}:write` as Scope]);
const r = (...groups: ScopeGroup[]): Scope[] => groups.map((g) => `${g}:read` as Scope);

/**
 * What each role may do. `owner` and `admin` everything (only an owner changes or removes an owner,
 * checked by the users service); `producer` runs the show (streams, OBS, destinations, recordings,
 * the library, data, chat, the studio's scenes); `moderator` keeps chat and data in order and watches; `viewer` watches
 * private streams (signed URLs and read JWTs are handed out by `streams:read`). Everyone manages their
 * own sessions and API tokens (`tokens:*`), which never exceed their role.
 */
export const ROLE_SCOPES: Readonly<Record<Role, readonly Scope[]>> = {
  owner: ALL_SCOPES,
  admin: ALL_SCOPES,
  producer: [...rw('streams', 'recordings', 'destinations', 'obs', 'videos', 'data', 'chat', 'remote', 'tokens', 'scenes'), ...r('system', 'config', 'cdn')],
  moderator: [...rw('chat', 'data', 'tokens'), ...r('system', 'streams', 'recordings', 'videos')],
  viewer: [...rw('tokens'), ...r('system', 'streams')],
};

/** Whether `granted` covers `needed` (`x:write` implies `x:read`). */
export function scopeCovers(granted: readonly Scope[], needed: Scope): boolean {
  if (granted.includes(needed)) return true;
  const [group, access] = needed.split(':') as [ScopeGroup, ScopeAccess];
  return access === 'read' && granted.includes(`${group}:write`);
}
