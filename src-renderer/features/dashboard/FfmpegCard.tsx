import type { FfmpegInfo } from '../../../src-shared/contract/index.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { useDashboard } from './store.js';

const SOURCE_WORDS: Record<NonNullable<FfmpegInfo['source']>, string> = {
  env: 'FFMPEG_PATH environment variable',
  path: 'found on the PATH',
  bundled: 'bundled with the studio (npm package)',
};

function YesNo({ value, title }: { value: boolean; title?: string | undefined }) {
  return (
    <span className={`badge ${value ? 'badge-ok' : 'badge-bad'}`} title={title}>
      {value ? 'yes' : 'no'}
    </span>
  );
}

/** Usable first, then those compiled in but failing, then the absent ones; the host's order within. */
function rank(e: FfmpegInfo['encoders'][number]): number {
  return e.usable ? 0 : e.compiledIn ? 1 : 2;
}

function EncoderTable({ info }: { info: FfmpegInfo }) {
  if (info.encoders.length === 0) return <p className="muted">No encoders were probed.</p>;
  const encoders = [...info.encoders].sort((a, b) => rank(a) - rank(b));
  return (
    <table className="table" data-testid="ffmpeg-encoders">
      <thead>
        <tr>
          <th>Encoder</th>
          <th>Codec</th>
          <th>Vendor</th>
          <th>Hardware</th>
          <th>Compiled in</th>
          <th>Usable</th>
        </tr>
      </thead>
      <tbody>
        {encoders.map((e) => (
          <tr key={e.name} data-testid={`ffmpeg-encoder-${e.name}`} data-usable={e.usable}>
            <td className="mono">{e.name}</td>
            <td>{e.codec}</td>
            <td>{e.vendor}</td>
            <td>{e.hardware ? 'GPU' : 'CPU'}</td>
            <td><YesNo value={e.compiledIn} /></td>
            <td>
              <YesNo value={e.usable} title={e.error ?? (e.probeMs !== undefined ? `trial encode took ${Math.round(e.probeMs)} ms` : undefined)} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function FfmpegCard() {
  const info = useDashboard((s) => s.ffmpeg);
  const probing = useDashboard((s) => s.probing);
  const probe = useDashboard((s) => s.probeFfmpeg);
  const action = (
    <button className="button" data-testid="ffmpeg-probe" disabled={probing} onClick={() => void probe()}>
      <Icon name="refresh" size={16} /> {probing ? 'Probing…' : 'Probe again'}
    </button>
  );
  return (
    <Card title="ffmpeg" actions={action} testId="ffmpeg-card" className="ffmpeg-card">
      {!info ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          {!info.found && (
            <div className="notice notice-bad" data-testid="ffmpeg-not-found">
              <Icon name="alert" /> ffmpeg was not found. {info.error}
            </div>
          )}
          <dl className="facts">
            <dt>Path</dt>
            <dd className="mono" data-testid="ffmpeg-path">{info.path ?? '—'}</dd>
            <dt>Source</dt>
            <dd data-testid="ffmpeg-source">{info.source ? SOURCE_WORDS[info.source] : '—'}</dd>
            <dt>Version</dt>
            <dd data-testid="ffmpeg-version">{info.version ?? '—'}</dd>
            <dt>Probed</dt>
            <dd>
              {info.probedAt === null ? 'never' : new Date(info.probedAt).toLocaleString()}
              {info.cached && <span className="muted"> (from cache)</span>}
            </dd>
          </dl>
          {info.found && info.error && <div className="notice notice-bad">{info.error}</div>}
          {info.missing.length > 0 && (
            <ul className="warnings" data-testid="ffmpeg-missing">
              {info.missing.map((line) => (
                <li key={line} className="notice notice-warn"><Icon name="alert" /> {line}</li>
              ))}
            </ul>
          )}
          <EncoderTable info={info} />
          {Object.keys(info.features).length > 0 && (
            <div className="chips" data-testid="ffmpeg-features">
              {Object.entries(info.features).map(([name, ok]) => (
                <span key={name} className={`chip ${ok ? 'chip-ok' : 'chip-bad'}`} title={ok ? 'available' : 'missing'}>
                  {name}
                </span>
              ))}
            </div>
          )}
        </>
      )}
    </Card>
  );
}
