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
  /** Seconds behind the live edge, when the engine can tell. */
  latencySec(): number | null;
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
