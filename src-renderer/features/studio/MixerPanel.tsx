import { useEffect, useState } from 'react';
import type { Source } from '../../../src-shared/contract/index.js';
import type { StudioEngine } from '../../studio/engine.js';
import { meterPercent } from '../../ui/meter-scale.js';
import { RangeField } from './RangeField.js';
import { useStudio } from './store.js';

export interface Meter {
  peakDb: number;
  rmsDb: number;
  momentaryLufs: number;
  shortTermLufs: number;
}

const fmt = (db: number) => (Number.isFinite(db) && db > -70 ? db.toFixed(1) : '-∞');

export function MeterBar({ meter, testId }: { meter: Meter | undefined; testId: string }) {
  const peak = meter?.peakDb ?? -Infinity;
  return (
    <div className="meter" data-testid={testId} data-peak={fmt(peak)} data-lufs={fmt(meter?.momentaryLufs ?? -Infinity)}>
      <div className="meter-rms" style={{ width: `${meterPercent(meter?.rmsDb ?? -Infinity)}%` }} />
      <div className={`meter-peak ${peak > -1 ? 'hot' : ''}`} style={{ left: `${meterPercent(peak)}%` }} />
    </div>
  );
}

/** The strip's filters in detail: the gate's threshold and hold, the compressor's curve and times, a 3-band EQ. */
function StripFilters({ source }: { source: Source }) {
  const updateSource = useStudio((s) => s.updateSource);
  const a = source.audio;
  const n = source.name;
  const audio = (patch: Partial<Source['audio']>) => void updateSource({ id: source.id, audio: patch });
  return (
    <div className="strip-filters" data-testid={`filters-${n}`}>
      <div className="filter-group">
        <strong className="small">Gate</strong>
        <RangeField className="knob small" digits={1} label="Threshold" unit="dB" min={-90} max={0} step={1} value={a.gate.thresholdDb} testId={`gate-threshold-${n}`} onChange={(thresholdDb) => audio({ gate: { ...a.gate, thresholdDb } })} />
        <RangeField className="knob small" digits={1} label="Hold" unit="ms" min={0} max={2000} step={10} value={a.gate.holdMs} testId={`gate-hold-${n}`} onChange={(holdMs) => audio({ gate: { ...a.gate, holdMs } })} />
      </div>
      <div className="filter-group">
        <strong className="small">Compressor</strong>
        <RangeField className="knob small" digits={1} label="Threshold" unit="dB" min={-60} max={0} step={1} value={a.compressor.thresholdDb} testId={`comp-threshold-${n}`} onChange={(thresholdDb) => audio({ compressor: { ...a.compressor, thresholdDb } })} />
        <RangeField className="knob small" digits={1} label="Ratio" unit=":1" min={1} max={20} step={0.5} value={a.compressor.ratio} testId={`comp-ratio-${n}`} onChange={(ratio) => audio({ compressor: { ...a.compressor, ratio } })} />
        <RangeField className="knob small" digits={1} label="Attack" unit="ms" min={0} max={1000} step={1} value={a.compressor.attackMs} testId={`comp-attack-${n}`} onChange={(attackMs) => audio({ compressor: { ...a.compressor, attackMs } })} />
        <RangeField className="knob small" digits={1} label="Release" unit="ms" min={0} max={1000} step={5} value={a.compressor.releaseMs} testId={`comp-release-${n}`} onChange={(releaseMs) => audio({ compressor: { ...a.compressor, releaseMs } })} />
      </div>
      <div className="filter-group">
        <strong className="small">EQ</strong>
        <RangeField className="knob small" digits={1} label="Low" unit="dB" min={-24} max={24} step={0.5} value={a.eq.lowDb} testId={`eq-low-${n}`} onChange={(lowDb) => audio({ eq: { ...a.eq, lowDb } })} />
        <RangeField className="knob small" digits={1} label="Mid" unit="dB" min={-24} max={24} step={0.5} value={a.eq.midDb} testId={`eq-mid-${n}`} onChange={(midDb) => audio({ eq: { ...a.eq, midDb } })} />
        <RangeField className="knob small" digits={1} label="High" unit="dB" min={-24} max={24} step={0.5} value={a.eq.highDb} testId={`eq-high-${n}`} onChange={(highDb) => audio({ eq: { ...a.eq, highDb } })} />
      </div>
    </div>
  );
}

/** One strip a source with sound: gain, mute, monitor, a peak/RMS meter and its momentary loudness. */
function Strip({ source, meter }: { source: Source; meter: Meter | undefined }) {
  const updateSource = useStudio((s) => s.updateSource);
  const [open, setOpen] = useState(false);
  const a = source.audio;
  return (
    <div className="mixer-strip" data-testid={`strip-${source.name}`}>
      <div className="strip-head">
        <strong>{source.name}</strong>
        <span className="muted small">{fmt(meter?.momentaryLufs ?? -Infinity)} LUFS</span>
      </div>
      <MeterBar meter={meter} testId={`meter-${source.name}`} />
      <div className="strip-controls">
        <input type="range" min={-60} max={24} step={0.5} value={a.gainDb} aria-label={`${source.name} gain`} data-testid={`gain-${source.name}`}
          onChange={(e) => void updateSource({ id: source.id, audio: { gainDb: Number(e.target.value) } })} />
        <span className="small strip-gain">{a.gainDb > 0 ? '+' : ''}{a.gainDb.toFixed(1)} dB</span>
        <button className={`button small-button ${a.muted ? 'danger' : ''}`} data-testid={`mute-${source.name}`} onClick={() => void updateSource({ id: source.id, audio: { muted: !a.muted } })}>{a.muted ? 'Muted' : 'Mute'}</button>
        <button className={`button small-button ${a.monitor ? 'primary' : ''}`} title="Hear it on this computer" onClick={() => void updateSource({ id: source.id, audio: { monitor: !a.monitor } })}>Monitor</button>
        <label className="checkbox small" title="The browser's noise suppression (microphones)">
          <input type="checkbox" checked={a.noiseSuppression} onChange={(e) => void updateSource({ id: source.id, audio: { noiseSuppression: e.target.checked } })} /> Noise
        </label>
        <label className="checkbox small" title="Noise gate">
          <input type="checkbox" checked={a.gate.enabled} onChange={(e) => void updateSource({ id: source.id, audio: { gate: { ...a.gate, enabled: e.target.checked } } })} /> Gate
        </label>
        <label className="checkbox small" title="Compressor">
          <input type="checkbox" checked={a.compressor.enabled} onChange={(e) => void updateSource({ id: source.id, audio: { compressor: { ...a.compressor, enabled: e.target.checked } } })} /> Comp
        </label>
        <label className="small" title="Delay for lip sync">
          Sync <input className="input tiny" type="number" min={0} max={2000} step={10} value={a.syncOffsetMs} onChange={(e) => void updateSource({ id: source.id, audio: { syncOffsetMs: Number(e.target.value) } })} /> ms
        </label>
        <button className={`button small-button ${open ? 'primary' : ''}`} data-testid={`filters-toggle-${source.name}`} aria-expanded={open} onClick={() => setOpen(!open)}>Filters</button>
      </div>
      {open && <StripFilters source={source} />}
    </div>
  );
}

/** The mixer: a strip per source with sound, the program's meter and loudness against -16 and -23 LUFS. */
export function MixerPanel({ engine, sources }: { engine: StudioEngine | null; sources: readonly Source[] }) {
  const [meters, setMeters] = useState<Record<string, Meter>>({});
  useEffect(() => {
    if (!engine) return;
    const timer = setInterval(() => setMeters({ ...engine.mixer.meters() }), 100);
    return () => clearInterval(timer);
  }, [engine]);
  const withSound = sources.filter((s) => meters[s.id] !== undefined);
  const master = meters.master;
  const lufs = master?.momentaryLufs ?? -Infinity;
  return (
    <section className="mixer" data-testid="studio-mixer">
      {withSound.length === 0 && <p className="muted small">No source with sound yet: add a microphone, or a camera, screen or video with sound.</p>}
      {withSound.map((s) => <Strip key={s.id} source={s} meter={meters[s.id]} />)}
      <div className="mixer-strip master" data-testid="strip-master">
        <div className="strip-head"><strong>Program</strong><span className="small" data-testid="program-lufs">{fmt(lufs)} LUFS</span></div>
        <MeterBar meter={master} testId="meter-master" />
        <div className="loudness-targets small">
          <span className={Math.abs(lufs + 16) <= 2 ? 'ok' : ''}>-16 (online)</span>
          <span className={Math.abs(lufs + 23) <= 2 ? 'ok' : ''}>-23 (EBU R128)</span>
          <span className="muted">limiter -1 dBTP</span>
        </div>
      </div>
    </section>
  );
}
