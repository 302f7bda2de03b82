import { useState, type FormEvent } from 'react';
import { FieldError } from '../../../ui/FieldError.js';
import { Icon } from '../../../ui/Icon.js';
import { renditionChoices } from './format.js';
import { useDestinations } from './store.js';

const CUSTOM = 'custom';

/** Add a destination: a preset fills the server URL and says where the platform shows the key. */
export function DestinationForm({ name, renditions }: { name: string; renditions: readonly string[] }) {
  const presets = useDestinations((s) => s.presets);
  const create = useDestinations((s) => s.create);
  const [preset, setPreset] = useState(CUSTOM);
  const [url, setUrl] = useState('');
  const [key, setKey] = useState('');
  const [label, setLabel] = useState('');
  const [autoStart, setAutoStart] = useState(true);
  const [rendition, setRendition] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const chosen = presets?.find((p) => p.kind === preset);
  // A platform names itself; a custom server is named by the host after its address.
  const defaultLabel = preset === CUSTOM ? undefined : chosen?.label;
  const choices = renditionChoices(renditions);
  // A rung that went away (the stream went offline) falls back to the source.
  const sent = choices.some((c) => c.value === rendition) ? rendition : '';

  const choosePreset = (kind: string) => {
    setPreset(kind);
    const next = presets?.find((p) => p.kind === kind);
    // Custom has no server of its own: keep what was typed.
    if (next?.url) setUrl(next.url);
    setErrors({});
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!url.trim()) {
      setErrors({ url: 'required: the server URL of the platform, without the key' });
      return;
    }
    setBusy(true);
    const trimmedLabel = label.trim() || defaultLabel;
    const failed = await create({
      name,
      url: url.trim(),
      autoStart,
      rendition: sent || null,
      ...(key ? { key } : {}),
      ...(trimmedLabel ? { label: trimmedLabel } : {}),
    });
    setBusy(false);
    if (failed) {
      setErrors(failed);
      return;
    }
    // The key leaves the page with the request: the form starts over for the next destination.
    setPreset(CUSTOM);
    setUrl('');
    setKey('');
    setLabel('');
    setRendition('');
    setErrors({});
  };

  return (
    <form className="form destination-form" data-testid="destination-form" onSubmit={(e) => void submit(e)} noValidate autoComplete="off">
      <h3 className="destination-form-title">Add a destination</h3>
      <div className="destination-form-grid">
        <label className="field-label" htmlFor="destination-preset">Platform</label>
        <div>
          <select id="destination-preset" className="input" data-testid="destination-preset" value={preset} onChange={(e) => choosePreset(e.target.value)}>
            <option value={CUSTOM}>Custom server</option>
            {presets?.filter((p) => p.kind !== CUSTOM).map((p) => (
              <option key={p.kind} value={p.kind}>{p.label}</option>
            ))}
          </select>
          {chosen?.keyHelp && <div className="field-hint" data-testid="destination-key-help">{chosen.keyHelp}</div>}
        </div>

        <label className="field-label" htmlFor="destination-url">Server URL</label>
        <div>
          <input
            id="destination-url"
            className="input"
            data-testid="destination-url"
            spellCheck={false}
            placeholder="rtmp://live.example.com/app"
            value={url}
            aria-invalid={errors.url ? true : undefined}
            onChange={(e) => {
              setUrl(e.target.value);
              setErrors(({ url: _url, ...rest }) => rest);
            }}
          />
          <FieldError field="url" errors={errors} />
        </div>

        <label className="field-label" htmlFor="destination-key">Stream key</label>
        <div>
          <input
            id="destination-key"
            className="input"
            type="password"
            data-testid="destination-key"
            autoComplete="new-password"
            placeholder="from the platform's dashboard"
            value={key}
            aria-invalid={errors.key ? true : undefined}
            onChange={(e) => {
              setKey(e.target.value);
              setErrors(({ key: _key, ...rest }) => rest);
            }}
          />
          {errors.key ? <FieldError field="key" errors={errors} /> : <div className="field-hint">Stored encrypted; only its last 4 characters are shown again.</div>}
        </div>

        <label className="field-label" htmlFor="destination-label">Label</label>
        <input id="destination-label" className="input" data-testid="destination-label" placeholder={defaultLabel ?? 'Named after the server'} value={label} onChange={(e) => setLabel(e.target.value)} />

        <label className="field-label" htmlFor="destination-rendition">Send</label>
        <div>
          <select
            id="destination-rendition"
            className="input"
            data-testid="destination-rendition"
            value={sent}
            onChange={(e) => {
              setRendition(e.target.value);
              setErrors(({ rendition: _rendition, ...rest }) => rest);
            }}
          >
            {choices.map((c) => (
              <option key={c.value} value={c.value}>{c.label}</option>
            ))}
          </select>
          <FieldError field="rendition" errors={errors} />
        </div>
      </div>

      <label className="switch">
        <input type="checkbox" data-testid="destination-autostart" checked={autoStart} onChange={(e) => setAutoStart(e.target.checked)} />
        <span className="switch-track" aria-hidden="true" />
        <span className="switch-text">Start and stop with the stream</span>
      </label>

      <button className="button primary" type="submit" data-testid="destination-submit" disabled={busy}>
        <Icon name="plus" size={16} /> {busy ? 'Adding…' : 'Add destination'}
      </button>
    </form>
  );
}
