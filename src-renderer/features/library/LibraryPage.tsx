import { useEffect, useMemo, useState } from 'react';
import { videoStates, videoVisibilities } from '../../../src-shared/contract/index.js';
import { Icon } from '../../ui/Icon.js';
import { allTags, filterVideos, NO_FILTER, VISIBILITY_WORDS, type LibraryFilter } from './format.js';
import { useSelectedVideo } from './route.js';
import { useLibrary } from './store.js';
import { UploadDialog } from './UploadDialog.js';
import { VideoCard } from './VideoCard.js';
import { VideoPage } from './VideoPage.js';
import { useUploads } from './upload-store.js';

/** The library: every upload and recording as a grid of posters, or one video at `#/library/<id>`. */
export function LibraryPage() {
  const selected = useSelectedVideo();
  const load = useLibrary((s) => s.load);
  useEffect(() => {
    void load();
  }, [load]);
  return selected ? <VideoPage id={selected} /> : <LibraryGrid />;
}

function LibraryGrid() {
  const videos = useLibrary((s) => s.videos);
  const loaded = useLibrary((s) => s.loaded);
  const uploading = useUploads((s) => s.items.filter((i) => i.phase === 'uploading').length);
  const [filter, setFilter] = useState<LibraryFilter>(NO_FILTER);
  const [uploadOpen, setUploadOpen] = useState(false);
  const [dragging, setDragging] = useState(false);
  const shown = useMemo(() => filterVideos(videos, filter), [videos, filter]);
  const tags = useMemo(() => allTags(videos), [videos]);
  const total = Object.keys(videos).length;
  const filtered = filter.q || filter.state || filter.visibility || filter.tag;
  const set = (change: Partial<LibraryFilter>) => setFilter((f) => ({ ...f, ...change }));

  // Files dropped anywhere on the page open the dialog with them.
  const onDrop = (e: React.DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const files = [...e.dataTransfer.files];
    if (files.length === 0) return;
    useUploads.getState().add(files);
    setUploadOpen(true);
  };

  return (
    <div
      className={`library ${dragging ? 'library-dragging' : ''}`}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(e) => e.currentTarget === e.target && setDragging(false)}
      onDrop={onDrop}
    >
      <div className="library-toolbar">
        <label className="library-search">
          <Icon name="search" size={16} />
          <input
            className="input"
            type="search"
            placeholder="Search titles, descriptions, tags"
            aria-label="Search"
            data-testid="library-search"
            value={filter.q}
            onChange={(e) => set({ q: e.target.value })}
          />
        </label>
        <select className="input input-compact" aria-label="State" data-testid="library-filter-state" value={filter.state} onChange={(e) => set({ state: e.target.value as LibraryFilter['state'] })}>
          <option value="">Any state</option>
          {videoStates.map((s) => (
            <option key={s} value={s}>{s[0]!.toUpperCase() + s.slice(1)}</option>
          ))}
        </select>
        <select className="input input-compact" aria-label="Visibility" data-testid="library-filter-visibility" value={filter.visibility} onChange={(e) => set({ visibility: e.target.value as LibraryFilter['visibility'] })}>
          <option value="">Any visibility</option>
          {videoVisibilities.map((v) => (
            <option key={v} value={v}>{VISIBILITY_WORDS[v].label}</option>
          ))}
        </select>
        {tags.length > 0 && (
          <select className="input input-compact" aria-label="Tag" data-testid="library-filter-tag" value={filter.tag} onChange={(e) => set({ tag: e.target.value })}>
            <option value="">Any tag</option>
            {tags.map((t) => (
              <option key={t} value={t}>#{t}</option>
            ))}
          </select>
        )}
        <span className="library-count muted small" data-testid="library-count">
          {filtered ? `${shown.length} of ${total}` : `${total} ${total === 1 ? 'video' : 'videos'}`}
        </span>
        <button className="button primary" data-testid="library-upload" onClick={() => setUploadOpen(true)}>
          <Icon name="upload" size={16} /> Upload{uploading > 0 ? ` · ${uploading}` : ''}
        </button>
      </div>

      {!loaded ? (
        <div className="video-grid" aria-busy="true">
          {[0, 1, 2, 3].map((i) => (
            <div key={i} className="video-card video-card-skeleton" />
          ))}
        </div>
      ) : total === 0 ? (
        <button className="library-empty" data-testid="library-empty" onClick={() => setUploadOpen(true)}>
          <span className="library-empty-icon"><Icon name="upload" size={28} /></span>
          <strong>Drop videos here, or choose files</strong>
          <span className="muted">
            Uploads resume where they stopped. Each video is made into HLS, DASH and an MP4 with thumbnails, seek previews and
            chapters. Recordings turned into videos show here too.
          </span>
        </button>
      ) : shown.length === 0 ? (
        <p className="muted library-none" data-testid="library-none">
          No video matches. <button className="link-button" onClick={() => setFilter(NO_FILTER)}>Clear the filters</button>
        </p>
      ) : (
        <ul className="video-grid" data-testid="library-grid">
          {shown.map((v) => (
            <VideoCard key={v.id} video={v} />
          ))}
        </ul>
      )}
      {dragging && (
        <div className="library-drop-hint" aria-hidden="true">
          <Icon name="upload" size={32} />
          <span>Drop to upload</span>
        </div>
      )}
      {uploadOpen && <UploadDialog onClose={() => setUploadOpen(false)} />}
    </div>
  );
}
