import { useEffect, useMemo, useState } from 'react';
import type { Show } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { artworkUrl, countLabel } from './podcasts-model.js';
import { showHref } from './route.js';
import { usePodcasts } from './store.js';

/** The show's square artwork, or a placeholder until one is uploaded (or when it fails to load). */
export function Artwork({ show, size, testId }: { show: Show; size: number; testId?: string }) {
  const url = artworkUrl(show);
  const [broken, setBroken] = useState<string | null>(null);
  if (!url || broken === url) {
    return (
      <span className="podcast-art podcast-art-empty" style={{ width: size, height: size }} data-testid={testId} aria-hidden="true">
        <Icon name="mic" size={Math.round(size * 0.4)} />
      </span>
    );
  }
  return <img className="podcast-art" src={url} alt="" width={size} height={size} data-testid={testId} onError={() => setBroken(url)} />;
}

function ShowRow({ show }: { show: Show }) {
  return (
    <li>
      <a className="show-row" href={showHref(show.id)} data-testid={`show-row-${show.id}`}>
        <Artwork show={show} size={56} />
        <span className="show-row-main">
          <span className="show-row-title">
            <strong data-testid="show-title">{show.title}</strong>
            {show.private && (
              <span className="badge badge-warn" title="Only under subscribers' own feed URLs" data-testid="show-private">
                <Icon name="lock" size={11} /> Private
              </span>
            )}
            {show.explicit && <span className="badge badge-idle" title="Explicit content">E</span>}
          </span>
          <span className="muted small">{show.author} · {show.category}</span>
        </span>
        <span className="show-row-count" data-testid="show-episodes">{countLabel(show.episodes, 'episode')}</span>
        <Icon name="back" size={16} />
      </a>
    </li>
  );
}

export function ShowList() {
  const shows = usePodcasts((s) => s.shows);
  const loaded = usePodcasts((s) => s.loaded);
  // Fresh whenever the list is shown: podcasts send no events, and another client may have made a show.
  useEffect(() => {
    void usePodcasts.getState().load();
  }, []);
  const sorted = useMemo(() => Object.values(shows).sort((a, b) => a.title.localeCompare(b.title) || a.id.localeCompare(b.id)), [shows]);
  return (
    <Card title={<>Shows <span className="muted">{sorted.length || ''}</span></>} testId="show-list" className="show-list-card">
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : sorted.length === 0 ? (
        <div className="podcasts-empty" data-testid="shows-empty">
          <span className="library-empty-icon"><Icon name="mic" size={26} /></span>
          <strong>No shows yet</strong>
          <span className="muted">
            Create one with the form, then add episodes from your library videos and recordings: each is made into an MP3 and an M4A at
            podcast loudness, with its chapters, in a feed that Apple Podcasts, Spotify and every podcast app can follow.
          </span>
        </div>
      ) : (
        <ul className="show-list">
          {sorted.map((show) => (
            <ShowRow key={show.id} show={show} />
          ))}
        </ul>
      )}
    </Card>
  );
}
