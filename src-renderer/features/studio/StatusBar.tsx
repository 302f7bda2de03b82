import { useEffect, useState } from 'react';
import type { EncoderStats } from '../../studio/output/encoder-stats.js';
import type { StudioEngine } from '../../studio/engine.js';

/** What the program's encoder does, once a second while live. */
export function StatusBar({ engine, live }: { engine: StudioEngine | null; live: boolean }) {
  const [stats, setStats] = useState<EncoderStats | null>(null);
  const [composed, setComposed] = useState(0);
  useEffect(() => {
    if (!engine) return;
    let last = engine.programFrames;
    const timer = setInterval(() => {
      setComposed(engine.programFrames - last);
      last = engine.programFrames;
      void engine.encoderStats().then(setStats, () => setStats(null));
    }, 1000);
    return () => clearInterval(timer);
  }, [engine]);
  const state = engine?.output?.state ?? 'idle';
  return (
    <footer className="studio-status" data-testid="studio-status" data-state={state}>
      <span className={`status-dot ${state}`} />
      <span data-testid="status-state">{state === 'live' ? 'LIVE' : state === 'connecting' ? 'Connecting…' : state === 'failed' ? `Failed: ${engine?.output?.error ?? ''}` : 'Not live'}</span>
      <span>Composed {composed} fps</span>
      {live && stats && (
        <>
          <span data-testid="status-fps">Sent {stats.fps.toFixed(0)} fps</span>
          <span data-testid="status-dropped">Dropped {stats.framesDropped}</span>
          <span data-testid="status-encoder">{stats.codec} · {stats.encoder}{stats.hardware === null ? '' : stats.hardware ? ' (hardware)' : ' (software)'}</span>
          <span>{stats.width}×{stats.height}</span>
          <span>{stats.bitrateKbps} kb/s video · {stats.audioBitrateKbps} kb/s audio</span>
          {stats.qualityLimitation !== 'none' && <span className="warn">limited by {stats.qualityLimitation}</span>}
        </>
      )}
    </footer>
  );
}
