import { needsCredential } from './format.js';
import { useEffect, useState } from 'react';
import { Card } from '../../ui/Card.js';
import { ChatCard } from '../chat/ChatCard.js';
import { DestinationsCard } from './destinations/DestinationsCard.js';
import { formatDuration, formatKbps, STATE_WORDS } from './format.js';
import { LatencyCard } from './LatencyCard.js';
import { AccessCard } from './AccessCard.js';
import { PlaybackUrls } from './PlaybackUrls.js';
import { PreviewPlayer } from './PreviewPlayer.js';
import { PublishFromBrowser } from './PublishFromBrowser.js';
import { StateBadge } from './StateBadge.js';
import { StreamActions } from './StreamActions.js';
import { StreamCharts } from './StreamCharts.js';
import { StreamData } from './StreamData.js';
import { PublisherInfo, RenditionsTable } from './StreamFacts.js';
import { liveNumbers } from './StreamList.js';
import { useStreams, type SignedUrls } from './store.js';
import { ViewerBreakdown } from './ViewerBreakdown.js';

const NO_RENDITIONS: never[] = [];

/** Renditions and tracks are known a few seconds after a publish starts: ask again meanwhile. */
const REFRESH_WHILE_LIVE_MS = 5000;
/** Ask for fresh signed URLs this long before the ones in use expire. */
const SIGN_MARGIN_MS = 60_000;
const PREVIEW_SIGN_SEC = 3600;

/** The preview's own signed URLs (a private stream), renewed before they expire; shared ones are apart. */
function usePreviewUrls(name: string, isPrivate: boolean, live: boolean) {
  const playback = useStreams((s) => s.streams[name]?.playback);
  const signUrls = useStreams((s) => s.signUrls);
  const [signed, setSigned] = useState<SignedUrls | null>(null);
  useEffect(() => {
    if (!isPrivate || !live) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const renew = async () => {
      const urls = await signUrls(name, PREVIEW_SIGN_SEC, false);
      if (stopped) return;
      if (urls) setSigned(urls);
      timer = setTimeout(() => void renew(), urls ? urls.expiresAt - Date.now() - SIGN_MARGIN_MS : SIGN_MARGIN_MS);
    };
    void renew();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [name, isPrivate, live, signUrls]);
  if (!isPrivate) return playback ?? null;
  return signed && live ? { hls: signed.hls, dash: signed.dash } : null;
}

export function StreamDetail({ name }: { name: string }) {
  const stream = useStreams((s) => s.streams[name]);
  const stats = useStreams((s) => s.stats[name]);
  const loaded = useStreams((s) => s.loaded);
  const refresh = useStreams((s) => s.refresh);
  const live = stream?.state === 'live';
  const urls = usePreviewUrls(name, stream ? needsCredential(stream) : false, live);

  useEffect(() => {
    void refresh(name);
    if (!live) return;
    const timer = setInterval(() => void refresh(name), REFRESH_WHILE_LIVE_MS);
    return () => clearInterval(timer);
  }, [name, live, refresh]);

  if (!stream) {
    return <Card title={name}><p className="muted" data-testid="stream-missing">{loaded ? 'No stream by this name: it may have been deleted.' : 'Loading…'}</p></Card>;
  }
  const numbers = liveNumbers(stream, stats);
  return (
    <div className="stream-detail" data-testid={`stream-detail-${name}`}>
      <div className="stream-detail-head">
        <div>
          <h2 className="stream-title">{stream.name} <StateBadge stream={stream} testId="stream-detail-state" /></h2>
          <div className="muted small">
            {STATE_WORDS[stream.state]}
            {stream.stateReason ? ` — ${stream.stateReason}` : ''}
            {numbers && ` · up ${formatDuration(numbers.uptimeSec)} · ${numbers.viewers} watching · ${formatKbps(numbers.bitrateIn)} in`}
            {numbers && stats?.packager.speed != null && ` · packager ${stats.packager.speed.toFixed(2)}×`}
            {numbers && stats && stats.packager.restarts > 0 && ` · ${stats.packager.restarts} packager restarts`}
            {numbers && stream.live?.encodedOn && stream.live.encodedOn !== 'origin' && ` · encoding on runner ${stream.live.encodedOn}`}
          </div>
        </div>
        <StreamActions stream={stream} />
      </div>
      <div className="stream-detail-grid">
        <Card title="Preview" testId="stream-preview" className="preview-card">
          <PreviewPlayer urls={urls} live={live} session={stream.stateAt} renditions={stream.live?.renditions ?? NO_RENDITIONS} />
        </Card>
        <div className="stream-side">
          <ChatCard name={name} />
          <PublisherInfo live={stream.live} />
          <LatencyCard stream={stream} />
          <AccessCard stream={stream} />
          <ViewerBreakdown name={name} />
          <PublishFromBrowser hlsUrl={stream.playback?.hls} live={live} />
        </div>
      </div>
      <StreamCharts name={name} />
      <StreamData name={name} />
      <RenditionsTable live={stream.live} />
      <DestinationsCard stream={stream} />
      <PlaybackUrls stream={stream} />
    </div>
  );
}
