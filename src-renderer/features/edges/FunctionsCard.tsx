import { useEffect, useState } from 'react';
import type { EdgeFunction } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { FunctionDialog } from './FunctionDialog.js';
import { countersLine, edgesLine, lastRollback } from './functions-model.js';
import { useFunctions } from './functions-store.js';

/** Edge functions: where each runs, its counters and errors, and its versions' controls. */
export function FunctionsCard() {
  const functions = useFunctions((s) => s.functions);
  const loaded = useFunctions((s) => s.loaded);
  const [dialog, setDialog] = useState<{ fn?: EdgeFunction } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  useEffect(() => {
    void useFunctions.getState().load();
  }, []);
  const { rollback, promote, setEnabled, remove } = useFunctions.getState();

  return (
    <Card
      title={<>Functions <span className="muted">{functions.length || ''}</span></>}
      testId="functions-card"
      actions={
        <button className="button" data-testid="function-new" onClick={() => setDialog({})}>
          <Icon name="plus" size={16} /> New function
        </button>
      }
    >
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : functions.length === 0 ? (
        <p className="muted" data-testid="functions-empty">
          No functions. A function is a few lines of JavaScript every edge runs for a route: add headers, redirect by region, check a token, split viewers between two ladders.
        </p>
      ) : (
        <table className="table" data-testid="functions-table">
          <thead>
            <tr>
              <th>Function</th><th>Version</th><th>Edges</th><th>Calls</th><th />
            </tr>
          </thead>
          <tbody>
            {functions.map((fn) => {
              const rolled = lastRollback(fn);
              return (
                <FunctionRow
                  key={fn.name}
                  fn={fn}
                  rolled={rolled}
                  open={open === fn.name}
                  onToggle={() => setOpen(open === fn.name ? null : fn.name)}
                  onEdit={() => setDialog({ fn })}
                  onRollback={() => void rollback(fn.name)}
                  onPromote={() => void promote(fn.name)}
                  onEnable={(enabled) => void setEnabled(fn.name, enabled)}
                  onDelete={() => window.confirm(`Remove ${fn.name} from every edge?`) && void remove(fn.name)}
                />
              );
            })}
          </tbody>
        </table>
      )}
      {dialog && <FunctionDialog {...(dialog.fn ? { fn: dialog.fn } : {})} onClose={() => setDialog(null)} />}
    </Card>
  );
}

function FunctionRow({
  fn, rolled, open, onToggle, onEdit, onRollback, onPromote, onEnable, onDelete,
}: {
  fn: EdgeFunction;
  rolled: string | null;
  open: boolean;
  onToggle(): void;
  onEdit(): void;
  onRollback(): void;
  onPromote(): void;
  onEnable(enabled: boolean): void;
  onDelete(): void;
}) {
  const failing = fn.edges.some((e) => e.status === 'failed');
  return (
    <>
      <tr data-testid={`function-row-${fn.name}`}>
        <td>
          <button className="link-button" data-testid={`function-toggle-${fn.name}`} onClick={onToggle} aria-expanded={open}>{fn.name}</button>
          <div className="muted small mono">{fn.phase} {fn.route}</div>
        </td>
        <td>
          <span className={`badge ${fn.enabled && fn.version !== null ? 'badge-ok' : 'badge-warn'}`} data-testid={`function-version-${fn.name}`}>
            {fn.version !== null ? `v${fn.version}` : 'none'}
          </span>
          {fn.canary && <span className="badge badge-warn" data-testid={`function-canary-${fn.name}`}> canary v{fn.canary.version} · {fn.canary.percent} %</span>}
          {rolled && <div className="muted small" data-testid={`function-rolled-${fn.name}`}>{rolled}</div>}
        </td>
        <td className={failing ? 'bad' : undefined} data-testid={`function-edges-${fn.name}`}>{edgesLine(fn)}</td>
        <td data-testid={`function-counters-${fn.name}`}>{countersLine(fn)}</td>
        <td>
          <div className="edge-actions">
            <button className="button" data-testid={`function-edit-${fn.name}`} onClick={onEdit}>New version</button>
            {fn.canary && <button className="button" data-testid={`function-promote-${fn.name}`} onClick={onPromote}>Promote</button>}
            {(fn.canary || fn.version !== null) && <button className="button" data-testid={`function-rollback-${fn.name}`} onClick={onRollback}>Roll back</button>}
            <button className="button" data-testid={`function-enable-${fn.name}`} onClick={() => onEnable(!fn.enabled)}>{fn.enabled ? 'Disable' : 'Enable'}</button>
            <button className="button danger-outline" data-testid={`function-delete-${fn.name}`} onClick={onDelete}>Delete</button>
          </div>
        </td>
      </tr>
      {open && (
        <tr data-testid={`function-detail-${fn.name}`}>
          <td colSpan={5}>
            <div className="function-detail">
              <div>
                <h4>Errors on the edges</h4>
                {fn.recentErrors.length === 0 ? (
                  <p className="muted small">None reported.</p>
                ) : (
                  <ul className="function-errors" data-testid={`function-errors-${fn.name}`}>
                    {fn.recentErrors.map((e, i) => (
                      <li key={i}>
                        <span className="muted small">{new Date(e.at).toLocaleTimeString()} · {e.edge} · v{e.version} · {e.uri}</span>
                        <div className="mono small">{e.message}</div>
                      </li>
                    ))}
                  </ul>
                )}
              </div>
              <div>
                <h4>Versions</h4>
                <ol className="function-versions" reversed>
                  {[...fn.versions].reverse().map((v) => (
                    <li key={v.version} className="small">
                      v{v.version} · {v.state}{v.rolledBack ? ` (${v.rolledBack.reason})` : ''} · {new Date(v.createdAt).toLocaleString()}
                    </li>
                  ))}
                </ol>
                <h4>Per edge</h4>
                <ul className="function-edge-list">
                  {fn.edges.map((e) => (
                    <li key={e.id} className="small">
                      {e.id}: {e.version !== null ? `v${e.version}` : 'none'} · {e.status}{e.error ? ` — ${e.error}` : ''}
                    </li>
                  ))}
                </ul>
              </div>
            </div>
          </td>
        </tr>
      )}
    </>
  );
}
