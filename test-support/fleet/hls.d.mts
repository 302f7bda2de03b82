// Types of hls.mjs for the TypeScript tests.
export interface Variant {
  bandwidth: number;
  width: number;
  height: number;
  uri: string;
  audioGroup: string | null;
}
export interface Part {
  duration: number;
  uri: string;
  independent: boolean;
}
export interface Segment {
  msn: number;
  duration: number;
  uri: string | null;
  pdt: number | null;
  parts: Part[];
}
export interface MediaPlaylist {
  targetDuration: number;
  mediaSequence: number;
  endList: boolean;
  partTarget: number;
  canBlockReload: boolean;
  partHoldBack: number;
  map: string | null;
  segments: Segment[];
  preloadHint: string | null;
}
export function parseMaster(text: string): { variants: Variant[]; audio: string | null };
export function parseMedia(text: string, options?: { parts?: boolean }): MediaPlaylist;
export function joinPosition(media: MediaPlaylist, options: { lowLatency: boolean; holdSegments?: number }): { msn: number; part: number } | null;
export function liveEdgePdt(media: MediaPlaylist): number | null;
