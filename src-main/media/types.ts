import type { Rendition } from '../../src-shared/contract/streams.js';
import type { MediaChunk } from '../protocols/flv/flv.js';
import type { TrackInfo } from '../protocols/flv/tracks.js';

/**
 * The hub's vocabulary. A publisher (RTMP, SRT, WHIP, local capture) writes FLV tags to a Path;
 * readers (HLS/DASH packager, recorder, relays, WebRTC) each receive them through a bounded queue.
 * FLV is the lingua franca because RTMP carries it natively and ffmpeg reads it on stdin: its chunk and
 * track types live with the FLV toolkit (protocols/flv/) and are re-exported here.
 */

export type { MediaChunk, MediaKind } from '../protocols/flv/flv.js';
export type { TrackInfo } from '../protocols/flv/tracks.js';

export interface PublisherInfo {
  protocol: 'rtmp' | 'srt' | 'whip' | 'capture';
  remoteAddress: string;
  /** Ends the publisher's connection (key rotated, stream deleted, host stopping). */
  kick(reason: string): void;
}

/** What a publisher holds while it is live on a Path. */
export interface PathPublisher {
  write(chunk: MediaChunk): void;
  /** Media parameters learned from metadata and sequence headers. */
  setTracks(tracks: TrackInfo): void;
  /** The publisher is gone (socket closed, kicked): readers are told at once. */
  end(reason: string): void;
}

/** A consumer of a Path. Its queue is bounded: when it falls behind it drops until the next keyframe. */
export interface PathReader {
  readonly id: string;
  /** Called for every chunk in order; must not block (queue internally, never await here). */
  push(chunk: MediaChunk): void;
  /** The publisher ended; the reader finishes what it has and releases its resources. */
  close(reason: string): void;
}

/** One packager run of a stream: the folder its HLS/DASH files are in, and how it joins the previous one. */
export interface LiveSession {
  /** Unique per stream; appears in URLs (`s/<id>/<file>`): [A-Za-z0-9_-], at most 64 characters. */
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

export interface PathStats {
  bytesIn: number;
  /** Bits per second over the last few seconds. */
  bitrateInBps: number;
  chunksIn: number;
  readers: number;
}
