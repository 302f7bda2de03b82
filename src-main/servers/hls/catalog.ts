import type { Rendition, StreamState } from '../../../src-shared/contract/streams.js';

/**
 * What the playback routes read about a stream. The lead implements it from the stream service and
 * the packager's sessions; the routes never write to it.
 */
export interface LiveSession {
  /** Unique per stream; appears in URLs (`s/<id>/<file>`): use [A-Za-z0-9_-], at most 64 characters. */
  id: string;
  /** The packager's output folder: manifest.mpd, master.m3u8, media_N.m3u8, init-streamN.m4s, chunk-streamN-NNNNN.m4s. */
  dir: string;
  startedAt: number;
  /** When the packager exited (its playlists carry ENDLIST, its MPD is static); null while it runs. */
  endedAt: number | null;
  /** The ladder of this session; renditions[N] is packager stream N (video streams first, audio after). */
  renditions: Rendition[];
  /** Whether a discontinuity separates this session from the previous one (a new ffmpeg: true). */
  discontinuityBefore: boolean;
}

export interface LiveStreamEntry {
  state: StreamState;
  private: boolean;
  /**
   * Oldest first, current last. Keep every session of the current live run (from idle -> live until the
   * stream goes live again from idle/ended): stitched sequence numbers are counted across this list,
   * so dropping an old session while the stream is live would make them go backwards.
   */
  sessions: LiveSession[];
}

export interface LiveCatalog {
  lookup(name: string): LiveStreamEntry | undefined;
}
