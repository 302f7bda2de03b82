import { seekableSpan, type DvrWindow } from '../../../../src-shared/dvr.js';

/** One quality level as the player sees it (from the master playlist or the MPD). */
export interface PlayerLevel {
  /** Position in the player's own list: what setLevel takes. */
  index: number;
  label: string;
  height: number;
  bitrateKbps: number;
}

export interface EngineCallbacks {
  /** Levels known, a switch rendered: the UI reads the engine again. */
  onUpdate(): void;
  /** A fatal error: the engine is dead; the UI destroys it and may retry. */
  onError(message: string): void;
}

/** A preview player bound to one <video> and one URL; destroy() releases everything it holds. */
export interface PreviewEngine {
  readonly kind: 'hls.js' | 'native HLS' | 'dash.js' | 'WebRTC';
  levels(): PlayerLevel[];
  /** The level playing now, or null before the first one is chosen. */
  currentLevel(): number | null;
  /** -1: automatic (ABR on); else a fixed level with ABR off. */
  setLevel(index: number): void;
  /** Latency to show: glass to glass when the stream carries a clock, else the distance to the live edge. */
  latencySec(): number | null;
  /** Glass-to-glass latency read from a clock (PROGRAM-DATE-TIME, DASH UTC timing, WebRTC stats): worth reporting. */
  wallClockLatencySec(): number | null;
  /** The window a viewer may seek in, or null (WebRTC, a stream not yet loaded). */
  dvr(): DvrWindow | null;
  /** Back to the live point. */
  goLive(): void;
  /** The viewer session id the host put into the variant URLs, when the engine exposes them. */
  sessionId(): string | null;
  destroy(): void;
}

export function levelLabel(height: number, bitrateKbps: number, name?: string): string {
  const size = name && !/^\d+$/.test(name) ? name : height > 0 ? `${height}p` : 'audio';
  return bitrateKbps > 0 ? `${size} · ${Math.round(bitrateKbps)} kb/s` : size;
}

/** Detaches the source so the element lets go of its MediaSource and network. */
export function releaseVideo(video: HTMLVideoElement): void {
  video.pause();
  video.removeAttribute('src');
  video.load();
}

/** The `sid` query parameter the host writes into the URLs it hands a player. */
export function sidOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url, window.location.href).searchParams.get('sid');
  } catch {
    return null;
  }
}

export function finite(value: number | null | undefined): number | null {
  return value !== null && value !== undefined && Number.isFinite(value) ? value : null;
}

/** The DVR window from the element's seekable range, with the engine's own live point (null: the range's end). */
export function elementDvr(video: HTMLVideoElement, live: number | null, stepSec: number): DvrWindow | null {
  const span = seekableSpan(video.seekable);
  return span ? { start: span.start, live: Math.min(live ?? span.end, span.end), stepSec } : null;
}
