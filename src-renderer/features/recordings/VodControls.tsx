import { useState } from 'react';
import { ladderPresets, type LadderPreset, type Recording } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { toastError } from '../../ui/toast-store.js';
import { CopyField } from '../../ui/CopyButton.js';
import { Icon } from '../../ui/Icon.js';
import { LADDER_WORDS } from '../streams/format.js';
import { absoluteUrl } from './format.js';
import { useRecordings } from './store.js';

const ladderLabel = (ladder: string) => (ladder in LADDER_WORDS ? LADDER_WORDS[ladder as LadderPreset].label : ladder);

/** Make VOD: the recording packaged as HLS/DASH with a ladder; progress from events, then its URLs. */
export function VodControls({ recording: r }: { recording: Recording }) {
  const convert = useRecordings((s) => s.convert);
  const [ladder, setLadder] = useState<LadderPreset>('standard');
  const [busy, setBusy] = useState(false);
  const { vod } = r;

  if (r.state === 'recording' || r.state === 'failed') return null;

  if (vod.state === 'converting') {
    const percent = Math.round(vod.progress * 100);
    return (
      <div className="vod vod-progress" data-testid={`recording-vod-progress-${r.id}`}>
        <span className="muted small">Making VOD{vod.ladder ? ` (${ladderLabel(vod.ladder)})` : ''}… {percent} %</span>
        <div className="meter" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent}>
          <div className="meter-fill" style={{ width: `${percent}%` }} />
        </div>
      </div>
    );
  }

  if (vod.state === 'ready' && (vod.hls || vod.dash)) {
    return (
      <div className="vod" data-testid={`recording-vod-ready-${r.id}`}>
        {vod.hls && (
          <div className="vod-url">
            <span className="vod-label">HLS</span>
            <CopyField value={absoluteUrl(vod.hls, window.location.href)} testId={`recording-vod-hls-${r.id}`} copyTestId={`recording-vod-hls-copy-${r.id}`} />
          </div>
        )}
        {vod.dash && (
          <div className="vod-url">
            <span className="vod-label">DASH</span>
            <CopyField value={absoluteUrl(vod.dash, window.location.href)} testId={`recording-vod-dash-${r.id}`} copyTestId={`recording-vod-dash-copy-${r.id}`} />
          </div>
        )}
        <SignedLink recording={r} />
      </div>
    );
  }

  const make = async () => {
    setBusy(true);
    await convert(r.id, ladder);
    setBusy(false);
  };
  return (
    <div className="vod vod-make">
      {vod.state === 'failed' && <div className="field-error" data-testid={`recording-vod-error-${r.id}`}>VOD failed{vod.error ? `: ${vod.error}` : ''}</div>}
      <div className="vod-row">
        <select
          className="input input-compact"
          aria-label="VOD ladder"
          title={LADDER_WORDS[ladder].explain}
          data-testid={`recording-convert-ladder-${r.id}`}
          value={ladder}
          onChange={(e) => setLadder(e.target.value as LadderPreset)}
        >
          {ladderPresets.map((p) => (
            <option key={p} value={p}>{LADDER_WORDS[p].label} ladder</option>
          ))}
        </select>
        <button className="button" data-testid={`recording-convert-${r.id}`} disabled={busy} onClick={() => void make()}>
          <Icon name="film" size={16} /> {busy ? 'Starting…' : vod.state === 'failed' ? 'Try VOD again' : 'Make VOD'}
        </button>
      </div>
    </div>
  );
}

const SIGNED_LINK_SEC = 7 * 86_400;

/**
 * A signed link of the VOD for a viewer, valid a week: through the best edge when there are edges.
 * The link a private or encrypted stream's recording needs (edges check it; its keys accept it, even
 * after the stream is deleted).
 */
function SignedLink({ recording: r }: { recording: Recording }) {
  const [link, setLink] = useState<{ hls: string; dash: string; edge: boolean; expiresAt: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const sign = async () => {
    setBusy(true);
    try {
      const out = await call('recordings.playback', { id: r.id, expiresInSec: SIGNED_LINK_SEC });
      const edge = out.edges[0];
      const at = (url: string) => (edge ? url : absoluteUrl(url, window.location.href));
      setLink({ hls: at(edge ? edge.hls : out.hls), dash: at(edge ? edge.dash : out.dash), edge: Boolean(edge), expiresAt: out.expiresAt });
    } catch (err) {
      toastError(err);
    } finally {
      setBusy(false);
    }
  };
  if (!link) {
    return (
      <button className="button small-button" data-testid={`recording-vod-sign-${r.id}`} disabled={busy} onClick={() => void sign()} title="A link for a viewer, valid a week (needed for a private or encrypted stream's recording)">
        <Icon name="link" size={14} /> {busy ? 'Signing…' : 'Signed link'}
      </button>
    );
  }
  const valid = `Valid until ${new Date(link.expiresAt).toLocaleString()}`;
  return (
    <>
      <div className="vod-url">
        <span className="vod-label" title={valid}>{link.edge ? 'Edge HLS' : 'Signed HLS'}</span>
        <CopyField value={link.hls} testId={`recording-vod-signed-${r.id}`} copyTestId={`recording-vod-signed-copy-${r.id}`} />
      </div>
      <div className="vod-url">
        <span className="vod-label" title={valid}>{link.edge ? 'Edge DASH' : 'Signed DASH'}</span>
        <CopyField value={link.dash} testId={`recording-vod-signed-dash-${r.id}`} copyTestId={`recording-vod-signed-dash-copy-${r.id}`} />
      </div>
    </>
  );
}
