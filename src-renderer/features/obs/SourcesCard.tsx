import { Card } from '../../ui/Card.js';
import { FiltersPanel } from './FiltersPanel.js';
import { setItemEnabled, setMuted, showFilters, useObs } from './store.js';
import { meterPercent } from '../../ui/meter-scale.js';

/** A -60..0 dBFS peak as the width of a meter bar. */

/** The sources of the focused scene (visibility) and the audio inputs (mute, volume). */
export function SourcesCard() {
  const scene = useObs((s) => s.focusScene);
  const items = useObs((s) => s.items);
  const inputs = useObs((s) => s.inputs);
  const meters = useObs((s) => s.meters);
  const audio = inputs.filter((i) => i.muted !== null);
  return (
    <Card title={<>Sources <span className="muted">{scene ?? ''}</span></>} testId="obs-sources">
      {items.length === 0 ? (
        <p className="muted">This scene is empty. Add a template below, or sources in OBS.</p>
      ) : (
        <ul className="obs-source-list">
          {items.map((i) => (
            <li key={i.id} data-testid={`obs-item-${i.sourceName}`}>
              <label className="switch">
                <input type="checkbox" checked={i.enabled} data-testid="obs-item-visible" onChange={(e) => void setItemEnabled(i.id, e.target.checked)} />
                <span className="switch-track" aria-hidden="true" />
                <span className="switch-text">{i.sourceName}</span>
              </label>
              <button type="button" className="button ghost small-button" data-testid="obs-item-filters" onClick={() => void showFilters(i.sourceName)}>
                Filters
              </button>
              <span className="muted obs-source-meta">
                {i.inputKind ?? 'scene'} · {Math.round(i.transform.width)}×{Math.round(i.transform.height)} at {Math.round(i.transform.positionX)},{Math.round(i.transform.positionY)}
              </span>
            </li>
          ))}
        </ul>
      )}
      <FiltersPanel />
      {audio.length > 0 && (
        <>
          <h4 className="obs-subtitle">Audio</h4>
          <ul className="obs-source-list">
            {audio.map((i) => (
              <li key={i.name}>
                <label className="switch">
                  <input type="checkbox" checked={!i.muted} onChange={(e) => void setMuted(i.name, !e.target.checked)} />
                  <span className="switch-track" aria-hidden="true" />
                  <span className="switch-text">{i.name}</span>
                </label>
                <span className="obs-meter" data-testid={`obs-meter-${i.name}`} title={`${meters[i.name] ?? -60} dBFS`}>
                  <span className="obs-meter-fill" style={{ width: `${Math.round(meterPercent(meters[i.name] ?? -Infinity))}%` }} />
                </span>
                <span className="muted obs-source-meta">{i.volumeDb !== null ? `${i.volumeDb} dB` : ''}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </Card>
  );
}
