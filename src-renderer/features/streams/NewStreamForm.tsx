import { useEffect, useState, type FormEvent } from 'react';
import { CONFIG_DEFAULTS, type StudioConfig } from '../../../src-shared/config.js';
import { ladderPresets, streamNameSchema, type LadderPreset } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { capitalise } from '../../ui/toast-store.js';
import { LADDER_WORDS } from './format.js';
import { LatencyFields, type LatencyChoice } from './LatencyFields.js';
import { selectStream } from './route.js';
import { useStreams } from './store.js';

/** The schema's own message, so client and host word a bad name the same way. */
function nameError(name: string): string | null {
  const parsed = streamNameSchema.safeParse(name);
  return parsed.success ? null : capitalise(parsed.error.issues[0]?.message ?? 'not a valid name');
}

const BUILT_IN: LatencyChoice = { latency: CONFIG_DEFAULTS.live.defaultLatency, dvrMinutes: CONFIG_DEFAULTS.live.dvrMinutes };

/** The host's defaults for new streams (live.defaultLatency, live.dvrMinutes); the built-in ones if it will not say. */
function useLatencyDefaults(): LatencyChoice {
  const [defaults, setDefaults] = useState(BUILT_IN);
  useEffect(() => {
    let gone = false;
    call('config.get').then(
      ({ config }) => {
        const live = (config as Partial<StudioConfig>).live;
        if (!gone && live) setDefaults({ latency: live.defaultLatency, dvrMinutes: live.dvrMinutes });
      },
      () => undefined, // a role without config access gets the built-in defaults
    );
    return () => {
      gone = true;
    };
  }, []);
  return defaults;
}

export function NewStreamForm() {
  const create = useStreams((s) => s.create);
  const [name, setName] = useState('');
  const [ladder, setLadder] = useState<LadderPreset>('standard');
  const [isPrivate, setPrivate] = useState(false);
  const [record, setRecord] = useState(false);
  const defaults = useLatencyDefaults();
  const [latency, setLatency] = useState<Partial<LatencyChoice>>({});
  const choice = { ...defaults, ...latency };
  const [touched, setTouched] = useState(false);
  const [serverErrors, setServerErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  const clientError = nameError(name);
  const serverError = serverErrors.name ? capitalise(serverErrors.name) : null;
  const error = (touched ? clientError : null) ?? serverError;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (clientError) return;
    setBusy(true);
    const errors = await create({ name, ladder, private: isPrivate, record, ...choice });
    setBusy(false);
    if (errors) {
      setServerErrors(errors);
      return;
    }
    setName('');
    setLadder('standard');
    setPrivate(false);
    setRecord(false);
    setLatency({});
    setTouched(false);
    setServerErrors({});
    selectStream(name);
  };

  return (
    <Card title="New stream" testId="new-stream" className="new-stream-card">
      <form className="form" onSubmit={(e) => void submit(e)} noValidate>
        <label className="field-label" htmlFor="new-stream-name">Name</label>
        <input
          id="new-stream-name"
          className="input"
          data-testid="new-stream-name"
          autoComplete="off"
          spellCheck={false}
          placeholder="my-show"
          value={name}
          aria-invalid={error ? true : undefined}
          aria-describedby="new-stream-name-help"
          onChange={(e) => {
            setName(e.target.value);
            if (e.target.value) setTouched(true);
            setServerErrors({});
          }}
        />
        {error ? (
          <div className="field-error" role="alert" data-testid="field-error-name">{error}</div>
        ) : (
          <div className="field-hint" id="new-stream-name-help">Lowercase letters, digits and dashes; it appears in playback URLs.</div>
        )}

        <label className="field-label" htmlFor="new-stream-ladder">Quality ladder</label>
        <select id="new-stream-ladder" className="input" data-testid="new-stream-ladder" value={ladder} onChange={(e) => setLadder(e.target.value as LadderPreset)}>
          {ladderPresets.map((preset) => (
            <option key={preset} value={preset}>{LADDER_WORDS[preset].label}</option>
          ))}
        </select>
        <div className="field-hint" data-testid="new-stream-ladder-explain">{LADDER_WORDS[ladder].explain}</div>

        <LatencyFields {...choice} commit="change" testId="new-stream-latency" onChange={(change) => setLatency((l) => ({ ...l, ...change }))} />
        {serverErrors.dvrMinutes && <div className="field-error" role="alert">{capitalise(serverErrors.dvrMinutes)}</div>}

        <label className="switch">
          <input type="checkbox" data-testid="new-stream-private" checked={isPrivate} onChange={(e) => setPrivate(e.target.checked)} />
          <span className="switch-track" aria-hidden="true" />
          <span className="switch-text">Private: viewers need a signed, expiring URL</span>
        </label>

        <label className="switch">
          <input type="checkbox" data-testid="new-stream-record" checked={record} onChange={(e) => setRecord(e.target.checked)} />
          <span className="switch-track" aria-hidden="true" />
          <span className="switch-text">Record every publish to a file</span>
        </label>

        <button className="button primary" type="submit" data-testid="new-stream-submit" disabled={busy}>
          <Icon name="plus" size={16} /> {busy ? 'Creating…' : 'Create stream'}
        </button>
      </form>
    </Card>
  );
}
