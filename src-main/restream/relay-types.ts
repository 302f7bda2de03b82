import type { DestinationState } from '../../src-shared/contract/restream.js';
import type { ChildRegistry } from '../core/children.js';
import type { Logger } from '../core/logger.js';
import type { RestartPolicy } from '../core/supervisor.js';
import type { PathReader } from '../media/types.js';
import { DEFAULT_BACKOFF } from '../../src-shared/backoff.js';

/** maxFailures in a row and the relay gives up (state failed); live stableMs and the count starts again from zero. */
export interface RelaySupervision extends RestartPolicy {
  /**
   * This many refusals in a row (the server turned the key away) and it gives up sooner: one retry
   * covers a platform that still holds the previous session of the same key for a moment.
   */
  maxRefusals: number;
  stableMs: number;
  /** stop(): how long ffmpeg may take to flush after its stdin closed, before SIGKILL. */
  stopGraceMs: number;
  /** Bitrate-only changes are reported at most this often (state changes at once). */
  statsIntervalMs: number;
  /** The bitrate is averaged over this window of progress reports. */
  bitrateWindowMs: number;
}

export const DEFAULT_RELAY_SUPERVISION: RelaySupervision = {
  maxFailures: 8,
  maxRefusals: 2,
  backoff: DEFAULT_BACKOFF,
  stableMs: 10_000,
  stopGraceMs: 3000,
  statsIntervalMs: 2000,
  bitrateWindowMs: 3000,
};

export interface RelayStatus {
  state: DestinationState;
  error: string | null;
  /** Unix ms when it went live (uptime), null when not live. */
  since: number | null;
  bitrateKbps: number;
  /** Consecutive failures so far. */
  retries: number;
  nextRetryAt: number | null;
}

/** One launch: the binary, its arguments, and the secrets to strip from its stderr before it is shown or logged. */
export interface RelayLaunch {
  ffmpegPath: string;
  args: string[];
  /** Replaces the key in any text (stderr lines, the URL in ffmpeg's messages). */
  redact: (text: string) => string;
  /** argv safe to log. */
  logArgs: string[];
  /** Passthrough to rtmp(s)://: pushed in-process (RtmpPush) instead of by ffmpeg; args are then unused. */
  push?: { url: string; key: string };
}

export interface RelayOptions {
  /** For logs and reader ids: `<stream>/<destination id>`. */
  id: string;
  /** Called before every launch: settings changed since the last one apply to the next. */
  prepare: () => Promise<RelayLaunch>;
  /** Adds a reader to the stream's Path (which replays header, metadata, sequence headers and the current GOP). */
  attach: (reader: PathReader) => () => void;
  children: Pick<ChildRegistry, 'spawn'>;
  logger: Logger;
  onChange: (status: RelayStatus) => void;
  readerMaxBytes?: number;
  supervision?: Partial<RelaySupervision>;
  random?: () => number;
}

