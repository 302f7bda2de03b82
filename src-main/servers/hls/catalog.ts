import type { StreamState } from '../../../src-shared/contract/streams.js';
import type { LiveSession } from '../../media/types.js';

/**
 * What the playback routes read about a stream. The stream service implements it from its records and
 * the packager's sessions; the routes never write to it.
 */
export type { LiveSession } from '../../media/types.js';

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
