import { useEffect, useRef, useState } from 'react';
import type { Show } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { toastError, toastSuccess } from '../../ui/toast-store.js';
import { artworkUrl } from './podcasts-model.js';
import { usePodcasts } from './store.js';

const TYPES = ['image/jpeg', 'image/png'];

/** The show's square artwork: a preview, and a button that uploads a JPEG or PNG in its place. */
export function ArtworkCard({ show }: { show: Show }) {
  const input = useRef<HTMLInputElement>(null);
  // The chosen file, shown while it uploads (and kept if the host refuses it, dimmed).
  const [local, setLocal] = useState<{ url: string; failed: boolean } | null>(null);
  const [busy, setBusy] = useState(false);
  const saved = artworkUrl(show);

  const localUrl = local?.url;
  useEffect(() => () => void (localUrl && URL.revokeObjectURL(localUrl)), [localUrl]);

  const upload = async (file: File | undefined) => {
    if (input.current) input.current.value = '';
    if (!file) return;
    if (!TYPES.includes(file.type)) {
      toastError({ code: 'MEDIA_INVALID', message: `${file.name} is not a JPEG or a PNG` });
      return;
    }
    setLocal({ url: URL.createObjectURL(file), failed: false });
    setBusy(true);
    const ok = await usePodcasts.getState().setArtwork(show.id, file);
    setBusy(false);
    if (ok) {
      setLocal(null);
      toastSuccess('Artwork updated');
    } else {
      setLocal((l) => (l ? { ...l, failed: true } : l));
    }
  };

  const shown = local?.url ?? saved;
  return (
    <Card title="Artwork" testId="show-artwork">
      <div className="artwork-edit">
        <div className={`artwork-preview ${busy ? 'is-busy' : ''} ${local?.failed ? 'is-refused' : ''}`}>
          {shown ? (
            <img src={shown} alt="The show's artwork" data-testid="artwork-preview" data-saved={local ? 'no' : 'yes'} />
          ) : (
            <span className="artwork-empty" data-testid="artwork-none">
              <Icon name="image" size={28} />
              No artwork yet
            </span>
          )}
        </div>
        <div className="artwork-side">
          <p className="muted small">
            A square JPEG or PNG, 1400 to 3000 px a side: podcast apps show it beside every episode, and directories refuse a show without it.
          </p>
          {local?.failed && <p className="field-error" data-testid="artwork-refused">Not saved: see the message for why.</p>}
          <input ref={input} type="file" accept={TYPES.join(',')} hidden data-testid="artwork-input" onChange={(e) => void upload(e.target.files?.[0])} />
          <button className="button" data-testid="artwork-upload" disabled={busy} onClick={() => input.current?.click()}>
            <Icon name="upload" size={14} /> {busy ? 'Uploading…' : saved ? 'Replace artwork' : 'Upload artwork'}
          </button>
        </div>
      </div>
    </Card>
  );
}
