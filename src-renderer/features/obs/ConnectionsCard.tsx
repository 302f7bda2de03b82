import { useState, type FormEvent } from 'react';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { useNow } from '../recordings/use-now.js';
import { connectionWords } from './obs-model.js';
import { addConnection, removeConnection, selectConnection, useObs } from './store.js';

/** OBS instances: state, latency, next retry; pick one to control, add another, remove one. */
export function ConnectionsCard() {
  const connections = useObs((s) => s.connections);
  const selected = useObs((s) => s.selected);
  const list = Object.values(connections).sort((a, b) => a.createdAt - b.createdAt);
  const now = useNow(list.some((c) => c.state === 'disconnected'));
  const [host, setHost] = useState('127.0.0.1');
  const [port, setPort] = useState('4455');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const message = await addConnection({ host: host.trim(), port: Number(port), password });
    setBusy(false);
    setError(message);
    if (!message) setPassword('');
  };

  return (
    <Card title="OBS connections" testId="obs-connections">
      {list.length === 0 ? (
        <p className="muted" data-testid="obs-connections-empty">
          No OBS yet. In OBS: Tools › WebSocket Server Settings › Enable, then copy the port and password here.
        </p>
      ) : (
        <ul className="obs-connection-list">
          {list.map((c) => {
            const words = connectionWords(c, now);
            return (
              <li key={c.id} className={`obs-connection${c.id === selected ? ' is-selected' : ''}`} data-testid={`obs-connection-${c.id}`}>
                <button type="button" className="obs-connection-pick" onClick={() => selectConnection(c.id)}>
                  <strong>{c.label}</strong>
                  <span className="muted">{c.host}:{c.port}{c.managed ? ' · managed' : ''}</span>
                </button>
                <span className={`badge badge-${words.tone}`} data-testid="obs-connection-state">{words.text}</span>
                {!c.managed && (
                  <button type="button" className="button ghost small-button" aria-label={`Remove ${c.label}`} onClick={() => void removeConnection(c.id)}>
                    <Icon name="trash" size={14} />
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <form className="obs-connect-form" onSubmit={(e) => void submit(e)} noValidate>
        <input className="input" aria-label="Host" data-testid="obs-host" value={host} onChange={(e) => setHost(e.target.value)} />
        <input className="input input-port" aria-label="Port" data-testid="obs-port" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} />
        <input className="input" aria-label="Password" type="password" data-testid="obs-password" placeholder="WebSocket password" value={password} onChange={(e) => setPassword(e.target.value)} />
        <button className="button primary" type="submit" data-testid="obs-connect" disabled={busy}>
          <Icon name="plus" size={16} /> {busy ? 'Connecting…' : 'Connect'}
        </button>
      </form>
      {error && <div className="form-error" role="alert" data-testid="obs-connect-error">{error}</div>}
    </Card>
  );
}
