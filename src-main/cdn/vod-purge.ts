import type { PurgeRequest } from '../../src-shared/contract/cdn.js';
import type { Recording } from '../../src-shared/contract/restream.js';

/** Where a recording's objects live on the edges: its VOD (`/vod/<id>/...`) and its signed download (`/vod/<id>/download/...`). */
export const vodPrefix = (id: string): string => `/vod/${id}/`;

/**
 * Which `recording.changed` events purge a recording from the edges: its deletion, and every start
 * and end of a conversion (converting again replaces the VOD: the edges must not keep the old
 * playlists, cached 60 s, nor its segments). Progress and growth events purge nothing.
 */
export class VodPurgeTracker {
  private readonly vodStates = new Map<string, Recording['vod']['state']>();

  onRecordingChanged(id: string, recording: Recording | null): PurgeRequest | null {
    if (recording === null) {
      this.vodStates.delete(id);
      return { prefix: vodPrefix(id) };
    }
    const before = this.vodStates.get(id);
    const now = recording.vod.state;
    this.vodStates.set(id, now);
    return before !== now && (now === 'converting' || now === 'ready') ? { prefix: vodPrefix(id) } : null;
  }
}
