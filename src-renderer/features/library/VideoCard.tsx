import { useState } from 'react';
import type { Video } from '../../../src-shared/contract/index.js';
import { formatClock } from '../../../src-shared/dvr.js';
import { Icon } from '../../ui/Icon.js';
import { useRunners } from '../edges/runners-store.js';
import { formatViews, nextStep, VIDEO_BADGE, VIDEO_STATE_WORDS, VISIBILITY_WORDS } from './format.js';
import { videoHref } from './route.js';
import { signedUrl, useSignedQuery } from './signed.js';

/** The poster (signed for a private video), or a placeholder while there is none yet (or it failed to load). */
export function Poster({ video }: { video: Video }) {
  const [broken, setBroken] = useState(false);
  const query = useSignedQuery(video);
  const url = video.urls?.poster && query !== null ? signedUrl(video.urls.poster, query) : null;
  if (!url || broken) {
    return (
      <div className="video-poster video-poster-empty" aria-hidden="true">
        <Icon name={video.state === 'failed' ? 'alert' : 'film'} size={26} />
      </div>
    );
  }
  return <img className="video-poster" src={url} alt="" loading="lazy" onError={() => setBroken(true)} />;
}

/** A share of work done (0..1) as a thin bar along the poster's bottom edge. */
function PosterProgress({ value }: { value: number }) {
  return (
    <div className="video-poster-progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(value * 100)}>
      <div style={{ width: `${Math.max(2, value * 100)}%` }} />
    </div>
  );
}

export function VideoCard({ video: v }: { video: Video }) {
  const runnerNames = useRunners((s) => s.names);
  const working = v.state === 'uploading' || v.state === 'queued' || v.state === 'processing';
  const share = v.state === 'uploading' ? (v.upload?.size ? v.upload.offset / v.upload.size : 0) : v.progress;
  return (
    <li className="video-card" data-testid={`video-card-${v.id}`} data-state={v.state}>
      <a className="video-card-link" href={videoHref(v.id)} aria-label={v.title}>
        <div className="video-poster-frame">
          <Poster video={v} />
          {v.state !== 'ready' && (
            <span className={`badge ${VIDEO_BADGE[v.state]} video-poster-badge`} title={VIDEO_STATE_WORDS[v.state]} data-testid={`video-state-${v.id}`} data-state={v.state}>
              {v.state}
            </span>
          )}
          {v.durationSec !== null && <span className="video-duration">{formatClock(v.durationSec)}</span>}
          {working && <PosterProgress value={share} />}
        </div>
        <div className="video-card-body">
          <div className="video-card-title" title={v.title}>{v.title}</div>
          {v.state === 'ready' ? (
            <div className="video-card-meta muted small">
              <span>{formatViews(v.views)}</span>
              <span>{new Date(v.createdAt).toLocaleDateString()}</span>
              {v.visibility !== 'public' && (
                <span className="video-visibility" title={VISIBILITY_WORDS[v.visibility].explain}>
                  <Icon name={v.visibility === 'private' ? 'lock' : 'link'} size={12} /> {VISIBILITY_WORDS[v.visibility].label}
                </span>
              )}
            </div>
          ) : (
            <div className={`video-card-meta small ${v.state === 'failed' ? 'video-card-failed' : 'muted'}`} data-testid={`video-next-${v.id}`}>
              {nextStep(v, runnerNames)}
            </div>
          )}
        </div>
      </a>
    </li>
  );
}
