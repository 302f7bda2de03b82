import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { BridgeDefinition, BridgeStatus } from '../../../src-shared/contract/index.js';
import { call, toClientError } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { FieldError } from '../../ui/FieldError.js';
import { toastError, toastSuccess } from '../../ui/toast-store.js';
import { bridgeOfForm, EMPTY_BRIDGE_FORM, formErrorsOf, lagText, routeOf, stateText, type BridgeForm } from './bridges-model.js';

/** Bridge counters are asked for this often while the page is open. */
const REFRESH_MS = 2000;

interface Bridges {
  defs: BridgeDefinition[];
  status: Record<string, BridgeStatus>;
  prefix: string;
}

function useBridges(name: string) {
  const [bridges, setBridges] = useState<Bridges | null>(null);
  const refresh = useCallback(
    () =>
      call('data.bridges', { name })
        .then((b) => setBridges({ defs: b.bridges, status: Object.fromEntries(b.status.map((s) => [s.id, s])), prefix: b.prefix }))
        .catch(() => undefined),
    [name],
  );
  useEffect(() => {
    setBridges(null);
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);
  return { bridges, refresh };
}

/**
 * The stream's bridges to NATS JetStream and Redis Streams on its page: each with its route, state,
 * counters, lag and last error, a Remove button, and a form to add one.
 */
export function StreamBridges({ name }: { name: string }) {
  const { bridges, refresh } = useBridges(name);
  const [form, setForm] = useState<BridgeForm>(EMPTY_BRIDGE_FORM);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const defs = bridges?.defs ?? [];

  const save = async (next: BridgeDefinition[]): Promise<{ path: string; message: string }[] | null> => {
    setBusy(true);
    try {
      await call('data.setBridges', { name, bridges: next });
      await refresh();
      return null;
    } catch (err) {
      const error = toClientError(err);
      toastError(error);
      return error.fields;
    } finally {
      setBusy(false);
    }
  };

  const add = async (e: FormEvent) => {
    e.preventDefault();
    const made = bridgeOfForm(defs, form);
    if ('errors' in made) {
      setErrors(made.errors);
      return;
    }
    const failed = await save([...defs, made.bridge]);
    if (failed) {
      setErrors(formErrorsOf(failed, defs.length));
      return;
    }
    toastSuccess('Bridge added', routeOf(made.bridge, name, bridges?.prefix));
    setForm(EMPTY_BRIDGE_FORM);
    setErrors({});
  };

  const edit = (patch: Partial<BridgeForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    setErrors((old) => Object.fromEntries(Object.entries(old).filter(([k]) => !(k in patch))));
  };

  return (
    <Card title="Data bridges" testId="data-bridges">
      {defs.length > 0 ? (
        <table className="table">
          <thead>
            <tr><th>Bridge</th><th>Route</th><th>State</th><th>Messages</th><th>Waiting</th><th>Lag</th><th>Dropped</th><th>Errors</th><th /></tr>
          </thead>
          <tbody>
            {defs.map((def) => {
              const s = bridges?.status[def.id];
              return (
                <tr key={def.id} data-testid={`bridge-${def.id}`} data-state={s?.state}>
                  <td>{def.id}</td>
                  <td className="small">{routeOf(def, name, bridges?.prefix)}</td>
                  <td data-field="state">{stateText(s, def.engine)}</td>
                  <td data-field="messages">{def.direction === 'out' ? (s?.sent ?? 0) : (s?.received ?? 0)}</td>
                  <td data-field="buffered">{s?.buffered ?? 0}</td>
                  <td data-field="lag">{lagText(s?.lagMs ?? 0)}</td>
                  <td data-field="dropped">{s?.dropped ?? 0}</td>
                  <td data-field="errors" title={s?.lastError ?? ''}>
                    {s?.errors ?? 0}
                    {s?.lastError ? <div className="muted small" data-field="last-error">{s.lastError}</div> : null}
                  </td>
                  <td>
                    <button type="button" className="button ghost small-button" data-testid={`bridge-remove-${def.id}`} disabled={busy} onClick={() => void save(defs.filter((d) => d.id !== def.id))}>
                      Remove
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : (
        <p className="muted small">
          No bridges: the channels stay in the studio. An out-bridge keeps every message in NATS JetStream or Redis Streams (set their addresses in Settings → Data bridges); an in-bridge feeds a channel from them.
        </p>
      )}
      <form className="form bridge-form" data-testid="bridge-form" onSubmit={(e) => void add(e)} noValidate autoComplete="off">
        <h3 className="bridge-form-title">Add a bridge</h3>
        <select className="input" aria-label="Engine" data-testid="bridge-engine" value={form.engine} onChange={(e) => edit({ engine: e.target.value as BridgeForm['engine'] })}>
          <option value="nats">NATS JetStream</option>
          <option value="redis">Redis Streams</option>
        </select>
        <select className="input" aria-label="Direction" data-testid="bridge-direction" value={form.direction} onChange={(e) => edit({ direction: e.target.value as BridgeForm['direction'], ...(e.target.value === 'in' && form.channel === '*' ? { channel: '' } : {}) })}>
          <option value="out">out: channel → engine</option>
          <option value="in">in: engine → channel</option>
        </select>
        <div>
          <input className="input" aria-label="Channel" placeholder={form.direction === 'out' ? 'channel or *' : 'channel'} data-testid="bridge-channel" value={form.channel} aria-invalid={errors.channel ? true : undefined} onChange={(e) => edit({ channel: e.target.value })} />
          <FieldError field="channel" errors={errors} testIdPrefix="bridge-error" />
        </div>
        {form.direction === 'in' && (
          <>
            <div>
              <input className="input" aria-label="Source" placeholder={form.engine === 'nats' ? 'subject, e.g. sensors.temp' : 'stream key, e.g. app:events'} data-testid="bridge-source" spellCheck={false} value={form.source} aria-invalid={errors.source ? true : undefined} onChange={(e) => edit({ source: e.target.value })} />
              <FieldError field="source" errors={errors} testIdPrefix="bridge-error" />
            </div>
            <div>
              <input className="input" aria-label="Replay from" placeholder={form.engine === 'nats' ? 'from sequence (empty: new only)' : '0: from the start (empty: new only)'} data-testid="bridge-from-seq" inputMode="numeric" value={form.fromSeq} aria-invalid={errors.fromSeq ? true : undefined} onChange={(e) => edit({ fromSeq: e.target.value })} />
              <FieldError field="fromSeq" errors={errors} testIdPrefix="bridge-error" />
            </div>
          </>
        )}
        <button type="submit" className="button primary" data-testid="bridge-add" disabled={busy}>Add bridge</button>
      </form>
    </Card>
  );
}
