import type { PurgeRequest } from '../../src-shared/contract/cdn.js';
import type { Recording } from '../../src-shared/contract/restream.js';
import type { Video } from '../../src-shared/contract/videos.js';

/** Where a recording's objects live on the edges: its VOD (`/vod/<id>/...`) and its signed download (`/vod/<id>/download/...`). */
export const vodPrefix = (id: string): string => `/vod/${id}/`;

/**
 * Which `recording.changed` events purge a recording from the edges: its deletion, and every start
 * and end of a conversion (converting again replaces the VOD: the edges must not keep the old
 * playlists, cached 60 s, nor its segments). Progress and growth events purge nothing.
 */
export class VodPurgeTracker {
  private readonly vodStates = new Map<string, Recording['vod']['state']>();
  private readonly videoFiles = new Map<string, string>();

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

  /**
   * Which `video.changed` events purge a library video: its deletion, and every change of what its
   * files hold (processing again, ready, subtitles or chapters edited: the edges keep everything but
   * playlists as immutable files) or who may have them (its visibility, its encryption: a video made
   * private or encrypted leaves no clear copy at the edges). Progress, views and title edits purge nothing.
   */
  onVideoChanged(id: string, video: Video | null): PurgeRequest | null {
    if (video === null) {
      this.videoFiles.delete(id);
      return { prefix: vodPrefix(id) };
    }
    const files = video.state === 'ready' ? JSON.stringify([video.readyAt, video.subtitles.map((s) => s.id), video.chapters, video.visibility, video.encryption]) : video.state;
    const before = this.videoFiles.get(id);
    this.videoFiles.set(id, files);
    // First seen (the host restarted since): it may have been processed again meanwhile.
    if (before === files) return null;
    return video.state === 'ready' || video.state === 'processing' ? { prefix: vodPrefix(id) } : null;
  }
}
