import { useState } from 'react';
import { ROLES, type Role, type User } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { ConfirmDialog } from '../../ui/ConfirmDialog.js';
import { CopyField } from '../../ui/CopyButton.js';
import { Icon } from '../../ui/Icon.js';
import { attempt, toastSuccess } from '../../ui/toast-store.js';
import { ROLE_WORDS } from './model.js';

/** People of the studio: invite with a role, change roles, disable, re-invite, remove. */
export function PeopleCard({ users, me, onChanged }: { users: User[]; me: User | null; onChanged(): void }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('producer');
  const [invite, setInvite] = useState<{ name: string; url: string } | null>(null);
  const [removing, setRemoving] = useState<User | null>(null);
  const isOwner = me?.role === 'owner';
  const roles = ROLES.filter((r) => r !== 'owner' || isOwner);

  const create = async () => {
    const made = await attempt(() => call('users.create', { name: name.trim(), role }));
    if (!made) return;
    setInvite({ name: made.name, url: made.inviteUrl });
    setName('');
    onChanged();
  };
  const update = async (user: User, patch: { role?: Role; disabled?: boolean; reinvite?: boolean }) => {
    const updated = await attempt(() => call('users.update', { id: user.id, ...patch }));
    if (!updated) return;
    if (updated.inviteUrl) setInvite({ name: updated.name, url: updated.inviteUrl });
    else toastSuccess(`${updated.name} updated`);
    onChanged();
  };

  return (
    <Card title={<>People <span className="muted">{users.length}</span></>} testId="people-card">
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <input className="input" aria-label="Name" placeholder="Name" value={name} maxLength={64} required data-testid="invite-name" onChange={(e) => setName(e.target.value)} />
        <select className="input" aria-label="Role" value={role} data-testid="invite-role" onChange={(e) => setRole(e.target.value as Role)}>
          {roles.map((r) => (
            <option key={r} value={r}>{r}</option>
          ))}
        </select>
        <button className="button primary" type="submit" data-testid="invite-submit" disabled={name.trim() === ''}>
          <Icon name="plus" size={16} /> Invite
        </button>
      </form>
      <p className="muted small">{ROLE_WORDS[role]}.</p>
      {invite && (
        <div className="notice" data-testid="invite-link">
          <p>Send this link to <strong>{invite.name}</strong>: it lets them choose a password, once. It is shown only now.</p>
          <CopyField value={invite.url} copyTestId="invite-copy" />
        </div>
      )}
      <table className="table" data-testid="people-table">
        <thead>
          <tr><th>Name</th><th>Role</th><th>Sign-in</th><th>Last signed in</th><th /></tr>
        </thead>
        <tbody>
          {users.map((u) => {
            const locked = u.role === 'owner' && !isOwner;
            return (
              <tr key={u.id} data-testid={`person-${u.name}`}>
                <td>{u.name}{u.id === me?.id && <span className="muted"> (you)</span>}</td>
                <td>
                  <select className="input" aria-label={`Role of ${u.name}`} value={u.role} disabled={locked || u.id === me?.id} onChange={(e) => void update(u, { role: e.target.value as Role })}>
                    {(locked ? ROLES : roles).map((r) => (
                      <option key={r} value={r}>{r}</option>
                    ))}
                  </select>
                </td>
                <td>
                  {u.disabled ? <span className="badge badge-bad">disabled</span> : u.hasPassword ? <span className="badge badge-ok">{u.totpEnabled ? 'password + code' : 'password'}</span> : u.lastSignInAt ? <span className="badge">sign-in link</span> : <span className="badge">invited</span>}
                </td>
                <td className="muted">{u.lastSignInAt ? new Date(u.lastSignInAt).toLocaleString() : 'never'}</td>
                <td>
                  <div className="row-actions">
                  {!locked && u.id !== me?.id && (
                    <>
                      <button className="button small-button" onClick={() => void update(u, { reinvite: true })}>New link</button>
                      <button className="button small-button" onClick={() => void update(u, { disabled: !u.disabled })}>{u.disabled ? 'Enable' : 'Disable'}</button>
                      <button className="button small-button danger" aria-label={`Remove ${u.name}`} onClick={() => setRemoving(u)}><Icon name="trash" size={14} /></button>
                    </>
                  )}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {removing && (
        <ConfirmDialog
          title={`Remove ${removing.name}?`}
          confirmLabel="Remove"
          danger
          onCancel={() => setRemoving(null)}
          onConfirm={() => {
            const user = removing;
            setRemoving(null);
            void attempt(() => call('users.delete', { id: user.id })).then((done) => done && onChanged());
          }}
        >
          Their sessions and API tokens stop working at once.
        </ConfirmDialog>
      )}
    </Card>
  );
}
