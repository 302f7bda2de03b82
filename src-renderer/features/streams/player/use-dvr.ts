import { useCallback, useEffect, useState, type RefObject } from 'react';
import { clampSeek, dvrPosition, timeAtFraction, type DvrPosition, type DvrWindow } from '../../../../src-shared/dvr.js';
import type { PreviewEngine } from './engine.js';

export interface DvrState {
  window: DvrWindow | null;
  /** Null without a window (WebRTC, or nothing loaded yet): that plays live. */
  position: DvrPosition | null;
  paused: boolean;
}

const EMPTY: DvrState = { window: null, position: null, paused: false };
const RENDER_MS = 250;
/** What the arrow keys seek by. */
export const SEEK_STEP_SEC = 10;

/** The player's place in its DVR window, read a few times a second, and the ways to move in it. */
export function useDvr(engine: RefObject<PreviewEngine | null>, video: RefObject<HTMLVideoElement | null>) {
  const [state, setState] = useState<DvrState>(EMPTY);
  const read = useCallback(() => {
    const seekWindow = engine.current?.dvr() ?? null;
    const el = video.current;
    setState({ window: seekWindow, position: seekWindow && el ? dvrPosition(seekWindow, el.currentTime) : null, paused: el?.paused ?? false });
  }, [engine, video]);

  useEffect(() => {
    const timer = setInterval(read, RENDER_MS);
    return () => clearInterval(timer);
  }, [read]);

  const seekTo = useCallback(
    (fraction: number) => {
      const seekWindow = engine.current?.dvr();
      if (seekWindow && video.current) video.current.currentTime = timeAtFraction(seekWindow, fraction);
      read();
    },
    [engine, video, read],
  );
  const seekBy = useCallback(
    (sec: number) => {
      const seekWindow = engine.current?.dvr();
      if (seekWindow && video.current) video.current.currentTime = clampSeek(seekWindow, video.current.currentTime + sec);
      read();
    },
    [engine, video, read],
  );
  const goLive = useCallback(() => {
    engine.current?.goLive();
    void video.current?.play().catch(() => undefined);
    read();
  }, [engine, video, read]);

  return { ...state, seekTo, seekBy, goLive };
}
