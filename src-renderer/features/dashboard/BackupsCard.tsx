import { useCallback, useEffect, useState } from 'react';
import type { BackupStatus } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { attempt, toastSuccess } from '../../ui/toast-store.js';
import { backupState } from './backup-model.js';
import { formatBytes } from './format.js';

const TONE_BADGE = { ok: 'badge-ok', warn: 'badge-warn', bad: 'badge-bad', off: 'badge-warn' } as const;

/** The home's backups (backup.*): the newest, the next, what is kept, and "Back up now". */
export function BackupsCard() {
  const [status, setStatus] = useState<BackupStatus | null>(null);
  const [busy, setBusy] = useState(false);
  const refresh = useCallback(() => call('backups.status', {}).then(setStatus, () => setStatus(null)), []);
  useEffect(() => {
    // Roles without system:read never see it.
    void refresh();
    const timer = setInterval(() => void refresh(), 60_000);
    return () => clearInterval(timer);
  }, [refresh]);
  if (!status) return null;
  const state = backupState(status, Date.now());
  const backUp = async () => {
    setBusy(true);
    const made = await attempt(() => call('backups.create', {}));
    setBusy(false);
    if (made) toastSuccess(`Backed up: ${made.name} (${formatBytes(made.bytes)})`);
    await refresh();
  };
  return (
    <Card title="Backups" testId="backups-card">
      <div className="certificate">
        <span className={`badge ${TONE_BADGE[state.tone]}`} data-testid="backups-state">
          {state.word}
        </span>
        <span className="muted small" data-testid="backups-schedule">
          {status.everyHours === 0 ? 'Scheduled backups off (backup.everyHours)' : `Every ${status.everyHours} h${state.next ? `, ${state.next}` : ''}`} · keeps {status.keep}
          {status.media ? ' · with recordings and library' : ''} · in <code>{status.dir}</code>
        </span>
        <button type="button" className="button small-button" disabled={busy || status.running} onClick={() => void backUp()} data-testid="backups-now">
          {busy ? 'Backing up…' : 'Back up now'}
        </button>
      </div>
      {status.last && !status.last.ok && (
        <p className="form-error" data-testid="backups-error">
          {new Date(status.last.at).toLocaleString()}: {status.last.error}
        </p>
      )}
      {status.items.length > 0 && (
        <ul className="backup-list" data-testid="backups-list">
          {status.items.map((item) => (
            <li key={item.name} data-testid="backup-item" data-name={item.name}>
              <code>{item.name}</code>
              <span className="muted small">
                {formatBytes(item.bytes)} · {new Date(item.at).toLocaleString()}
                {item.media ? ' · with media' : ''}
              </span>
            </li>
          ))}
        </ul>
      )}
      <p className="muted small">
        Restore one into a new home with <code>streams restore &lt;file&gt; --home DIR</code>. A backup holds every secret of the studio: keep it as you keep the home.
      </p>
    </Card>
  );
}
