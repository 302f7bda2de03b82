import type { Stream } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { formatKbps } from './format.js';

type Live = NonNullable<Stream['live']>;

/** The adaptive ladder of the current session: what the packager makes of the source. */
export function RenditionsTable({ live }: { live: Live | null }) {
  const renditions = live?.renditions ?? [];
  return (
    <Card title="Renditions" testId="stream-renditions">
      {renditions.length === 0 ? (
        <p className="muted">{live ? 'The packager is starting…' : 'Known once a publisher connects.'}</p>
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>Id</th>
              <th>Size</th>
              <th className="num">Video</th>
              <th className="num">Audio</th>
              <th>Codec</th>
              <th>Mode</th>
            </tr>
          </thead>
          <tbody>
            {renditions.map((r) => (
              <tr key={r.id} data-testid={`rendition-${r.id}`}>
                <td className="mono">{r.id}</td>
                <td>{r.width}×{r.height}</td>
                <td className="num">{formatKbps(r.videoBitrateKbps)}</td>
                <td className="num">{formatKbps(r.audioBitrateKbps)}</td>
                <td>{r.videoCodec}</td>
                <td>
                  <span className={`badge ${r.copy ? 'badge-ok' : 'badge-accent'}`} title={r.copy ? 'The source, passed through' : 'Re-encoded by ffmpeg'}>
                    {r.copy ? 'copy' : 'encoded'}
                  </span>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}

/** Who publishes, from where, and what they send. */
export function PublisherInfo({ live }: { live: Live | null }) {
  const video = live?.tracks.video;
  const audio = live?.tracks.audio;
  return (
    <Card title="Publisher" testId="stream-publisher">
      {!live ? (
        <p className="muted">Nobody is publishing.</p>
      ) : (
        <dl className="facts">
          <dt>Protocol</dt>
          <dd data-testid="publisher-protocol">{live.publisher.protocol}</dd>
          <dt>Address</dt>
          <dd className="mono">{live.publisher.remoteAddress}</dd>
          <dt>Video</dt>
          <dd data-testid="publisher-video">
            {video ? `${video.codec} · ${video.width}×${video.height} · ${Math.round(video.fps * 100) / 100} fps${video.bitrateKbps ? ` · ${formatKbps(video.bitrateKbps)}` : ''}` : 'none'}
          </dd>
          <dt>Audio</dt>
          <dd data-testid="publisher-audio">
            {audio ? `${audio.codec} · ${audio.sampleRate / 1000} kHz · ${audio.channels === 2 ? 'stereo' : `${audio.channels} ch`}${audio.bitrateKbps ? ` · ${formatKbps(audio.bitrateKbps)}` : ''}` : 'none'}
          </dd>
          <dt>Dropped chunks</dt>
          <dd title="Chunks a slow reader (the packager) could not take in time">{live.droppedChunks}</dd>
        </dl>
      )}
    </Card>
  );
}
