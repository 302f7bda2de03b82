import { useEffect, useState } from 'react';
import type { Recording } from '../../../src-shared/contract/index.js';
import { call } from '../../api/client.js';
import { Icon } from '../../ui/Icon.js';
import { toastError } from '../../ui/toast-store.js';
import { videoHref } from '../library/route.js';
import { useLibrary } from '../library/store.js';

/** A complete recording into the video library (processed like an upload), or a link to the video it became. */
export function AddToLibrary({ recording: r }: { recording: Recording }) {
  const loaded = useLibrary((s) => s.loaded);
  const video = useLibrary((s) => Object.values(s.videos).find((v) => v.recordingId === r.id));
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!loaded) void useLibrary.getState().load();
  }, [loaded]);

  // An interrupted recording (a host that died) plays up to its last fragment: it can be a video too.
  if (r.state !== 'complete' && r.state !== 'interrupted') return null;
  if (video) {
    return (
      <a className="button" href={videoHref(video.id)} data-testid={`recording-library-${r.id}`}>
        <Icon name="film" size={16} /> In library
      </a>
    );
  }
  const add = async () => {
    setBusy(true);
    try {
      const title = `${r.stream} · ${new Date(r.startedAt).toLocaleString()}`;
      const created = await call('videos.create', { title, recordingId: r.id });
      useLibrary.setState((s) => ({ videos: { ...s.videos, [created.id]: created } }));
      window.location.hash = videoHref(created.id);
    } catch (err) {
      toastError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button className="button" disabled={busy} onClick={() => void add()} data-testid={`recording-library-${r.id}`} title="Process it like an upload: thumbnails, seek previews, subtitles, chapters, a watch page">
      <Icon name="film" size={16} /> Add to library
    </button>
  );
}
