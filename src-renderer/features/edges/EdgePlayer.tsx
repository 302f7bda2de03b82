import { useEffect, useRef, useState } from 'react';
import { call } from '../../api/client.js';
import { Card } from '../../ui/Card.js';
import type { PreviewEngine } from '../streams/player/engine.js';
import { createHlsEngine } from '../streams/player/hls-engine.js';
import { useStreams } from '../streams/store.js';
import { probeEdges, type Probe } from './edge-route.js';

type Candidate = { id: string; region: string; hls: string };

/**
 * Plays a stream the way a viewer would: through the fastest healthy edge (probed), moving to the
 * next one when the player reports a fatal error, and to the origin when none is left.
 */
export function EdgePlayer() {
  const streams = useStreams((s) => s.streams);
  const names = Object.keys(streams).sort();
  const [name, setName] = useState('');
  const [order, setOrder] = useState<Probe<Candidate>[]>([]);
  const [index, setIndex] = useState(0);
  const [note, setNote] = useState('');
  const video = useRef<HTMLVideoElement>(null);
  const origin = useRef<string | null>(null);

  const start = async () => {
    if (!name) return;
    const playback = await call('cdn.playback', { name });
    origin.current = playback.origin.hls;
    setOrder(await probeEdges(playback.edges));
    setIndex(0);
  };

  const current = order[index];
  const url = current ? current.edge.hls : order.length > 0 ? origin.current : null;
  useEffect(() => {
    const el = video.current;
    if (!el || !url) return;
    let engine: PreviewEngine | null = null;
    let dead = false;
    createHlsEngine(el, url, {
      onUpdate: () => undefined,
      onError: (message) => {
        if (dead) return;
        dead = true;
        setNote(`${current?.edge.id ?? 'origin'} failed (${message}); trying the next`);
        setIndex((i) => i + 1);
      },
    }).then(
      (created) => (dead ? created.destroy() : (engine = created)),
      () => setIndex((i) => i + 1),
    );
    return () => {
      dead = true;
      engine?.destroy();
    };
  }, [url, current]);

  return (
    <Card title="Watch through the edges" testId="edge-player">
      <div className="form">
        <div className="row">
          <select className="input" aria-label="Stream" data-testid="edge-player-stream" value={name} onChange={(e) => setName(e.target.value)}>
            <option value="">Choose a stream</option>
            {names.map((n) => <option key={n} value={n}>{n}</option>)}
          </select>
          <button className="button" data-testid="edge-player-start" disabled={!name} onClick={() => void start()}>Play</button>
        </div>
        {order.length > 0 && (
          <p className="muted small" data-testid="edge-player-via">
            {current ? `Playing via ${current.edge.id}${current.edge.region ? ` (${current.edge.region})` : ''}` : 'Playing from the origin'}
            {current?.ms !== null && current ? `, probed ${current.ms.toFixed(0)} ms` : ''}
            {' · order: '}
            {order.map((p) => `${p.edge.id} ${p.ms === null ? 'no answer' : `${p.ms.toFixed(0)} ms`}`).join(', ')}
          </p>
        )}
        {note && <p className="muted small" data-testid="edge-player-note">{note}</p>}
        <video ref={video} className="player-video" data-testid="edge-player-video" muted playsInline controls />
      </div>
    </Card>
  );
}
