import { useEffect, useState } from 'react';
import type { Show } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { ConfirmDialog } from '../../ui/ConfirmDialog.js';
import { Icon } from '../../ui/Icon.js';
import { ArtworkCard } from './ArtworkCard.js';
import { DownloadsCard } from './DownloadsCard.js';
import { EpisodesCard } from './EpisodesCard.js';
import { FeedCard } from './FeedCard.js';
import { countLabel } from './podcasts-model.js';
import { openShow, showHref } from './route.js';
import { ShowSettingsForm } from './ShowSettingsForm.js';
import { Artwork } from './ShowList.js';
import { usePodcasts } from './store.js';

function DeleteShow({ show }: { show: Show }) {
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <button className="button danger-outline" data-testid="show-delete" onClick={() => setAsking(true)}>
        <Icon name="trash" size={14} /> Delete show
      </button>
      {asking && (
        <ConfirmDialog
          title="Delete this show?"
          confirmLabel="Delete show"
          danger
          busy={busy}
          onCancel={() => setAsking(false)}
          onConfirm={() => {
            setBusy(true);
            void usePodcasts.getState().deleteShow(show.id).then((ok) => {
              setBusy(false);
              setAsking(false);
              if (ok) openShow(null);
            });
          }}
        >
          <p>
            “{show.title}”, its {countLabel(show.episodes, 'episode')} and their audio files, its subscribers and its download counts are removed,
            and its feed answers 404: podcast apps following it stop finding new episodes. This cannot be undone.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}

/** One show: its episodes and downloads, its feed (or subscribers), artwork and settings. */
export function ShowPage({ id }: { id: string }) {
  const show = usePodcasts((s) => s.shows[id]);
  const [missing, setMissing] = useState(false);

  useEffect(() => {
    void usePodcasts.getState().fetchShow(id).then((found) => setMissing(!found));
  }, [id]);

  if (!show) {
    return (
      <div className="show-page">
        <a className="back-link" href={showHref(null)}><Icon name="back" size={16} /> Podcasts</a>
        <p className="muted show-missing" data-testid="show-missing">{missing ? 'This show does not exist (any more).' : 'Loading…'}</p>
      </div>
    );
  }
  return (
    <div className="show-page" data-testid={`show-page-${show.id}`}>
      <a className="back-link" href={showHref(null)} data-testid="show-back"><Icon name="back" size={16} /> Podcasts</a>
      <div className="show-head">
        <Artwork show={show} size={88} testId="show-head-artwork" />
        <div className="show-head-text">
          <h1 data-testid="show-page-title" title={show.title}>{show.title}</h1>
          <div className="show-head-facts muted small">
            <span>{show.author}</span>
            <span>{show.category}</span>
            <span>{show.language}</span>
            <span>{countLabel(show.episodes, 'episode')}</span>
            {show.private && <span className="badge badge-warn"><Icon name="lock" size={11} /> Private</span>}
            {show.explicit && <span className="badge badge-idle">Explicit</span>}
            {show.locked && <span className="badge badge-idle" title="podcast:locked: other platforms must not import the feed">Locked</span>}
          </div>
        </div>
        <DeleteShow show={show} />
      </div>
      <EpisodesCard show={show} />
      <div className="show-grid">
        <div className="show-main">
          <DownloadsCard show={show} />
          <Card title="Settings" testId="show-settings">
            <ShowSettingsForm show={show} />
          </Card>
        </div>
        <div className="show-side">
          <FeedCard show={show} />
          <ArtworkCard show={show} />
        </div>
      </div>
    </div>
  );
}
