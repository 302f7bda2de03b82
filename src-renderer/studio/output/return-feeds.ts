import { publishWhip, type WebRtcSession } from './webrtc-client.js';

/** How long a return feed waits before it is offered again (the guest not sending yet, a dropped connection). */
const RETRY_MS = 3000;

interface Feed {
  guestId: string;
  session: WebRtcSession | null;
  timer: ReturnType<typeof setTimeout> | undefined;
  stopped: boolean;
}

/**
 * The guests' return feeds: for each guest source with a mixer strip, the program's sound without that
 * guest (`mixMinus`) sent to the host over WHIP (`/guest/<id>/return`, this page's session); the host
 * adds the program's picture and the guest watches it. Offered again while the guest is not sending or
 * after a drop.
 */
export class ReturnFeeds {
  private readonly feeds = new Map<string, Feed>();

  constructor(private readonly mix: { mixMinus(id: string): MediaStream; dropMixMinus(id: string): void }) {}

  /** The guest sources with a strip now (source id -> guest id): each has a return feed, the others end. */
  sync(guests: ReadonlyMap<string, string>): void {
    for (const [sourceId, feed] of this.feeds) if (guests.get(sourceId) !== feed.guestId) this.end(sourceId);
    for (const [sourceId, guestId] of guests) {
      if (this.feeds.has(sourceId)) continue;
      const feed: Feed = { guestId, session: null, timer: undefined, stopped: false };
      this.feeds.set(sourceId, feed);
      this.offer(sourceId, feed);
    }
  }

  /** Guest ids with a connected return feed (tests, the panel). */
  connected(): string[] {
    return [...this.feeds.values()].filter((f) => f.session?.pc.connectionState === 'connected').map((f) => f.guestId);
  }

  dispose(): void {
    for (const id of [...this.feeds.keys()]) this.end(id);
  }

  private offer(sourceId: string, feed: Feed): void {
    const media = this.mix.mixMinus(sourceId);
    const again = (): void => {
      if (feed.stopped) return;
      clearTimeout(feed.timer);
      feed.timer = setTimeout(() => this.offer(sourceId, feed), RETRY_MS);
    };
    publishWhip(new URL(`/guest/${encodeURIComponent(feed.guestId)}/return`, window.location.href).href, media).then(
      (session) => {
        if (feed.stopped) return session.close();
        feed.session = session;
        session.pc.addEventListener('connectionstatechange', () => {
          if (feed.session !== session || !['failed', 'closed'].includes(session.pc.connectionState)) return;
          session.close();
          feed.session = null;
          again();
        });
      },
      again,
    );
  }

  private end(sourceId: string): void {
    const feed = this.feeds.get(sourceId);
    if (!feed) return;
    feed.stopped = true;
    clearTimeout(feed.timer);
    feed.session?.close();
    this.feeds.delete(sourceId);
    this.mix.dropMixMinus(sourceId);
  }
}
