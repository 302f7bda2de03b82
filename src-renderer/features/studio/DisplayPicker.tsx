import { useEffect, useRef, useState } from 'react';
import type { DesktopBridge, DisplayOffer, DisplaySourceOffer } from '../../../src-shared/contract/index.js';
import { Modal } from '../../ui/Modal.js';
import './studio.css';

type Tab = DisplaySourceOffer['kind'];
const TAB_LABELS: Record<Tab, string> = { screen: 'Screens', window: 'Windows' };

/** The tab an offer opens on (screens when there are any) and the source chosen at first. */
export function firstChoice(offer: DisplayOffer): { tab: Tab; sourceId: string | null } {
  const tab: Tab = offer.sources.some((s) => s.kind === 'screen') ? 'screen' : 'window';
  return { tab, sourceId: offer.sources.find((s) => s.kind === tab)?.id ?? null };
}

/**
 * The desktop window's screen and window picker: the page's getDisplayMedia asks the main process,
 * which lists what can be captured (with thumbnails) and offers it here; the creator picks one (or
 * cancels, and the capture is refused with a clear message on the source). Browsers show their own
 * picker, so this renders only where the shell offers (`window.studioDesktop`). A second request
 * while one is open cancels the first.
 */
export function DisplayPicker({ bridge }: { bridge: DesktopBridge }) {
  const [offer, setOffer] = useState<DisplayOffer | null>(null);
  const [tab, setTab] = useState<Tab>('screen');
  const [selected, setSelected] = useState<string | null>(null);
  const [audio, setAudio] = useState(false);
  const open = useRef<DisplayOffer | null>(null);

  useEffect(
    () =>
      bridge.onDisplayOffer((next) => {
        if (open.current) bridge.chooseDisplay({ request: open.current.request, sourceId: null, audio: false });
        open.current = next;
        const first = firstChoice(next);
        setTab(first.tab);
        setSelected(first.sourceId);
        setAudio(false);
        setOffer(next);
      }),
    [bridge],
  );

  if (!offer) return null;
  const answer = (sourceId: string | null) => {
    bridge.chooseDisplay({ request: offer.request, sourceId, audio: sourceId !== null && offer.audio && audio });
    open.current = null;
    setOffer(null);
  };
  const tabs = (['screen', 'window'] as const).filter((k) => offer.sources.some((s) => s.kind === k));
  const shown = offer.sources.filter((s) => s.kind === tab);
  const choose = (next: Tab) => {
    setTab(next);
    setSelected(offer.sources.find((s) => s.kind === next)?.id ?? null);
  };

  return (
    <Modal title="Choose what to share" testId="display-picker" wide onClose={() => answer(null)}
      footer={<>
        {offer.audio && <label className="checkbox display-audio"><input type="checkbox" data-testid="display-audio" checked={audio} onChange={(e) => setAudio(e.target.checked)} /> Share the computer's sound</label>}
        <button className="button" data-testid="display-cancel" onClick={() => answer(null)}>Cancel</button>
        <button className="button primary" data-testid="display-share" disabled={selected === null} onClick={() => answer(selected)}>Share</button>
      </>}>
      {tabs.length > 1 && (
        <div className="segmented display-tabs" role="tablist">
          {tabs.map((k) => (
            <button key={k} role="tab" aria-selected={tab === k} className={`segment ${tab === k ? 'active' : ''}`} data-testid={`display-tab-${k}`} onClick={() => choose(k)}>
              {TAB_LABELS[k]} ({offer.sources.filter((s) => s.kind === k).length})
            </button>
          ))}
        </div>
      )}
      <div className="display-sources" role="listbox" aria-label={TAB_LABELS[tab]}>
        {shown.map((s) => (
          <button key={s.id} role="option" aria-selected={selected === s.id} className={`display-source ${selected === s.id ? 'selected' : ''}`}
            data-testid="display-source" data-id={s.id} title={s.name}
            onClick={() => setSelected(s.id)} onDoubleClick={() => answer(s.id)}>
            {s.thumbnail ? <img className="display-thumb" src={s.thumbnail} alt="" /> : <span className="display-thumb display-thumb-empty">No preview</span>}
            <span className="display-name">
              {s.icon && <img className="display-icon" src={s.icon} alt="" />}
              <span>{s.name}</span>
            </span>
          </button>
        ))}
      </div>
    </Modal>
  );
}
