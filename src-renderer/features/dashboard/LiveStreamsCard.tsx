import { useEffect, useMemo } from 'react';
import { Card } from '../../ui/Card.js';
import { formatDuration, formatKbps } from '../streams/format.js';
import { streamHref } from '../streams/route.js';
import { sortStreams, useStreams } from '../streams/store.js';

/** The streams on air now, each linking to its detail; numbers from `stream.stats` events. */
export function LiveStreamsCard() {
  const streams = useStreams((s) => s.streams);
  const stats = useStreams((s) => s.stats);
  const loaded = useStreams((s) => s.loaded);
  const load = useStreams((s) => s.load);
  useEffect(() => {
    if (!loaded) void load();
  }, [loaded, load]);
  const live = useMemo(() => sortStreams(streams).filter((s) => s.state === 'live'), [streams]);

  return (
    <Card title={<>Live now <span className="muted">{live.length || ''}</span></>} testId="live-streams-card">
      {live.length === 0 ? (
        <p className="muted" data-testid="live-streams-empty">
          Nothing is live. To start, <a href={streamHref(null)}>create a stream on the Streams page</a>, then paste its
          server and key into OBS (or run the ffmpeg line it shows) and start streaming.
        </p>
      ) : (
        <ul className="live-list">
          {live.map((stream) => {
            const s = stats[stream.name];
            return (
              <li key={stream.name} data-testid={`live-stream-${stream.name}`}>
                <a href={streamHref(stream.name)} className="live-item">
                  <span className="live-dot" aria-hidden="true" />
                  <span className="live-name">{stream.name}</span>
                  <span className="live-meta" title="Uptime">{formatDuration(s?.uptimeSec ?? stream.live?.uptimeSec)}</span>
                  <span className="live-meta" title="Viewers">{s?.viewers ?? stream.live?.viewers ?? 0} watching</span>
                  <span className="live-meta" title="Bitrate in">{formatKbps(s?.bitrateInKbps ?? stream.live?.bitrateInKbps)}</span>
                </a>
              </li>
            );
          })}
        </ul>
      )}
    </Card>
  );
}
