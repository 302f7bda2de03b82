import { useState } from 'react';
import { obsFilterKinds, type ObsFilterKind } from '../../../src-shared/contract/index.js';
import { Icon } from '../../ui/Icon.js';
import { addFilter, removeFilter, setFilterEnabled, showFilters, useObs } from './store.js';

const KIND_WORDS: Record<ObsFilterKind, string> = {
  chroma_key: 'Chroma key',
  color_correction: 'Color correction',
  noise_suppression: 'Noise suppression',
  compressor: 'Compressor',
};

/** The filters of one source: enable, remove, add one of the common kinds. */
export function FiltersPanel() {
  const source = useObs((s) => s.filterSource);
  const filters = useObs((s) => s.filters);
  const [kind, setKind] = useState<ObsFilterKind>('chroma_key');
  if (!source) return null;
  const add = () => {
    const base = KIND_WORDS[kind];
    let name = base;
    for (let n = 2; filters.some((f) => f.name === name); n++) name = `${base} ${n}`;
    void addFilter(kind, name);
  };
  return (
    <div className="obs-filters" data-testid="obs-filters">
      <div className="obs-filters-head">
        <h4 className="obs-subtitle">Filters of {source}</h4>
        <button type="button" className="button ghost small-button" aria-label="Close filters" onClick={() => void showFilters(null)}>
          <Icon name="close" size={14} />
        </button>
      </div>
      {filters.length === 0 && <p className="muted">No filters.</p>}
      <ul className="obs-source-list">
        {filters.map((f) => (
          <li key={f.name} data-testid={`obs-filter-${f.name}`}>
            <label className="switch">
              <input type="checkbox" checked={f.enabled} data-testid="obs-filter-enabled" onChange={(e) => void setFilterEnabled(f.name, e.target.checked)} />
              <span className="switch-track" aria-hidden="true" />
              <span className="switch-text">{f.name}</span>
            </label>
            <span className="muted obs-source-meta">{f.kind}</span>
            <button type="button" className="button ghost small-button" aria-label={`Remove filter ${f.name}`} onClick={() => void removeFilter(f.name)}>
              <Icon name="trash" size={13} />
            </button>
          </li>
        ))}
      </ul>
      <div className="obs-inline-form">
        <select className="input input-compact" aria-label="Filter kind" data-testid="obs-filter-kind" value={kind} onChange={(e) => setKind(e.target.value as ObsFilterKind)}>
          {obsFilterKinds.map((k) => (
            <option key={k} value={k}>{KIND_WORDS[k]}</option>
          ))}
        </select>
        <button type="button" className="button small-button" data-testid="obs-filter-add" onClick={add}>
          <Icon name="plus" size={14} /> Add filter
        </button>
      </div>
    </div>
  );
}
