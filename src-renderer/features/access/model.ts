import { ROLE_SCOPES, SCOPE_GROUPS, scopeCovers, type AuditEntry, type AuthBlock, type Role, type Scope, type ScopeGroup } from '../../../src-shared/contract/index.js';

/** What each role may do, in the words of the People card. */
export const ROLE_WORDS: Record<Role, string> = {
  owner: 'Everything, including other owners',
  admin: 'Everything but changing owners',
  producer: 'Streams, the studio, OBS, destinations, recordings, the library, data and chat',
  moderator: 'Chat and data: moderation; sees streams and recordings',
  viewer: 'Watches private streams',
};

export const GROUP_WORDS: Record<ScopeGroup, string> = {
  system: 'System',
  config: 'Settings',
  streams: 'Streams',
  recordings: 'Recordings',
  destinations: 'Destinations',
  obs: 'OBS',
  remote: 'Remote desktop',
  cdn: 'Edges',
  videos: 'Library',
  data: 'Data channels',
  chat: 'Chat',
  users: 'People',
  tokens: 'Tokens and sessions',
  audit: 'Audit log',
  scenes: 'Studio scenes',
  runners: 'Runners (transcoding)',
};

export type GroupAccess = 'none' | 'read' | 'write';

/** The scope groups a caller with `granted` may put into a token, with the most each may have. */
export function grantableGroups(granted: readonly Scope[]): { group: ScopeGroup; max: GroupAccess }[] {
  return SCOPE_GROUPS.map((group) => ({
    group,
    max: scopeCovers(granted, `${group}:write`) ? ('write' as const) : scopeCovers(granted, `${group}:read`) ? ('read' as const) : ('none' as const),
  })).filter((g) => g.max !== 'none');
}

/** The scopes of a token form: one access per group (write includes read). */
export function scopesOf(choice: Partial<Record<ScopeGroup, GroupAccess>>): Scope[] {
  return Object.entries(choice)
    .filter(([, access]) => access && access !== 'none')
    .map(([group, access]) => `${group}:${access}` as Scope);
}

/** A comma- or space-separated list of stream names, or undefined when empty. */
export function streamsOf(text: string): string[] | undefined {
  const names = text.split(/[\s,]+/).filter(Boolean);
  return names.length > 0 ? names : undefined;
}

/** Expiry choices of a new token, in seconds (0: never). */
export const EXPIRY_CHOICES: { label: string; seconds: number }[] = [
  { label: '1 day', seconds: 86_400 },
  { label: '30 days', seconds: 30 * 86_400 },
  { label: '1 year', seconds: 365 * 86_400 },
  { label: 'Never', seconds: 0 },
];

/** The role scopes a signed-in user has, for what the page shows. */
export const mayManagePeople = (scopes: readonly Scope[]): boolean => scopeCovers(scopes, 'users:read');
export const mayReadAudit = (scopes: readonly Scope[]): boolean => scopeCovers(scopes, 'audit:read');
export const mayUnblock = (scopes: readonly Scope[]): boolean => scopeCovers(scopes, 'users:write');
export const roleScopes = (role: Role): readonly Scope[] => ROLE_SCOPES[role];

/** One line of the audit table. */
export function auditLine(entry: AuditEntry): { when: string; who: string; what: string; result: string; where: string } {
  return {
    when: new Date(entry.at).toLocaleString(),
    who: entry.actor,
    what: entry.target ? `${entry.action} · ${entry.target}` : entry.action,
    result: entry.result === 'ok' ? 'ok' : `${entry.result}${entry.detail ? `: ${entry.detail}` : ''}`,
    where: entry.ip ?? '—',
  };
}

/** One row of the blocked list: what is blocked, why, and when it ends by itself. */
export function blockLine(block: AuthBlock, now: number): { what: string; why: string; ends: string } {
  const seconds = Math.max(1, Math.ceil((block.until - now) / 1000));
  return {
    what: block.kind === 'address' ? `Address ${block.key}` : `Account ${block.key}`,
    why: `${block.failures} failed ${block.kind === 'address' ? 'authentications' : 'sign-ins'} in the last minute`,
    ends: seconds >= 60 ? `in ${Math.ceil(seconds / 60)} min` : `in ${seconds} s`,
  };
}
