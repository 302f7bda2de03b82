import { useEffect, useRef, useState } from 'react';
import type { Recording } from '../../../src-shared/contract/index.js';
import { Modal } from '../../ui/Modal.js';
import { createDashEngine } from '../streams/player/dash-engine.js';
import type { PreviewEngine } from '../streams/player/engine.js';
import { releaseVideo } from '../streams/player/engine.js';
import { createHlsEngine } from '../streams/player/hls-engine.js';
import { describeTracks } from './format.js';

type Source = 'hls' | 'dash' | 'file';

const SOURCE_WORDS: Record<Source, string> = { hls: 'VOD · HLS', dash: 'VOD · DASH', file: 'File' };

/** What this recording can be played from: the VOD once it is ready, the recorded file always. */
function sourcesOf(r: Recording): Source[] {
  const ready = r.vod.state === 'ready';
  return [...(ready && r.vod.hls ? (['hls'] as const) : []), ...(ready && r.vod.dash ? (['dash'] as const) : []), 'file'];
}

/** The VOD through the preview's own engines (hls.js, dash.js), or the file in a plain <video>. */
export function RecordingPlayer({ recording: r, onClose }: { recording: Recording; onClose(): void }) {
  const video = useRef<HTMLVideoElement>(null);
  const sources = sourcesOf(r);
  const [chosen, setChosen] = useState<Source>(sources[0] ?? 'file');
  const source = sources.includes(chosen) ? chosen : 'file';
  const [engineKind, setEngineKind] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const url = source === 'file' ? r.fileUrl : r.vod[source];

  useEffect(() => {
    const el = video.current;
    setError(null);
    setEngineKind(null);
    if (!el || !url) return;
    if (source === 'file') {
      const onError = () => setError(el.error?.message || `the browser cannot play this ${r.container.toUpperCase()} file; download it instead`);
      el.addEventListener('error', onError);
      el.src = url;
      setEngineKind('<video>');
      void el.play().catch(() => undefined);
      return () => {
        el.removeEventListener('error', onError);
        releaseVideo(el);
      };
    }
    let engine: PreviewEngine | null = null;
    let dead = false;
    const factory = source === 'hls' ? createHlsEngine : createDashEngine;
    factory(el, url, { onUpdate: () => undefined, onError: (message) => !dead && setError(message) }).then(
      (created) => {
        if (dead) return created.destroy();
        engine = created;
        setEngineKind(created.kind);
      },
      (err: unknown) => !dead && setError(err instanceof Error ? err.message : String(err)),
    );
    return () => {
      dead = true;
      engine?.destroy();
    };
  }, [source, url, r.container]);

  return (
    <Modal wide testId="recording-player" title={`${r.stream} · ${new Date(r.startedAt).toLocaleString()}`} onClose={onClose}>
      <div className="player-stage">
        <video ref={video} className="player-video" data-testid="recording-player-video" playsInline controls />
        {error && <div className="player-overlay player-overlay-error" data-testid="recording-player-error">{error}</div>}
      </div>
      <div className="player-bar">
        <div className="segmented" role="group" aria-label="Source">
          {sources.map((s) => (
            <button key={s} className={`segment ${source === s ? 'active' : ''}`} aria-pressed={source === s} data-testid={`recording-player-source-${s}`} onClick={() => setChosen(s)}>
              {SOURCE_WORDS[s]}
            </button>
          ))}
        </div>
        <dl className="player-stats">
          <dt>Tracks</dt>
          <dd>{describeTracks(r)}</dd>
          <dt>Player</dt>
          <dd data-testid="recording-player-engine">{engineKind ?? '—'}</dd>
        </dl>
      </div>
      {r.vod.state !== 'ready' && <p className="small">Make a VOD to play it with adaptive quality through HLS or DASH.</p>}
    </Modal>
  );
}
