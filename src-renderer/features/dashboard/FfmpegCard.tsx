import type { FfmpegInfo } from '../../../src-shared/contract/index.js';
import { useSession } from '../../app/session-store.js';
import { Card } from '../../ui/Card.js';
import { Icon } from '../../ui/Icon.js';
import { ffmpegAbilities, NEWER_FFMPEG, suggestNewer, type FfmpegAbility } from './ffmpeg-abilities.js';
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

/** What the studio can do with this build, then what it cannot and why. */
function Abilities({ abilities }: { abilities: FfmpegAbility[] }) {
  if (abilities.length === 0) return null;
  return (
    <ul className="abilities" data-testid="ffmpeg-abilities">
      {abilities.map((a) => (
        <li key={`${a.id}-${a.label}`} className={a.ok ? 'ability-ok' : 'ability-no'} data-testid={`ffmpeg-ability-${a.id}`} data-ok={a.ok}>
          <Icon name={a.ok ? 'check' : 'close'} size={14} />
          <span>
            {a.label}
            {!a.ok && <span className="muted">: {a.why}</span>}
          </span>
        </li>
      ))}
    </ul>
  );
}

/** How to get a build that can do more: the OS package, or FFMPEG_PATH. */
function NewerFfmpeg({ platform, fromEnv }: { platform: string; fromEnv: boolean }) {
  return (
    <div className="notice notice-info" data-testid="ffmpeg-newer">
      <Icon name="info" />
      <span>
        A newer ffmpeg does more. Install your system’s: <code>{NEWER_FFMPEG[platform] ?? NEWER_FFMPEG.linux}</code>
        {fromEnv ? (
          <>, then restart the studio without <code>FFMPEG_PATH</code> (it names this one), or with it set to the new binary.</>
        ) : (
          <>, then press Probe again (one on the PATH comes before the bundled build). Or start the studio with <code>FFMPEG_PATH</code> set to an ffmpeg binary.</>
        )}
      </span>
    </div>
  );
}

export function FfmpegCard() {
  const info = useDashboard((s) => s.ffmpeg);
  const probing = useDashboard((s) => s.probing);
  const probe = useDashboard((s) => s.probeFfmpeg);
  const platform = useSession((s) => s.info?.platform) ?? 'linux';
  const abilities = info ? ffmpegAbilities(info, platform) : [];
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
          <Abilities abilities={abilities} />
          {suggestNewer(info, abilities) && <NewerFfmpeg platform={platform} fromEnv={info.source === 'env'} />}
          {info.missing.length > 0 && (
            <details className="details" data-testid="ffmpeg-missing">
              <summary>What this build lacks, in detail ({info.missing.length})</summary>
              <ul className="warnings">
                {info.missing.map((line) => (
                  <li key={line} className="notice notice-warn"><Icon name="alert" /> {line}</li>
                ))}
              </ul>
            </details>
          )}
          <EncoderTable info={info} />
          {Object.keys(info.features).length > 0 && (
            <details className="details">
              <summary>Every probed feature ({Object.keys(info.features).length})</summary>
              <div className="chips" data-testid="ffmpeg-features">
                {Object.entries(info.features).map(([name, ok]) => (
                  <span key={name} className={`chip ${ok ? 'chip-ok' : 'chip-bad'}`} title={ok ? 'available' : 'missing'}>
                    {name}
                  </span>
                ))}
              </div>
            </details>
          )}
        </>
      )}
    </Card>
  );
}
