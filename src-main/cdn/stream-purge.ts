import { streamTag, type PurgeRequest } from '../../src-shared/contract/cdn.js';
import type { Stream } from '../../src-shared/contract/streams.js';

/**
 * Which `streams.changed` events purge a live stream from the edges: a change of who may watch it
 * (`private`, `playAuth`) or of how it is sealed (`encryption`) that leaves it private or encrypted,
 * and its deletion. The edges keep public copies for anyone who asks without a credential (a segment
 * for 10 minutes, a playlist file until the agent's next refresh): a stream made private or encrypted
 * must leave none there (within the 1 s of nginx-conf.ts's descriptor caches). Title-like edits, ladder
 * and latency changes purge nothing (a restart of the stream purges by itself: `stream.state`).
 * A stream first seen private or encrypted (the host restarted since it was edited) is purged too.
 */
export class StreamPurgeTracker {
  private readonly access = new Map<string, string>();

  onStreamChanged(name: string, stream: Stream | null): PurgeRequest | null {
    if (stream === null) {
      this.access.delete(name);
      return { tags: [streamTag(name)] };
    }
    const now = JSON.stringify([stream.private, stream.playAuth, stream.encryption]);
    const before = this.access.get(name);
    this.access.set(name, now);
    // Made public (and clear): nothing the edges hold must be hidden; its viewers' next requests fill them.
    if (before === now || (!stream.private && stream.encryption === 'none')) return null;
    return { tags: [streamTag(name)] };
  }
}
