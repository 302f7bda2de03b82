import { useEffect, useState } from 'react';
import type { Episode, Show } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { useNow } from '../recordings/use-now.js';
import { EpisodeDialog } from './EpisodeDialog.js';
import { EpisodeRow } from './EpisodeRow.js';
import { isEncoding } from './podcasts-model.js';
import { usePodcasts } from './store.js';

/** Asked again this often while an episode's audio is queued or encoding (podcasts send no events yet). */
const POLL_MS = 2000;
const NO_EPISODES: Episode[] = [];

/** The show's episodes, refreshed every 2 s while any is being encoded. */
function useEpisodes(showId: string): Episode[] | null {
  const episodes = usePodcasts((s) => s.episodes[showId] ?? null);
  const encoding = episodes?.some(isEncoding) ?? false;
  useEffect(() => {
    void usePodcasts.getState().loadEpisodes(showId);
  }, [showId]);
  useEffect(() => {
    if (!encoding) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    // One request at a time: the next is asked once the last is answered.
    const tick = async () => {
      await usePodcasts.getState().loadEpisodes(showId);
      if (!stopped) timer = setTimeout(() => void tick(), POLL_MS);
    };
    timer = setTimeout(() => void tick(), POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [showId, encoding]);
  return episodes;
}

export function EpisodesCard({ show }: { show: Show }) {
  const episodes = useEpisodes(show.id);
  const [adding, setAdding] = useState(false);
  // Scheduled episodes turn published on their own: the statuses follow the clock.
  const now = useNow(true, 30_000);
  const list = episodes ?? NO_EPISODES;
  return (
    <Card
      title={<>Episodes <span className="muted">{list.length || ''}</span></>}
      testId="show-episodes"
      actions={
        <button className="button primary" data-testid="episode-add" onClick={() => setAdding(true)}>
          <Icon name="plus" size={16} /> Add episode
        </button>
      }
    >
      {episodes === null ? (
        <p className="muted">Loading…</p>
      ) : list.length === 0 ? (
        <div className="podcasts-empty podcasts-empty-small" data-testid="episodes-empty">
          <strong>No episodes yet</strong>
          <span className="muted">
            Add one from a ready library video or recording: its sound is made into an MP3 and an M4A at −16 LUFS, with its chapters and the show's
            artwork.
          </span>
          <button className="button" onClick={() => setAdding(true)}><Icon name="plus" size={14} /> Add the first episode</button>
        </div>
      ) : (
        <div className="table-scroll">
          <table className="table episode-table" data-testid="episode-table">
            <thead>
              <tr>
                <th>Episode</th>
                <th>Status</th>
                <th>Audio</th>
                <th className="num">Length</th>
                <th className="num">Downloads</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {list.map((ep) => (
                <EpisodeRow key={ep.id} show={show} ep={ep} now={now} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      {adding && <EpisodeDialog show={show} onClose={() => setAdding(false)} />}
    </Card>
  );
}
