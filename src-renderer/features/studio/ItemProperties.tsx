import { useEffect, useState } from 'react';
import type { Scene, SceneItem, Source, SourceSettings } from '../../../src-shared/contract/index.js';
import { OVERLAY_PARTS, type OverlayPart } from '../../../src-shared/overlay-state.js';
import { DEFAULT_CHROMA_KEY, NEUTRAL_COLOR, patchItem, type ItemPatch } from './editor-model.js';
import { RangeField } from './RangeField.js';
import { OVERLAY_LABELS } from './SourcePicker.js';
import { useStudio } from './store.js';

/**
 * A number typed in: kept as typed while the field has focus, sent on Enter or when the field is left
 * (a value out of `min`..`max` or not a number goes back to what the host has).
 */
function NumberField({ label, value, min, max, step = 1, scale = 1, testId, onCommit }: { label: string; value: number; min: number; max: number; step?: number; scale?: number; testId: string; onCommit(v: number): void }) {
  const shown = Math.round(value * scale * 100) / 100;
  const [text, setText] = useState(String(shown));
  useEffect(() => setText(String(shown)), [shown]);
  const commit = () => {
    const v = Number(text);
    if (text.trim() === '' || !Number.isFinite(v) || v < min || v > max) return setText(String(shown));
    if (v !== shown) onCommit(v / scale);
  };
  return (
    <label className="prop-field">
      <span>{label}</span>
      <input className="input tiny" type="number" data-testid={testId} min={min} max={max} step={step} value={text}
        onChange={(e) => setText(e.target.value)} onBlur={commit} onKeyDown={(e) => e.key === 'Enter' && (e.target as HTMLInputElement).blur()} />
    </label>
  );
}

/** The settings of the source itself that are worth changing in place (text, colour, overlay, pull). */
function SourceSettingsFields({ source }: { source: Source }) {
  const updateSource = useStudio((s) => s.updateSource);
  const s = source.settings;
  const set = (settings: SourceSettings) => void updateSource({ id: source.id, settings });
  const hostText = s.kind === 'text' ? s.text : '';
  const [text, setText] = useState(hostText);
  useEffect(() => setText(hostText), [hostText]);
  switch (s.kind) {
    case 'text':
      return (
        <>
          <label className="prop-field wide"><span>Text</span>
            <textarea className="input" rows={2} data-testid="prop-text" value={text} onChange={(e) => setText(e.target.value)} onBlur={() => text !== s.text && set({ ...s, text })} />
          </label>
          <NumberField label="Size" testId="prop-font-size" value={s.fontSize} min={6} max={400} onCommit={(fontSize) => set({ ...s, fontSize })} />
          <label className="prop-field"><span>Colour</span><input type="color" data-testid="prop-text-color" value={s.color.slice(0, 7)} onChange={(e) => set({ ...s, color: e.target.value })} /></label>
          <NumberField label="Scroll px/s" testId="prop-scroll" value={s.scrollPxPerSec} min={0} max={2000} onCommit={(scrollPxPerSec) => set({ ...s, scrollPxPerSec })} />
        </>
      );
    case 'color':
      return <label className="prop-field"><span>Colour</span><input type="color" data-testid="prop-color" value={s.color.slice(0, 7)} onChange={(e) => set({ ...s, color: e.target.value })} /></label>;
    case 'overlay':
      return (
        <>
          <label className="prop-field"><span>Shows</span>
            <select className="input tiny" data-testid="prop-overlay-part" value={s.part} onChange={(e) => set({ ...s, part: e.target.value as OverlayPart })}>
              {OVERLAY_PARTS.map((p) => <option key={p} value={p}>{OVERLAY_LABELS[p]}</option>)}
            </select>
          </label>
          <label className="prop-field"><span>Accent</span><input type="color" data-testid="prop-accent" value={s.accent.slice(0, 7)} onChange={(e) => set({ ...s, accent: e.target.value })} /></label>
        </>
      );
    case 'stream':
      return (
        <label className="prop-field"><span>Pulled over</span>
          <select className="input tiny" data-testid="prop-via" value={s.via} onChange={(e) => set({ ...s, via: e.target.value as 'whep' | 'llhls' })}>
            <option value="whep">WebRTC</option><option value="llhls">HLS</option>
          </select>
        </label>
      );
    default:
      return null;
  }
}

/**
 * The selected item's properties: where it is, its turn and opacity, its crop, a chroma key and colour
 * correction (drawn by the compositor's shaders), and what its source shows. Every change goes to the
 * host at once, so every window sees it.
 */
export function ItemProperties({ scene, state }: { scene: Scene; state: { sources: readonly Source[] } }) {
  const selected = useStudio((s) => s.selectedItemId);
  const updateScene = useStudio((s) => s.updateScene);
  const item = scene.items.find((i) => i.id === selected);
  const source = item ? state.sources.find((s) => s.id === item.sourceId) : undefined;
  if (!item || !source) return null;
  const change = (patch: ItemPatch) => void updateScene({ id: scene.id, items: patchItem(scene.items, item.id, patch) });
  const crop = (side: keyof SceneItem['crop'], v: number) => change({ crop: { ...item.crop, [side]: v } });
  const key = item.chromaKey;
  const cc = item.color;
  return (
    <section className="studio-panel props" data-testid="item-properties">
      <header className="panel-head"><h3>Properties <span className="muted small">{source.name}</span></h3></header>
      {scene.layout !== 'free' && <p className="muted small">The scene's layout places its sources: choose Free layout to move them by hand.</p>}
      <div className="prop-grid">
        <NumberField label="X" testId="prop-x" value={item.x} min={-20000} max={20000} onCommit={(x) => change({ x })} />
        <NumberField label="Y" testId="prop-y" value={item.y} min={-20000} max={20000} onCommit={(y) => change({ y })} />
        <NumberField label="Width" testId="prop-width" value={item.width} min={1} max={20000} onCommit={(width) => change({ width })} />
        <NumberField label="Height" testId="prop-height" value={item.height} min={1} max={20000} onCommit={(height) => change({ height })} />
        <NumberField label="Rotation °" testId="prop-rotation" value={item.rotationDeg} min={-360} max={360} onCommit={(rotationDeg) => change({ rotationDeg })} />
        <NumberField label="Opacity %" testId="prop-opacity" value={item.opacity} scale={100} min={0} max={100} onCommit={(opacity) => change({ opacity })} />
      </div>
      <h4 className="prop-head">Crop (% of the picture)</h4>
      <div className="prop-grid">
        {(['left', 'top', 'right', 'bottom'] as const).map((side) => (
          <NumberField key={side} label={side[0]!.toUpperCase() + side.slice(1)} testId={`prop-crop-${side}`} value={item.crop[side]} scale={100} min={0} max={95} onCommit={(v) => crop(side, v)} />
        ))}
      </div>
      <label className="checkbox prop-head"><input type="checkbox" data-testid="prop-chroma" checked={key !== null} onChange={(e) => change({ chromaKey: e.target.checked ? DEFAULT_CHROMA_KEY : null })} /> Chroma key</label>
      {key && (
        <div className="prop-grid">
          <label className="prop-field"><span>Key colour</span><input type="color" data-testid="prop-chroma-color" value={key.color.slice(0, 7)} onChange={(e) => change({ chromaKey: { ...key, color: e.target.value } })} /></label>
          <RangeField className="prop-field" label="Similarity" testId="prop-chroma-similarity" value={key.similarity} min={0} max={1} step={0.01} onChange={(similarity) => change({ chromaKey: { ...key, similarity } })} />
          <RangeField className="prop-field" label="Smoothness" testId="prop-chroma-smoothness" value={key.smoothness} min={0} max={1} step={0.01} onChange={(smoothness) => change({ chromaKey: { ...key, smoothness } })} />
          <RangeField className="prop-field" label="Spill" testId="prop-chroma-spill" value={key.spill} min={0} max={1} step={0.01} onChange={(spill) => change({ chromaKey: { ...key, spill } })} />
        </div>
      )}
      <label className="checkbox prop-head"><input type="checkbox" data-testid="prop-colour" checked={cc !== null} onChange={(e) => change({ color: e.target.checked ? NEUTRAL_COLOR : null })} /> Colour correction</label>
      {cc && (
        <div className="prop-grid">
          <RangeField className="prop-field" label="Brightness" testId="prop-brightness" value={cc.brightness} min={-1} max={1} step={0.01} onChange={(brightness) => change({ color: { ...cc, brightness } })} />
          <RangeField className="prop-field" label="Contrast" testId="prop-contrast" value={cc.contrast} min={0} max={4} step={0.01} onChange={(contrast) => change({ color: { ...cc, contrast } })} />
          <RangeField className="prop-field" label="Saturation" testId="prop-saturation" value={cc.saturation} min={0} max={4} step={0.01} onChange={(saturation) => change({ color: { ...cc, saturation } })} />
          <RangeField className="prop-field" label="Gamma" testId="prop-gamma" value={cc.gamma} min={0.1} max={4} step={0.01} onChange={(gamma) => change({ color: { ...cc, gamma } })} />
          <RangeField className="prop-field" label="Hue °" testId="prop-hue" value={cc.hueDeg} min={-180} max={180} step={1} onChange={(hueDeg) => change({ color: { ...cc, hueDeg } })} />
        </div>
      )}
      <div className="prop-grid">
        <SourceSettingsFields source={source} />
      </div>
    </section>
  );
}
