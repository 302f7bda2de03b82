import { useState, type FormEvent } from 'react';
import type { EdgeFunction } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { toClientError } from '../../api/client-error.js';
import { Modal } from '../../ui/Modal.js';
import { functionInput, type FunctionForm } from './functions-model.js';
import { useFunctions } from './functions-store.js';

const PHASES = [
  { id: 'request', label: 'Request: before the edge looks the object up (headers, redirect, refuse, rewrite)' },
  { id: 'response', label: 'Response: as the answer\'s headers go out (set or remove headers)' },
] as const;

/** Writes a new function (from a template or blank) or a new version of `fn`: checked by nginx, then rolled out. */
export function FunctionDialog({ fn, onClose }: { fn?: EdgeFunction; onClose(): void }) {
  const templates = useFunctions((s) => s.templates);
  const [form, setForm] = useState<FunctionForm>(() => ({
    name: fn?.name ?? '',
    route: fn?.route ?? '/live/**',
    phase: fn?.phase ?? 'request',
    code: fn?.code ?? 'function handle(req) {\n  // return nothing to go on, or { headers }, { redirect }, { rewrite } or { status }\n}\n',
    canaryPercent: '',
    errorRatePercent: String((fn?.rollback.errorRate ?? 0.1) * 100),
  }));
  const [error, setError] = useState<{ field: string | null; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof FunctionForm>(key: K, value: FunctionForm[K]) => setForm((f) => ({ ...f, [key]: value }));

  const useTemplate = (id: string) => {
    const t = templates.find((x) => x.id === id);
    if (t) setForm((f) => ({ ...f, name: fn ? f.name : t.name, route: t.route, phase: t.phase, code: t.code }));
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const parsed = functionInput(form);
    if ('error' in parsed) {
      setError({ field: parsed.field, message: parsed.error });
      return;
    }
    setError(null);
    setBusy(true);
    try {
      const { name, ...rest } = parsed.input;
      const saved = fn ? await call('cdn.updateFunction', { name: fn.name, ...rest }) : await call('cdn.createFunction', { name, ...rest, enabled: true });
      useFunctions.getState().keep(saved);
      onClose();
    } catch (err) {
      const e2 = toClientError(err);
      const field = e2.fields[0];
      setError({ field: field?.path ?? null, message: field ? `${field.path}: ${field.message}` : e2.message });
      if (e2.code === 'ROLLOUT_FAILED') void useFunctions.getState().load();
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={fn ? `New version of ${fn.name}` : 'New edge function'} testId="function-dialog" onClose={onClose} wide>
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        {templates.length > 0 && (
          <>
            <label className="field-label" htmlFor="fn-template">Start from</label>
            <select id="fn-template" className="input" data-testid="function-template" defaultValue="" onChange={(e) => useTemplate(e.target.value)}>
              <option value="">{fn ? 'This function' : 'A blank function'}</option>
              {templates.map((t) => <option key={t.id} value={t.id} title={t.description}>{t.title}</option>)}
            </select>
          </>
        )}
        <label className="field-label" htmlFor="fn-name">Name</label>
        <input id="fn-name" className="input" data-testid="function-name" value={form.name} disabled={!!fn} onChange={(e) => set('name', e.target.value)} placeholder="region-redirect" />
        <label className="field-label" htmlFor="fn-route">Route</label>
        <input id="fn-route" className="input mono" data-testid="function-route" value={form.route} onChange={(e) => set('route', e.target.value)} />
        <div className="field-hint">* matches within a path segment, ** across them: /live/**, /live/*/index.m3u8, /vod/**</div>
        <label className="field-label" htmlFor="fn-phase">Phase</label>
        <select id="fn-phase" className="input" data-testid="function-phase" value={form.phase} onChange={(e) => set('phase', e.target.value as FunctionForm['phase'])}>
          {PHASES.map((p) => <option key={p.id} value={p.id}>{p.label}</option>)}
        </select>
        <label className="field-label" htmlFor="fn-code">Code (njs JavaScript defining handle(req{form.phase === 'response' ? ', res' : ''}))</label>
        <textarea id="fn-code" className="input mono function-code" rows={14} spellCheck={false} data-testid="function-code" value={form.code} onChange={(e) => set('code', e.target.value)} />
        <div className="row function-dialog-row">
          <div>
            <label className="field-label" htmlFor="fn-canary">Canary share of edges (%)</label>
            <input id="fn-canary" className="input" inputMode="numeric" data-testid="function-canary" placeholder="every edge at once" value={form.canaryPercent} onChange={(e) => set('canaryPercent', e.target.value)} />
          </div>
          <div>
            <label className="field-label" htmlFor="fn-rate">Auto-rollback at (% of calls that throw)</label>
            <input id="fn-rate" className="input" inputMode="decimal" data-testid="function-error-rate" value={form.errorRatePercent} onChange={(e) => set('errorRatePercent', e.target.value)} />
          </div>
        </div>
        {error && (
          <pre className="field-error function-error" role="alert" data-testid="function-error">
            {error.message}
          </pre>
        )}
        <button className="button primary" type="submit" data-testid="function-submit" disabled={busy}>
          {busy ? 'Checking and rolling out…' : fn ? 'Check and roll out' : 'Check and add'}
        </button>
      </form>
    </Modal>
  );
}
