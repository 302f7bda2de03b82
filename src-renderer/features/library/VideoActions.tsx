import { useState } from 'react';
import { videoPresets, type Video, type VideoPreset } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import { ConfirmDialog } from '../../ui/ConfirmDialog.js';
import { CopyButton } from '../../ui/CopyButton.js';
import { Icon } from '../../ui/Icon.js';
import { toastError } from '../../ui/toast-store.js';
import { absoluteUrl } from '../recordings/format.js';
import { videoHref } from './route.js';
import { useLibrary } from './store.js';

const PRESET_WORDS: Record<VideoPreset, string> = {
  fast: 'Fast (H.264 veryfast)',
  balanced: 'Balanced (H.264 medium)',
  high: 'High (HEVC where possible)',
};

/** Sharing (the watch page, signed when private), processing again, cancelling, deleting. */
export function VideoActions({ video: v }: { video: Video }) {
  const [preset, setPreset] = useState<VideoPreset>(v.preset);
  const [loudness, setLoudness] = useState(v.normalizeLoudness);
  const [deleting, setDeleting] = useState(false);
  const [busy, setBusy] = useState(false);
  const [signed, setSigned] = useState<{ watch: string; expiresAt: number | null } | null>(null);
  const { process, cancel, remove } = useLibrary.getState();
  const working = v.state === 'queued' || v.state === 'processing';
  const watch = v.urls ? absoluteUrl(v.urls.watch, window.location.href) : null;

  const sign = async () => {
    try {
      const urls = await call('videos.watchUrl', { id: v.id, expiresInSec: 7 * 86_400 });
      setSigned({ watch: absoluteUrl(urls.watch, window.location.href), expiresAt: urls.expiresAt });
    } catch (err) {
      toastError(err);
    }
  };

  return (
    <Card title="Share and process" testId="video-actions">
      {v.state === 'ready' && watch && (
        <div className="video-share">
          <span className="field-label">Watch page</span>
          {v.visibility === 'private' ? (
            signed ? (
              <>
                <div className="copy-field"><span className="copy-value mono" data-testid="video-watch-url">{signed.watch}</span><CopyButton text={signed.watch} /></div>
                {signed.expiresAt && <span className="field-hint">Signed; works until {new Date(signed.expiresAt).toLocaleString()}</span>}
              </>
            ) : (
              <button className="button small-button" data-testid="video-sign" onClick={() => void sign()}>
                <Icon name="key" size={14} /> Make a signed link (7 days)
              </button>
            )
          ) : (
            <div className="copy-field"><span className="copy-value mono" data-testid="video-watch-url">{watch}</span><CopyButton text={watch} /></div>
          )}
          <a className="button small-button" href={signed?.watch ?? watch} target="_blank" rel="noreferrer" data-testid="video-open-watch">
            <Icon name="external" size={14} /> Open the watch page
          </a>
        </div>
      )}
      <div className="video-process">
        <span className="field-label">Processing</span>
        <div className="video-process-row">
          <select className="input input-compact" aria-label="Preset" data-testid="video-preset" value={preset} onChange={(e) => setPreset(e.target.value as VideoPreset)}>
            {videoPresets.map((p) => (
              <option key={p} value={p}>{PRESET_WORDS[p]}</option>
            ))}
          </select>
          <label className="switch">
            <input type="checkbox" checked={loudness} onChange={(e) => setLoudness(e.target.checked)} data-testid="video-loudness" />
            <span className="switch-track" />
            <span className="switch-text">Loudness −16 LUFS</span>
          </label>
        </div>
        <div className="video-process-row">
          {working ? (
            <button className="button" data-testid="video-cancel" onClick={() => void cancel(v.id)}>
              <Icon name="stop" size={14} /> Cancel processing
            </button>
          ) : (
            <button className="button" data-testid="video-process" disabled={v.state === 'uploading'} onClick={() => void process(v.id, { preset, normalizeLoudness: loudness })}>
              <Icon name="refresh" size={14} /> Process again
            </button>
          )}
          <button className="button danger-outline" data-testid="video-delete" onClick={() => setDeleting(true)}>
            <Icon name="trash" size={14} /> Delete
          </button>
        </div>
      </div>
      {deleting && (
        <ConfirmDialog
          title="Delete this video?"
          confirmLabel="Delete video"
          danger
          busy={busy}
          onCancel={() => setDeleting(false)}
          onConfirm={() => {
            setBusy(true);
            void remove(v.id).then((ok) => {
              setBusy(false);
              setDeleting(false);
              if (ok) window.location.hash = videoHref(null);
            });
          }}
        >
          <p>
            “{v.title}”, its upload, its HLS, DASH and MP4 files, thumbnails and subtitles are removed, and the edges forget it.
            This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </Card>
  );
}
