import { useState } from 'react';
import { formatBehind, type DvrPosition } from '../../../../src-shared/dvr.js';

interface DvrBarProps {
  position: DvrPosition | null;
  onSeek(fraction: number): void;
  onLive(): void;
}

const STEPS = 1000;

/**
 * The Live button (lit while playing live) and, when the window is worth it, a seek bar across it
 * labelled in time behind live ("-12:30" at the oldest end). The bar follows playback unless dragged.
 */
export function DvrBar({ position, onSeek, onLive }: DvrBarProps) {
  const [dragged, setDragged] = useState<number | null>(null);
  const atLive = position?.atLive ?? true;
  const fraction = dragged ?? position?.fraction ?? 1;
  const spanSec = position?.spanSec ?? 0;
  const label = dragged !== null ? formatBehind(spanSec * (1 - dragged)) : atLive ? 'live' : formatBehind(position?.behindSec ?? 0);
  const release = () => {
    if (dragged !== null) onSeek(dragged);
    setDragged(null);
  };
  return (
    <div className="dvr" data-testid="player-dvr" data-live={atLive ? 'yes' : 'no'} data-dvr={position?.seekable ? 'yes' : 'no'}>
      <button
        type="button"
        className={`live-pill ${atLive ? 'at-live' : ''}`}
        data-testid="player-live"
        title={atLive ? 'Playing live' : 'Jump to live'}
        aria-pressed={atLive}
        onClick={onLive}
      >
        <i aria-hidden="true" />
        Live
      </button>
      {position?.seekable && (
        <>
          <span className="dvr-time" data-testid="player-dvr-start">{formatBehind(spanSec)}</span>
          <input
            type="range"
            className="dvr-range"
            data-testid="player-dvr-bar"
            aria-label="Position in the DVR window"
            aria-valuetext={label === 'live' ? 'live' : `${label} behind live`}
            min={0}
            max={STEPS}
            step={1}
            value={Math.round(fraction * STEPS)}
            style={{ ['--fill' as string]: `${(fraction * 100).toFixed(2)}%` }}
            onChange={(e) => setDragged(Number(e.target.value) / STEPS)}
            onPointerUp={release}
            onKeyUp={release}
            onBlur={() => setDragged(null)}
          />
          <span className="dvr-time dvr-position" data-testid="player-dvr-position">{label}</span>
        </>
      )}
    </div>
  );
}
