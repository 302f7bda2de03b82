import { useState } from 'react';
import type { ApiToken, Scope, ScopeGroup } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { CopyField } from '../../ui/CopyButton.js';
import { Icon } from '../../ui/Icon.js';
import { attempt } from '../../ui/toast-store.js';
import { EXPIRY_CHOICES, GROUP_WORDS, grantableGroups, scopesOf, streamsOf, type GroupAccess } from './model.js';

/** Your API tokens: scopes per group (at most your own), optional streams and expiry; the token is shown once. */
export function TokensCard({ tokens, scopes, onChanged }: { tokens: ApiToken[]; scopes: readonly Scope[]; onChanged(): void }) {
  const [name, setName] = useState('');
  const [choice, setChoice] = useState<Partial<Record<ScopeGroup, GroupAccess>>>({});
  const [streams, setStreams] = useState('');
  const [expiry, setExpiry] = useState(EXPIRY_CHOICES[1]!.seconds);
  const [made, setMade] = useState<string | null>(null);
  const groups = grantableGroups(scopes);
  const chosen = scopesOf(choice);

  const create = async () => {
    const names = streamsOf(streams);
    const result = await attempt(() => call('tokens.create', { name: name.trim(), scopes: chosen, ...(names ? { streams: names } : {}), ...(expiry > 0 ? { expiresInSec: expiry } : {}) }));
    if (!result) return;
    setMade(result.token);
    setName('');
    setChoice({});
    setStreams('');
    onChanged();
  };

  return (
    <Card title="API tokens" testId="tokens-card">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void create();
        }}
      >
        <div className="inline-form">
          <input className="input" aria-label="Token name" placeholder="What it is for (e.g. OBS on the laptop)" value={name} maxLength={64} data-testid="token-name" onChange={(e) => setName(e.target.value)} />
          <select className="input" aria-label="Expires" value={expiry} onChange={(e) => setExpiry(Number(e.target.value))}>
            {EXPIRY_CHOICES.map((c) => (
              <option key={c.seconds} value={c.seconds}>{c.label}</option>
            ))}
          </select>
        </div>
        <div className="scope-grid" data-testid="token-scopes">
          {groups.map(({ group, max }) => (
            <label key={group} className="scope-choice">
              <span>{GROUP_WORDS[group]}</span>
              <select className="input" aria-label={`${GROUP_WORDS[group]} access`} value={choice[group] ?? 'none'} data-testid={`scope-${group}`} onChange={(e) => setChoice({ ...choice, [group]: e.target.value as GroupAccess })}>
                <option value="none">—</option>
                <option value="read">read</option>
                {max === 'write' && <option value="write">read and write</option>}
              </select>
            </label>
          ))}
        </div>
        <div className="inline-form">
          <input className="input" aria-label="Only these streams" placeholder="Only these streams (optional, comma-separated)" value={streams} onChange={(e) => setStreams(e.target.value)} />
          <button className="button primary" type="submit" data-testid="token-create" disabled={name.trim() === '' || chosen.length === 0}>
            <Icon name="key" size={16} /> Create token
          </button>
        </div>
      </form>
      {made && (
        <div className="notice" data-testid="token-made">
          <p>Your new token. Copy it now: it is not shown again. Send it as <code>Authorization: Bearer …</code>.</p>
          <CopyField value={made} secret />
        </div>
      )}
      {tokens.length === 0 ? (
        <p className="muted" data-testid="tokens-empty">No API tokens yet.</p>
      ) : (
        <table className="table" data-testid="tokens-table">
          <thead>
            <tr><th>Name</th><th>Scopes</th><th>Streams</th><th>Expires</th><th>Last used</th><th /></tr>
          </thead>
          <tbody>
            {tokens.map((t) => (
              <tr key={t.id} data-testid={`token-${t.name}`}>
                <td>{t.name}</td>
                <td className="small">{t.scopes.join(', ')}</td>
                <td>{t.streams?.join(', ') ?? 'all'}</td>
                <td className="muted">{t.expiresAt ? new Date(t.expiresAt).toLocaleDateString() : 'never'}</td>
                <td className="muted">{t.lastUsedAt ? new Date(t.lastUsedAt).toLocaleString() : 'never'}</td>
                <td>
                  <div className="row-actions">
                  <button className="button small-button danger" aria-label={`Revoke ${t.name}`} onClick={() => void attempt(() => call('tokens.delete', { id: t.id })).then((done) => done && onChanged())}>
                    Revoke
                  </button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
