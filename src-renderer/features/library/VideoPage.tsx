import { useEffect, useState } from 'react';
import type { Video } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { formatBytes } from '../dashboard/format.js';
import { useRunners } from '../edges/runners-store.js';
import { ChapterEditor } from './ChapterEditor.js';
import { DetailsForm } from './DetailsForm.js';
import { nextStep, resolutionOf, VIDEO_BADGE, VIDEO_STATE_WORDS } from './format.js';
import { videoHref } from './route.js';
import { useLibrary } from './store.js';
import { signedUrl, useSignedQuery } from './signed.js';
import { SubtitlesCard } from './SubtitlesCard.js';
import { Poster } from './VideoCard.js';
import { VideoActions } from './VideoActions.js';
import { VideoPlayer } from './VideoPlayer.js';
import { formatClock } from '../../../src-shared/dvr.js';

/** A private video plays from a signed URL (videos.watchUrl); the others from their plain paths. */
function usePlayableHls(v: Video | undefined): string | null {
  const query = useSignedQuery(v);
  if (!v?.urls || v.state !== 'ready' || query === null) return null;
  return signedUrl(v.urls.hls, query);
}

export function VideoPage({ id }: { id: string }) {
  const video = useLibrary((s) => s.videos[id]);
  const runnerNames = useRunners((s) => s.names);
  const loaded = useLibrary((s) => s.loaded);
  const [missing, setMissing] = useState(false);
  const [playhead, setPlayhead] = useState(0);
  const [seekTo, setSeekTo] = useState<{ sec: number; at: number } | null>(null);
  const hls = usePlayableHls(video);

  useEffect(() => {
    if (video || !loaded) return;
    void useLibrary.getState().fetch(id).then(() => setMissing(!useLibrary.getState().videos[id]));
  }, [id, video, loaded]);

  if (!video) {
    return (
      <div className="video-page">
        <a className="back-link" href={videoHref(null)}><Icon name="back" size={16} /> Library</a>
        <p className="muted" data-testid="video-missing">{missing ? 'This video does not exist (any more).' : 'Loading…'}</p>
      </div>
    );
  }
  const v = video;
  const facts = [
    v.durationSec !== null ? formatClock(v.durationSec) : null,
    resolutionOf(v),
    v.sizeBytes !== null ? formatBytes(v.sizeBytes) : null,
    v.fileName,
    v.source === 'recording' ? 'from a recording' : null,
  ].filter(Boolean);

  return (
    <div className="video-page" data-testid={`video-page-${v.id}`}>
      <div className="video-page-head">
        <a className="back-link" href={videoHref(null)} data-testid="video-back"><Icon name="back" size={16} /> Library</a>
        <div className="video-page-title">
          <h1 title={v.title}>{v.title}</h1>
          <span className={`badge ${VIDEO_BADGE[v.state]}`} title={VIDEO_STATE_WORDS[v.state]} data-testid="video-state" data-state={v.state}>{v.state}</span>
        </div>
        <div className="muted small video-facts">{facts.map((f) => <span key={f}>{f}</span>)}</div>
      </div>
      <div className="video-page-grid">
        <div className="video-page-main">
          {hls ? (
            <VideoPlayer video={v} hlsUrl={hls} onTime={setPlayhead} seekTo={seekTo} />
          ) : (
            <div className="video-pending" data-testid="video-pending">
              <Poster video={v} />
              <div className="video-pending-text">
                <strong>{nextStep(v, runnerNames)}</strong>
                {(v.state === 'processing' || v.state === 'queued') && (
                  <div className="meter"><div className="meter-fill" style={{ width: `${v.progress * 100}%` }} /></div>
                )}
                {v.error && <span className="muted small mono">{v.error.code}</span>}
              </div>
            </div>
          )}
          <ChapterEditor video={v} playhead={playhead} onJump={(sec) => setSeekTo({ sec, at: Date.now() })} />
        </div>
        <div className="video-page-side">
          <Card title="Details" testId="video-details">
            <DetailsForm video={v} />
          </Card>
          <SubtitlesCard video={v} />
          <VideoActions video={v} />
        </div>
      </div>
    </div>
  );
}
