import { useEffect, useState } from 'react';
import { DVR_MAX_MINUTES, dvrMinutesSchema, latencyModes, type LatencyMode } from '../../../src-shared/contract/index.js';
import { capitalise } from '../../ui/toast-store.js';
import { formatDvrMinutes, LATENCY_WORDS } from './format.js';

export interface LatencyChoice {
  latency: LatencyMode;
  dvrMinutes: number;
}

interface LatencyFieldsProps extends LatencyChoice {
  /** Called with what changed; the DVR window only once it is a valid number. */
  onChange(change: Partial<LatencyChoice>): void;
  /** `change`: every valid keystroke counts (a form submitted later); `blur`: on leaving the field or Enter (saved at once). */
  commit: 'change' | 'blur';
  testId: string;
  /** The mode's label: `Latency` in a form, `Mode` where the card already says latency. */
  label?: string;
}

/** The schema's own message, so client and host word a bad window the same way. */
function dvrError(text: string): string | null {
  const parsed = dvrMinutesSchema.safeParse(text.trim() === '' ? Number.NaN : Number(text));
  return parsed.success ? null : capitalise(parsed.error.issues[0]?.message ?? 'not a number of minutes');
}

/** Latency mode (Low / Standard, a sentence each) and the DVR window in minutes, which only Low keeps. */
export function LatencyFields({ latency, dvrMinutes, onChange, commit, testId, label = 'Latency' }: LatencyFieldsProps) {
  const [draft, setDraft] = useState(String(dvrMinutes));
  useEffect(() => setDraft(String(dvrMinutes)), [dvrMinutes]);
  const error = dvrError(draft);
  const low = latency === 'low';
  const save = () => {
    if (!error && Number(draft) !== dvrMinutes) onChange({ dvrMinutes: Number(draft) });
  };
  return (
    <div className="latency-fields" data-testid={testId}>
      <span className="field-label" id={`${testId}-mode-label`}>{label}</span>
      <div className="segmented" role="group" aria-labelledby={`${testId}-mode-label`}>
        {latencyModes.map((mode) => (
          <button
            key={mode}
            type="button"
            className={`segment ${latency === mode ? 'active' : ''}`}
            aria-pressed={latency === mode}
            data-testid={`${testId}-${mode}`}
            onClick={() => latency !== mode && onChange({ latency: mode })}
          >
            {LATENCY_WORDS[mode].label}
          </button>
        ))}
      </div>
      <div className="field-hint" data-testid={`${testId}-explain`}>{LATENCY_WORDS[latency].explain}</div>

      <label className="field-label" htmlFor={`${testId}-dvr`}>DVR window</label>
      <div className="dvr-field">
        <input
          id={`${testId}-dvr`}
          className="input input-compact dvr-input"
          data-testid={`${testId}-dvr`}
          type="number"
          inputMode="numeric"
          min={0}
          max={DVR_MAX_MINUTES}
          step={5}
          disabled={!low}
          value={draft}
          aria-invalid={error ? true : undefined}
          onChange={(e) => {
            setDraft(e.target.value);
            if (commit === 'change' && !dvrError(e.target.value)) onChange({ dvrMinutes: Number(e.target.value) });
          }}
          onBlur={commit === 'blur' ? save : undefined}
          onKeyDown={(e) => {
            if (commit === 'blur' && e.key === 'Enter') save();
          }}
        />
        <span className="muted small">minutes</span>
      </div>
      {error && low ? (
        <div className="field-error" role="alert" data-testid={`${testId}-dvr-error`}>{error}</div>
      ) : (
        <div className="field-hint">
          {!low
            ? 'Standard streams keep only their live playlist window.'
            : dvrMinutes > 0 || Number(draft) > 0
              ? `Viewers can rewind up to ${formatDvrMinutes(Number(draft))} while the stream is live (0 to ${DVR_MAX_MINUTES}).`
              : 'Off: viewers stay at live.'}
        </div>
      )}
    </div>
  );
}
