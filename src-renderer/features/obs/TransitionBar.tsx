import { useEffect, useState } from 'react';
import { OBS_TRANSITION_MS } from '../../../src-shared/contract/index.js';
import { setStudioMode, setTransition, useObs } from './store.js';

/** Studio mode, the transition and its duration; in studio mode, the button that takes preview to program. */
export function TransitionBar() {
  const studioMode = useObs((s) => s.scenes?.studioMode ?? false);
  const transitions = useObs((s) => s.transitions);
  const [duration, setDuration] = useState('');
  const current = transitions?.transitions.find((t) => t.name === transitions.current);

  const shown = transitions?.durationMs !== null && transitions?.durationMs !== undefined ? String(transitions.durationMs) : '';
  useEffect(() => setDuration(shown), [shown]);

  const commitDuration = () => {
    const ms = Number(duration);
    if (!Number.isInteger(ms) || ms < OBS_TRANSITION_MS.min || ms > OBS_TRANSITION_MS.max) setDuration(shown); // not a duration OBS takes: back to its own
    else if (ms !== transitions?.durationMs) void setTransition({ durationMs: ms });
  };

  return (
    <div className="obs-transition-bar" data-testid="obs-transition-bar">
      <label className="switch">
        <input type="checkbox" data-testid="obs-studio-mode" checked={studioMode} onChange={(e) => void setStudioMode(e.target.checked)} />
        <span className="switch-track" aria-hidden="true" />
        <span className="switch-text">Studio mode</span>
      </label>
      <select className="input input-compact" aria-label="Transition" data-testid="obs-transition" value={transitions?.current ?? ''} onChange={(e) => void setTransition({ name: e.target.value })}>
        {(transitions?.transitions ?? []).map((t) => (
          <option key={t.name} value={t.name}>{t.name}</option>
        ))}
      </select>
      {current?.fixed ? (
        // A transition of no length (Cut): OBS shows no duration for it, nor do we.
        <span className="muted" data-testid="obs-transition-fixed" title={`${current.name} has no duration`}>
          instant
        </span>
      ) : (
        <>
          <input
            className="input input-compact input-port"
            aria-label="Transition duration (ms)"
            data-testid="obs-transition-duration"
            inputMode="numeric"
            title={`${OBS_TRANSITION_MS.min} to ${OBS_TRANSITION_MS.max} ms`}
            disabled={!current}
            value={duration}
            onChange={(e) => setDuration(e.target.value)}
            onBlur={commitDuration}
            onKeyDown={(e) => e.key === 'Enter' && commitDuration()}
          />
          <span className="muted">ms</span>
        </>
      )}
      {studioMode && (
        <button type="button" className="button primary small-button" data-testid="obs-transition-go" onClick={() => void setTransition({ trigger: true })}>
          Transition
        </button>
      )}
    </div>
  );
}
