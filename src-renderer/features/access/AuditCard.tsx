import { useCallback, useEffect, useState } from 'react';
import type { AuditEntry } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { attempt } from '../../ui/toast-store.js';
import { auditLine } from './model.js';

const PAGE = 50;

/** The audit log, newest first, filtered by who or what, a page at a time. */
export function AuditCard() {
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [actor, setActor] = useState('');
  const [action, setAction] = useState('');

  const load = useCallback(
    async (before?: number) => {
      const page = await attempt(() => call('audit.list', { limit: PAGE, ...(before ? { before } : {}), ...(actor ? { actor } : {}), ...(action ? { action } : {}) }));
      if (!page) return;
      setEntries((old) => (before ? [...old, ...page.entries] : page.entries));
      setNext(page.next);
    },
    [actor, action],
  );
  useEffect(() => {
    void load();
  }, [load]);

  return (
    <Card
      title="Audit log"
      testId="audit-card"
      actions={
        <button className="button small-button" aria-label="Refresh" onClick={() => void load()}>
          <Icon name="refresh" size={14} />
        </button>
      }
    >
      <div className="inline-form">
        <input className="input" aria-label="Who" placeholder="Who (user:sam, token:…)" value={actor} onChange={(e) => setActor(e.target.value)} data-testid="audit-actor" />
        <input className="input" aria-label="What" placeholder="What (streams., auth.signIn, publish…)" value={action} onChange={(e) => setAction(e.target.value)} data-testid="audit-action" />
      </div>
      <table className="table" data-testid="audit-table">
        <thead>
          <tr><th>When</th><th>Who</th><th>What</th><th>Result</th><th>From</th></tr>
        </thead>
        <tbody>
          {entries.map((e) => {
            const line = auditLine(e);
            return (
              <tr key={e.id} className={e.result === 'ok' ? '' : 'row-warn'}>
                <td className="muted small">{line.when}</td>
                <td>{line.who}</td>
                <td>{line.what}</td>
                <td><span className={`badge ${e.result === 'ok' ? 'badge-ok' : 'badge-bad'}`}>{line.result}</span></td>
                <td className="muted">{line.where}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {entries.length === 0 && <p className="muted">Nothing recorded yet.</p>}
      {next !== null && (
        <button className="button" data-testid="audit-more" onClick={() => void load(next)}>
          Older entries
        </button>
      )}
    </Card>
  );
}
