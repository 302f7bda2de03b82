import { useCallback, useEffect, useState } from 'react';
import type { ApiToken, Scope, User } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { attempt } from '../../ui/toast-store.js';
import { AccountCard } from './AccountCard.js';
import { AuditCard } from './AuditCard.js';
import { mayManagePeople, mayReadAudit } from './model.js';
import { PeopleCard } from './PeopleCard.js';
import { TokensCard } from './TokensCard.js';

type Sessions = Awaited<ReturnType<typeof call<'sessions.list'>>>;

/** People, your account and tokens, and the audit log: what the caller's role may see of them. */
export function AccessPage() {
  const [me, setMe] = useState<{ user: User | null; scopes: Scope[] } | null>(null);
  const [users, setUsers] = useState<User[]>([]);
  const [tokens, setTokens] = useState<ApiToken[]>([]);
  const [sessions, setSessions] = useState<Sessions>([]);

  const reload = useCallback(async () => {
    const who = await attempt(() => call('users.me', {}));
    if (!who) return;
    setMe({ user: who.user, scopes: who.scopes });
    const [list, mine, signedIn] = await Promise.all([
      mayManagePeople(who.scopes) ? attempt(() => call('users.list', {})) : Promise.resolve([]),
      attempt(() => call('tokens.list', {})),
      attempt(() => call('sessions.list', {})),
    ]);
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
      {mayReadAudit(me.scopes) && <AuditCard />}
    </div>
  );
}
