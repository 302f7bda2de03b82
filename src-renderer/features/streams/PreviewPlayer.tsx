import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { Rendition } from '../../../src-shared/contract/index.js';
import { dvrPosition, formatLatency } from '../../../src-shared/dvr.js';
import { LATENCY_BEACON_MS, sendBeacon } from './player/beacon.js';
import { createDashEngine } from './player/dash-engine.js';
import { DvrBar } from './player/DvrBar.js';
import type { PlayerLevel, PreviewEngine } from './player/engine.js';
import { createHlsEngine } from './player/hls-engine.js';
import { createWebRtcEngine } from './player/webrtc-engine.js';
import { SEEK_STEP_SEC, useDvr } from './player/use-dvr.js';
import { endpointOf } from '../../studio/output/webrtc-client.js';
import { formatKbps, formatMs } from './format.js';

export type Protocol = 'hls' | 'dash' | 'webrtc';

interface Snapshot {
  kind: PreviewEngine['kind'] | null;
  levels: PlayerLevel[];
  current: number | null;
  latencySec: number | null;
}

const EMPTY: Snapshot = { kind: null, levels: [], current: null, latencySec: null };
const RETRY_MS = 3000;

const read = (engine: PreviewEngine): Snapshot => ({
  kind: engine.kind,
  levels: engine.levels(),
  current: engine.currentLevel(),
  latencySec: engine.latencySec(),
});

/** A player level under the host's rendition id (`source`, `480p`), matched by height, so it reads as in the table. */
function nameLevel(level: PlayerLevel, renditions: readonly Rendition[]): string {
  const rendition = renditions.find((r) => r.height === level.height);
  return rendition ? `${rendition.id} · ${formatKbps(level.bitrateKbps)}` : level.label;
}

interface PreviewPlayerProps {
  urls: { hls: string; dash: string } | null;
  /** Playing only makes sense while live; a new live session (stateAt) starts a fresh player. */
  live: boolean;
  session: number;
  renditions: readonly Rendition[];
}

export function PreviewPlayer({ urls, live, session, renditions }: PreviewPlayerProps) {
  const video = useRef<HTMLVideoElement>(null);
  const engineRef = useRef<PreviewEngine | null>(null);
  const [protocol, setProtocol] = useState<Protocol>('hls');
  const [level, setLevel] = useState(-1);
  const [snap, setSnap] = useState<Snapshot>(EMPTY);
  const [startupMs, setStartupMs] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const url = urls ? (protocol === 'webrtc' ? endpointOf(urls.hls, 'whep') : urls[protocol]) : null;

  useEffect(() => {
    const el = video.current;
    setSnap(EMPTY);
    setLevel(-1);
    setStartupMs(null);
    if (!el || !url || !live) return;
    let engine: PreviewEngine | null = null;
    let dead = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const started = performance.now();
    const onPlaying = () => {
      const ms = performance.now() - started;
      setStartupMs(ms);
      setError(null);
      // Startup is the HLS/DASH figure (one median for both); WebRTC reports only its latency.
      if (protocol !== 'webrtc') sendBeacon(url, engine?.sessionId() ?? null, { startupMs: ms });
    };
    el.addEventListener('playing', onPlaying, { once: true });
    const fail = (message: string) => {
      if (dead) return;
      dead = true;
      setError(message);
      engine?.destroy();
      engine = engineRef.current = null;
      retry = setTimeout(() => setAttempt((a) => a + 1), RETRY_MS);
    };
    const factory = protocol === 'hls' ? createHlsEngine : protocol === 'dash' ? createDashEngine : createWebRtcEngine;
    factory(el, url, { onUpdate: () => engine && !dead && setSnap(read(engine)), onError: fail }).then(
      (created) => {
        if (dead) return created.destroy();
        engine = engineRef.current = created;
        setSnap(read(created));
      },
      (err: unknown) => fail(err instanceof Error ? err.message : String(err)),
    );
    const poll = setInterval(() => engine && setSnap(read(engine)), 1000);
    // Latency is reported only at live and read from a clock: a rewound viewer is not late.
    const report = setInterval(() => {
      const latency = engine?.wallClockLatencySec() ?? null;
      const seekWindow = engine?.dvr() ?? null;
      const atLive = !seekWindow || dvrPosition(seekWindow, el.currentTime).atLive;
      if (engine && latency !== null && atLive && !el.paused) sendBeacon(url, engine.sessionId(), { latencyMs: latency * 1000 });
    }, LATENCY_BEACON_MS);
    return () => {
      dead = true;
      clearInterval(poll);
      clearInterval(report);
      clearTimeout(retry);
      el.removeEventListener('playing', onPlaying);
      engine?.destroy();
      engineRef.current = null;
    };
  }, [protocol, url, live, session, attempt]);

  const choose = (index: number) => {
    setLevel(index);
    engineRef.current?.setLevel(index);
  };
  const current = snap.current === null ? null : snap.levels[snap.current];
  const dvr = useDvr(engineRef, video);
  const rewound = dvr.position !== null && !dvr.position.atLive;
  const onKey = (e: KeyboardEvent) => {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    const act = { ArrowLeft: () => dvr.seekBy(-SEEK_STEP_SEC), ArrowRight: () => dvr.seekBy(SEEK_STEP_SEC), End: dvr.goLive }[e.key];
    if (!act) return;
    e.preventDefault();
    act();
  };

  return (
    <div className="player">
      {/* Focusable so that the arrows seek (10 s) and End goes live, as on the player page. */}
      <div className="player-stage" tabIndex={live ? 0 : -1} data-testid="player-stage" onKeyDown={onKey} aria-label="Preview: arrows seek 10 s, End goes live">
        <video ref={video} className="player-video" data-testid="player-video" muted playsInline controls={live} />
        {!live && <div className="player-overlay">Offline. The preview starts when a publisher connects.</div>}
        {live && error && <div className="player-overlay player-overlay-error" data-testid="player-error">{error}. Retrying…</div>}
      </div>
      {live && <DvrBar position={dvr.position} onSeek={dvr.seekTo} onLive={dvr.goLive} />}
      <div className="player-bar">
        <div className="segmented" role="group" aria-label="Protocol">
          {(['hls', 'dash', 'webrtc'] as const).map((p) => (
            <button key={p} className={`segment ${protocol === p ? 'active' : ''}`} aria-pressed={protocol === p} data-testid={`player-protocol-${p}`} onClick={() => setProtocol(p)}>
              {p === 'webrtc' ? 'WebRTC' : p.toUpperCase()}
            </button>
          ))}
        </div>
        <label className="player-field">
          <span className="muted small">Rendition</span>
          <select className="input input-compact" data-testid="player-rendition" value={level} disabled={snap.levels.length === 0} onChange={(e) => choose(Number(e.target.value))}>
            <option value={-1}>Auto</option>
            {snap.levels.map((l) => (
              <option key={l.index} value={l.index}>{nameLevel(l, renditions)}</option>
            ))}
          </select>
        </label>
        <dl className="player-stats">
          <dt>Playing</dt>
          <dd data-testid="player-current-rendition">{current ? `${nameLevel(current, renditions)}${level < 0 ? ' (auto)' : ''}` : '—'}</dd>
          <dt>Latency</dt>
          <dd data-testid="player-latency" title={rewound ? 'Rewound: latency is measured at live' : undefined}>{rewound ? '—' : formatLatency(snap.latencySec)}</dd>
          <dt>Startup</dt>
          <dd data-testid="player-startup">{formatMs(startupMs)}</dd>
          <dt>Player</dt>
          <dd data-testid="player-engine">{snap.kind ?? '—'}</dd>
        </dl>
      </div>
    </div>
  );
}
