import type { RunnerInfo, Video } from '../../../src-shared/contract/index.js';
import { videoHref } from '../library/route.js';
import { streamHref } from '../streams/route.js';
import { ago } from './model.js';
import { connectedFor, loadOf, runnerJobs, shortEncoders, slotsLine } from './runners-model.js';

/** The connected transcoding runners: capacity, load, what each is working on, and its remove button. */
export function RunnerList({
  runners,
  videos,
  now,
  onRemove,
  onDecommission,
}: {
  runners: RunnerInfo[];
  videos: Readonly<Record<string, Video>>;
  now: number;
  onRemove(runner: RunnerInfo): void;
  /** Stop and uninstall it over SSH. */
  onDecommission(runner: RunnerInfo): void;
}) {
  return (
    <table className="table runner-table" data-testid="runners-table">
      <thead>
        <tr>
          <th>Runner</th><th>Slots</th><th>CPU</th><th>Encoders</th><th className="runner-jobs-head">Jobs</th><th>Done</th><th>Connected</th><th />
        </tr>
      </thead>
      <tbody>
        {runners.map((r) => (
          <RunnerRow key={r.id} runner={r} videos={videos} now={now} onRemove={() => onRemove(r)} onDecommission={() => onDecommission(r)} />
        ))}
      </tbody>
    </table>
  );
}

function RunnerRow({ runner: r, videos, now, onRemove, onDecommission }: { runner: RunnerInfo; videos: Readonly<Record<string, Video>>; now: number; onRemove(): void; onDecommission(): void }) {
  const load = loadOf(r.load);
  const encoders = shortEncoders(r.encoders);
  const jobs = runnerJobs(r, videos);
  return (
    <tr data-testid={`runner-row-${r.id}`} data-name={r.name}>
      <td>
        <div className="runner-name" data-testid={`runner-name-${r.id}`}>{r.name}</div>
        <div className="muted small">
          <span data-testid={`runner-address-${r.id}`}>{r.address}</span> · <span data-testid={`runner-version-${r.id}`} title={`ffmpeg ${r.ffmpeg}`}>v{r.version}</span>
        </div>
      </td>
      <td>
        <div className="runner-num" data-testid={`runner-slots-${r.id}`} title="Jobs running / jobs it runs at once">{slotsLine(r)}</div>
        <div className="muted small">{r.cores} {r.cores === 1 ? 'core' : 'cores'}</div>
      </td>
      <td data-testid={`runner-load-${r.id}`}>
        {load ? (
          <div className="runner-load" title="CPU load of all its cores">
            <span className="runner-num">{load.text}</span>
            <div className={`runner-meter ${load.share >= 0.9 ? 'runner-load-high' : ''}`}><div className="runner-meter-fill" style={{ width: `${load.share * 100}%` }} /></div>
          </div>
        ) : (
          <span className="muted" title="Until its first heartbeat">—</span>
        )}
      </td>
      <td className="runner-encoders-cell" data-testid={`runner-encoders-${r.id}`} title={r.encoders.join(', ')}>
        {encoders.shown.length === 0 ? (
          <span className="muted small">none found</span>
        ) : (
          <div className="runner-encoders">
            {encoders.shown.map((e) => <span key={e} className="badge badge-idle mono">{e}</span>)}
            {encoders.more > 0 && <span className="muted small">+{encoders.more}</span>}
          </div>
        )}
      </td>
      <td className="runner-jobs-cell">
        {jobs.length === 0 ? (
          <span className="muted small" data-testid={`runner-idle-${r.id}`}>Idle</span>
        ) : (
          <ul className="runner-jobs" data-testid={`runner-jobs-${r.id}`}>
            {jobs.map((j) =>
              j.stream !== null ? (
                <li key={j.jobId} className="runner-job" data-testid={`runner-job-${j.jobId}`}>
                  <div className="runner-job-head">
                    <a className="runner-job-video" href={streamHref(j.stream)} data-testid={`runner-job-stream-${j.jobId}`} title={`The live ladder of stream ${j.stream}`}>
                      Live: {j.stream}
                    </a>
                    <span className="badge badge-live" data-testid={`runner-job-step-${j.jobId}`} title="Encoding the stream's ladder">{j.step ?? 'starting'}</span>
                  </div>
                </li>
              ) : (
              <li key={j.jobId} className="runner-job" data-testid={`runner-job-${j.jobId}`}>
                <div className="runner-job-head">
                  <a className="runner-job-video" href={videoHref(j.videoId)} data-testid={`runner-job-video-${j.jobId}`} title={j.title ? `${j.title} (${j.videoId})` : j.videoId}>
                    {j.title ?? <span className="mono">{j.videoId}</span>}
                  </a>
                  <span className="badge badge-accent" data-testid={`runner-job-step-${j.jobId}`} title="The step running now">{j.step ?? 'starting'}</span>
                  <span className="runner-num small" data-testid={`runner-job-progress-${j.jobId}`}>{Math.floor(j.progress * 100)} %</span>
                </div>
                <div className="runner-meter" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.floor(j.progress * 100)}>
                  <div className="runner-meter-fill" style={{ width: `${Math.max(2, j.progress * 100)}%` }} />
                </div>
                {j.title && <div className="muted small mono">{j.videoId}</div>}
              </li>
              ),
            )}
          </ul>
        )}
      </td>
      <td>
        <div className="runner-num" data-testid={`runner-done-${r.id}`}>{r.done}</div>
        <div className={`small ${r.failed > 0 ? 'runner-failed' : 'muted'}`} data-testid={`runner-failed-${r.id}`}>{r.failed} failed</div>
      </td>
      <td title={`Last heard from ${ago(r.lastSeenAt, now)}`}>
        <div className="runner-num" data-testid={`runner-connected-${r.id}`}>{connectedFor(r.connectedAt, now)}</div>
        <div className="muted small">since {new Date(r.connectedAt).toLocaleTimeString()}</div>
      </td>
      <td>
        <div className="edge-actions">
          <button className="button danger-outline small-button" data-testid={`runner-remove-${r.id}`} onClick={onRemove}>
            Remove
          </button>
          <button className="button ghost small-button" data-testid={`runner-decommission-${r.id}`} title="Stop it and uninstall it over SSH" onClick={onDecommission}>
            Decommission
          </button>
        </div>
      </td>
    </tr>
  );
}
