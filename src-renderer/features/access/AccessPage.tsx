import { useCallback, useEffect, useState } from 'react';
import { scopeCovers, type ApiToken, type Scope, type User } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { attempt } from '../../ui/toast-store.js';
import { AccountCard } from './AccountCard.js';
import { AuditCard } from './AuditCard.js';
import { BlocksCard } from './BlocksCard.js';
import { mayManagePeople, mayReadAudit, mayUnblock } from './model.js';
import { PeopleCard } from './PeopleCard.js';
import { TokensCard } from './TokensCard.js';

type Sessions = Awaited<ReturnType<typeof call<'sessions.list'>>>;

/** People, your account and tokens, and the audit log: what the caller's role may see of them. */
export function AccessPage() {
  const [me, setMe] = useState<{ user: User | null; scopes: Scope[] } | null>(null);
  const [users, setUsers] = useState<User[]>([]);
  const [tokens, setTokens] = useState<ApiToken[]>([]);
  const [sessions, setSessions] = useState<Sessions>([]);
  const [failLimit, setFailLimit] = useState<number | null>(null);

  const reload = useCallback(async () => {
    const who = await attempt(() => call('users.me', {}));
    if (!who) return;
    setMe({ user: who.user, scopes: who.scopes });
    const [list, mine, signedIn, config] = await Promise.all([
      mayManagePeople(who.scopes) ? attempt(() => call('users.list', {})) : Promise.resolve([]),
      attempt(() => call('tokens.list', {})),
      attempt(() => call('sessions.list', {})),
      mayManagePeople(who.scopes) && scopeCovers(who.scopes, 'config:read') ? attempt(() => call('config.get', {})) : Promise.resolve(null),
    ]);
    const limits = config?.config.limits as { failedAuthPerMinute?: unknown } | undefined;
    setFailLimit(typeof limits?.failedAuthPerMinute === 'number' ? limits.failedAuthPerMinute : null);
    setUsers(list ?? []);
    setTokens(mine ?? []);
    setSessions(signedIn ?? []);
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);

  if (!me) return <p className="muted">Loading…</p>;
  return (
    <div className="access" data-testid="access-page">
      {mayManagePeople(me.scopes) && <PeopleCard users={users} me={me.user} onChanged={() => void reload()} />}
      <AccountCard me={me.user} sessions={sessions} onChanged={() => void reload()} />
      <TokensCard tokens={tokens} scopes={me.scopes} onChanged={() => void reload()} />
      {mayManagePeople(me.scopes) && <BlocksCard mayUnblock={mayUnblock(me.scopes)} limit={failLimit} />}
      {mayReadAudit(me.scopes) && <AuditCard />}
    </div>
  );
}
