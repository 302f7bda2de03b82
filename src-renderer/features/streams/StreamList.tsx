import { useMemo } from 'react';
import type { Stream, StreamStats } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { formatDuration, formatKbps, LADDER_WORDS } from './format.js';
import { streamHref } from './route.js';
import { StateBadge } from './StateBadge.js';
import { sortStreams, useStreams } from './store.js';

/** Live numbers from `stream.stats` while live; the stream's own snapshot until the first event. */
export function liveNumbers(stream: Stream, stats: StreamStats | undefined) {
  if (stream.state !== 'live') return null;
  return {
    viewers: stats?.viewers ?? stream.live?.viewers ?? 0,
    bitrateIn: stats?.bitrateInKbps ?? stream.live?.bitrateInKbps ?? 0,
    uptimeSec: stats?.uptimeSec ?? stream.live?.uptimeSec ?? 0,
  };
}

function Row({ stream, selected }: { stream: Stream; selected: boolean }) {
  const stats = useStreams((s) => s.stats[stream.name]);
  const live = liveNumbers(stream, stats);
  return (
    <tr className={`clickable ${selected ? 'selected' : ''}`} data-testid={`stream-row-${stream.name}`} onClick={() => (window.location.hash = streamHref(stream.name))}>
      <td>
        <a href={streamHref(stream.name)} className="stream-name" onClick={(e) => e.stopPropagation()}>
          {stream.name}
        </a>
        {stream.private && (
          <span className="private-mark" title="Private: playback needs a signed URL">
            <Icon name="lock" size={13} />
          </span>
        )}
      </td>
      <td><StateBadge stream={stream} /></td>
      <td title={LADDER_WORDS[stream.ladder].explain}>{LADDER_WORDS[stream.ladder].label}</td>
      <td className="num" data-testid={`stream-viewers-${stream.name}`}>{live ? live.viewers : '—'}</td>
      <td className="num" data-testid={`stream-bitrate-${stream.name}`}>{live ? formatKbps(live.bitrateIn) : '—'}</td>
      <td className="num" data-testid={`stream-uptime-${stream.name}`}>{live ? formatDuration(live.uptimeSec) : '—'}</td>
    </tr>
  );
}

export function StreamList({ selected }: { selected: string | null }) {
  const streams = useStreams((s) => s.streams);
  const loaded = useStreams((s) => s.loaded);
  const sorted = useMemo(() => sortStreams(streams), [streams]);
  return (
    <Card title={<>Streams <span className="muted">{sorted.length || ''}</span></>} testId="stream-list" className="stream-list-card">
      {!loaded ? (
        <p className="muted">Loading…</p>
      ) : sorted.length === 0 ? (
        <p className="muted" data-testid="streams-empty">
          No streams yet. Create one with the form: you get a stream key to paste into OBS or ffmpeg.
        </p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>State</th>
              <th>Ladder</th>
              <th className="num">Viewers</th>
              <th className="num">Bitrate in</th>
              <th className="num">Uptime</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((stream) => (
              <Row key={stream.name} stream={stream} selected={stream.name === selected} />
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
